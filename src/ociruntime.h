/* ociruntime.h: the runtime-spec lifecycle (create, start, state, kill, delete, exec) on top
 * of the sandbox's plans and executors. sandbox-oci's main (ocimain.c) parses the command line
 * into these calls. Every call returns 0 or the exit status, having printed one line. */
#pragma once

#include <stdbool.h>

struct oci_ctx {
	const char *root;   /* the state root (--root) */
};

struct oci_create_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;       /* or NULL */
	const char *console_socket; /* or NULL */
	bool run;                   /* `run`: start it too and wait (unless detach) */
	bool detach;
	int preserve_fds;           /* fds 3..3+N-1 go to the process */
};

struct oci_exec_opts {
	const char *id;
	const char *process_file;   /* --process, or NULL: argv with the container's process */
	char **argv;
	const char *pid_file;
	const char *console_socket;
	const char *cwd;            /* --cwd */
	char **env;                 /* --env NAME=VALUE, NULL-terminated or NULL */
	const char *user;           /* --user UID[:GID] */
	bool tty, detach;
	int preserve_fds;           /* fds 3..3+N-1 go to the process */
};

int ociruntime_create(const struct oci_ctx *ctx, const struct oci_create_opts *o);
int ociruntime_start(const struct oci_ctx *ctx, const char *id);
int ociruntime_state(const struct oci_ctx *ctx, const char *id);
int ociruntime_kill(const struct oci_ctx *ctx, const char *id, int sig);
int ociruntime_delete(const struct oci_ctx *ctx, const char *id, bool force);
int ociruntime_exec(const struct oci_ctx *ctx, const struct oci_exec_opts *o);
int ociruntime_list(const struct oci_ctx *ctx);

/* "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int ociruntime_signal(const char *name);
