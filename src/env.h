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

/* The most an --env-file may hold: a file larger than this is refused, never cut. */
#define ENV_FILE_MAX (1 << 20)

/* Parse an --env-file text (docker's format): one NAME=VALUE a line, taken literally (no
 * quotes, no expansion; leading blanks of a line are dropped, a trailing CR too); blank lines
 * and lines starting with '#' are skipped; a bare NAME copies the caller's value (left out
 * when the caller has none). A NAME is a non-empty run of printable characters without blanks
 * or '='. Entries are appended as "NAME=VALUE" strings to *out (a NULL-terminated heap array
 * holding *n entries; NULL and 0 at first; env_free). Pure. 0; -EINVAL with "line N: WHY" in
 * err for a bad line (a NUL byte, an empty or blank-holding name, bytes that are no UTF-8);
 * -ENOMEM. */
int env_file_parse(const char *text, size_t len, char *const *caller, char ***out, size_t *n, char *err,
		   size_t errlen);
/* Read path (at most ENV_FILE_MAX bytes) and parse it as above; err names the file's problem
 * without the path. */
int env_file_read(const char *path, char *const *caller, char ***out, size_t *n, char *err, size_t errlen);
/* The value of name in env, or NULL. */
const char *env_get(char *const *env, const char *name);
