/* usernet_lockdown.h: the network helper confines itself once libslirp is set up.
 *
 * The helper parses frames from an untrusted sandbox with libslirp's C code, in the host's
 * network namespace; if that code were exploited, what it can reach should be little more than
 * the sockets it already has. So, after the listeners are bound (usernet_lockdown_isolate,
 * before the helper reports "ready", so that a failure stops the sandbox with exit 125):
 *   1. a new user namespace and mount namespace (no privilege over anything of the host's),
 *   2. an empty tmpfs as / through pivot_root, holding only /etc/resolv.conf: a copy of the
 *      host's, read before, because libslirp reads (and every second stat()s) that file to
 *      find where to forward DNS; without it DNS forwarding would stop,
 * and once the tap fd is received (usernet_lockdown):
 *   3. every capability dropped (bounding, ambient, effective, permitted, inheritable),
 *   4. no_new_privs,
 *   5. seccomp: the sandbox's default filter, and over it an allow list of exactly what the
 *      loop needs (usernet_lockdown.c): anything else kills the helper.
 * There is no fallback: when the helper cannot create its user namespace (user namespaces
 * disabled, or the user's user.max_user_namespaces exhausted) the sandbox does not start. */
#pragma once

#include <stddef.h>

/* Read the host's /etc/resolv.conf (at most len - 1 bytes, NUL-terminated) into buf, before the
 * lock-down hides it. A missing file gives "" (libslirp then has no DNS to forward to, as
 * without lock-down). 0 or -errno. */
int usernet_lockdown_read_resolv(char *buf, size_t len);
/* Steps 1-2. resolv_text is what usernet_lockdown_read_resolv returned. 0 or -errno with the
 * failing step in err. */
int usernet_lockdown_isolate(const char *resolv_text, char *err, size_t errlen);
/* Steps 3-5. 0 or -errno with the failing step in err. */
int usernet_lockdown(char *err, size_t errlen);
/* Steps 3-5 with another allow list (the names of system calls) and nothing else: none of the
 * helper's calls allowed only with an argument (ioctl FIONREAD, prctl PR_SET_PDEATHSIG 0). For
 * the published ports' forwarder (portfwd.c), whose loop calls other things than libslirp's. */
int usernet_lockdown_with(const char *const *allowed, size_t nallowed, char *err, size_t errlen);
