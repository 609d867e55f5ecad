/* command.h: the last steps in the process that becomes COMMAND, and the PATH search. */
#pragma once

#include <stdbool.h>

#include "cmdplan.h"

struct command_ctx {
	const struct command_plan *plan;
	int tty_slave;       /* -1: no pty, run in a new session with the caller's fds */
	bool linger_for_tcp; /* init: let the network helper flush COMMAND's last TCP bytes */
	bool fast_connect;   /* the outgoing TCP fast path: hand a connect() listener out on chan */
	int chan;            /* init's channel to the supervisor (set by init_run), when fast_connect */
	int keep_fds;        /* fds 3..3+keep_fds-1 go to COMMAND too (sandbox-oci --preserve-fds) */
};

/* Never returns: exec COMMAND, or print one line and _exit 125 (setup), 126 (not executable)
 * or 127 (not found). */
__attribute__((noreturn)) void command_exec(const struct command_ctx *ctx);

/* execve name (with '/') or search it in path (a PATH value). Returns only on failure: the
 * exit status of the contract, 126 or 127, with errno set to the reason. */
int command_execvpe(const char *name, char *const argv[], char *const envp[], const char *path);
