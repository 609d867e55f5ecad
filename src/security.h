/* security.h: the identity and confinement COMMAND gets, applied in one place. */
#pragma once

#include <stddef.h>

#include "cmdplan.h"

#define SECURITY_SHARED_KEYRING "sandbox-shared-empty"

/* Before entering the sandbox's user namespace (supervisor, sandbox exec), with the default
 * filter: join the user's one shared, empty, read-only session keyring, which COMMAND then
 * inherits instead of the caller's; no key quota is spent per sandbox. 0 or -errno. */
int security_join_shared_keyring(char *err, size_t errlen);

/* In the process about to exec COMMAND: with --seccomp none join a new session keyring, switch to the plan's user,
 * set the five capability sets to its set, set no_new_privs and load the seccomp filter (unless
 * --seccomp none), in that order: the filter comes last so that nothing before it is refused.
 * 0 or -errno with the step in err. */
int security_apply(const struct command_plan *p, char *err, size_t errlen);
