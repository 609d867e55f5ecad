/* security.h: the identity and confinement COMMAND gets, applied in one place. */
#pragma once

#include <stddef.h>

#include "options.h"

/* In the process about to exec COMMAND: switch to --user, set the capability sets, set
 * no_new_privs and load the seccomp filter (unless --seccomp none), in that order. 0 or
 * -errno with the step in err. */
int security_apply(const struct config *cfg, char *err, size_t errlen);

/* Make the pty slave the controlling terminal of a new session, on fds 0, 1 and 2. */
int security_attach_tty(int slave, char *err, size_t errlen);
