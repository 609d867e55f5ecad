/* usernet_lockdown.h: the network helper confines itself once libslirp is set up.
 *
 * The helper parses frames from an untrusted sandbox with libslirp's C code, in the host's
 * network namespace; if that code were exploited, what it can reach should be little more than
 * the sockets it already has. So, after the listeners are bound and the tap fd received:
 *   1. a new user namespace and mount namespace (no privilege over anything of the host's),
 *   2. an empty tmpfs as / through pivot_root, holding only /etc/resolv.conf: a copy of the
 *      host's, read before, because libslirp reads (and every second stat()s) that file to
 *      find where to forward DNS; without it DNS forwarding would stop,
 *   3. every capability dropped (bounding, ambient, effective, permitted, inheritable),
 *   4. no_new_privs,
 *   5. seccomp: the sandbox's default filter, and over it ptrace, process_vm_readv/writev,
 *      pidfd_getfd, kcmp and execve denied (it runs as the caller, next to the caller's
 *      processes). Steps 1-2 are skipped when unprivileged user
 * namespaces are not available (the helper still works, less confined); 3-4 always apply. */
#pragma once

#include <stddef.h>

/* Read the host's /etc/resolv.conf (at most len - 1 bytes, NUL-terminated) into buf, before the
 * lock-down hides it. A missing file gives "" (libslirp then has no DNS to forward to, as
 * without lock-down). 0 or -errno. */
int usernet_lockdown_read_resolv(char *buf, size_t len);
/* Apply the steps above. resolv_text is what usernet_lockdown_read_resolv returned. 0 or -errno
 * with the failing step in err. */
int usernet_lockdown(const char *resolv_text, char *err, size_t errlen);
