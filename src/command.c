/* command.c: the process that becomes COMMAND. It runs after pivot_root, forked by the
 * sandbox's init; the order of its last steps matters: limits first, then identity
 * (user, capabilities), then no_new_privs and the seccomp filter, which must come last
 * so that everything before it may still use the calls it forbids. */
#include "config.h"

#include "command.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "env.h"
#include "log.h"
#include "rlimit.h"
#include "secfilter.h"
#include "security.h"
#include "tty.h"
#include "util.h"

extern char **environ;

int command_execvpe(const char *name, char *const argv[], char *const envp[], const char *path)
{
	char buf[PATH_MAX];
	bool denied = false;

	if (name[0] == '\0') {
		errno = ENOENT;
		return EXIT_NOTFOUND;
	}
	if (strchr(name, '/')) {
		execve(name, argv, envp);
		return errno == ENOENT || errno == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC;
	}
	if (!path)
		path = SANDBOX_PATH;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		/* An empty PATH element means the current directory, as in execvp(3). */
		if (dlen + 1 + strlen(name) + 1 <= sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dlen, dlen ? p : "", dlen ? "/" : "", name);
			execve(buf, argv, envp);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG && errno != ELOOP)
				return EXIT_NOEXEC;
		}
		p = end;
		if (*p == '\0')
			break;
	}
	errno = denied ? EACCES : ENOENT;
	return denied ? EXIT_NOEXEC : EXIT_NOTFOUND;
}

/* The outgoing TCP fast path (fastconnect.h): the last filter, the one that stops connect(),
 * and its listener to the supervisor, which answers it from the host's network namespace.
 * When the filter cannot be had (a sandbox nested in ours: one listener per process), libslirp
 * carries every connection. Once the filter is in, its listener must reach the supervisor:
 * without anybody holding it every connect() would fail. */
static void hand_out_connect_listener(int chan)
{
	struct chan_msg m = { .type = CHAN_MSG_CONNECT };
	char err[256];
	int listener, r;

	if (secfilter_connect_notify(&listener, err, sizeof(err)) < 0) {
		debug("%s; outgoing TCP goes through libslirp", err);
		close(chan);
		return;
	}
	r = chan_send_fd(chan, &m, listener);
	if (r < 0)
		die_errno(-r, "fast connect: hand the connect() listener to the supervisor");
	close(listener);
	close(chan);
}

void command_exec(const struct command_ctx *ctx)
{
	const struct command_plan *p = ctx->plan;
	char err[512] = "";
	char **envp;
	int code;

	reset_signals();
	/* Either way a new session: without a pty COMMAND has no controlling terminal, so
	 * nothing inside can reach the caller's terminal (TIOCSTI) or its process group. */
	if ((ctx->tty_slave >= 0 ? tty_make_controlling(ctx->tty_slave, err, sizeof(err))
				 : tty_new_session(err, sizeof(err))) < 0)
		die("%s", err);
	if (p->umask_set)
		umask(p->umask);
	if (rlimit_apply(p->rlimits, p->nrlimits, err, sizeof(err)) < 0)
		die("%s", err);
	if (chdir(p->workdir) < 0) {
		if (!p->workdir_fallback || chdir("/") < 0)
			die_errno(errno, "workdir %s", p->workdir);
		/* One line, not a silent cd /: a build started there would run somewhere else. */
		warnx("warning: host mode: the current directory %s is hidden inside (the private /tmp, "
		      "/run, ...); starting in / (to keep it, --bind it: --bind DIR DIR)",
		      p->workdir);
	}
	envp = env_build(p, environ);
	if (!envp)
		die_errno(ENOMEM, "environment");
	/* Only 0, 1 and 2 go to COMMAND (the channel to the supervisor, moved to 3, is closed
	 * before the exec), and the fds an OCI caller asked to keep. */
	if (ctx->fast_connect && ctx->chan != 3 && dup2(ctx->chan, 3) < 0)
		die_errno(errno, "fast connect: keep the channel");
	if (close_fds_from(ctx->fast_connect ? 4 : 3 + ctx->keep_fds) < 0)
		die_errno(errno, "close inherited file descriptors");
	for (int fd = 3; fd < 3 + ctx->keep_fds; fd++)
		if (fd_set_cloexec(fd, false) < 0)
			die_errno(errno, "--preserve-fds: keep fd %d", fd);
	if (security_apply(p, err, sizeof(err)) < 0)
		die("%s", err);
	if (ctx->fast_connect)
		hand_out_connect_listener(3);
	code = command_execvpe(p->argv[0], p->argv, envp, env_get(envp, "PATH"));
	if (code == EXIT_NOTFOUND && errno == ENOENT && !strchr(p->argv[0], '/'))
		warnx("%s: command not found", p->argv[0]);
	else
		warn_errno(errno, "exec %s", p->argv[0]);
	_exit(code);
}
