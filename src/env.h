/* env.h: the environment of COMMAND (pure). */
#pragma once

#include <stddef.h>

#include "cmdplan.h"

#define SANDBOX_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Build COMMAND's environment: with a rootfs a clean one (PATH, HOME, TERM from the caller,
 * container=sandbox), in host mode the caller's plus container=sandbox; then the plan's
 * NAME=VALUE entries in order. caller: the caller's environ. A NULL-terminated heap array
 * (env_free), or NULL. */
char **env_build(const struct command_plan *p, char *const *caller);
void env_free(char **env);
/* The value of name in env, or NULL. */
const char *env_get(char *const *env, const char *name);
