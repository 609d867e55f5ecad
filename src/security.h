/* security.h: the identity and confinement COMMAND gets, applied in one place. */
#pragma once

#include <stddef.h>

#include "options.h"

/* At option-validation time: the capability set COMMAND will have. 0, or -EINVAL with
 * "--cap-add: unknown capability 'X'" in err. */
int security_check(const struct config *cfg, char *err, size_t errlen);

/* In the process about to exec COMMAND: join a new session keyring, switch to --user, set the
 * five capability sets, set no_new_privs and load the seccomp filter (unless --seccomp none),
 * in that order: the filter comes last so that nothing before it is refused. 0 or -errno with the step in err. */
int security_apply(const struct config *cfg, char *err, size_t errlen);
