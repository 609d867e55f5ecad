/* init.c: a minimal PID 1. Signals are blocked and taken with sigwaitinfo, so there is no
 * handler code to race with; the no-op handlers exist only because the kernel drops signals
 * to a namespace's init for which it has none. */
#include "config.h"

#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "util.h"

const int init_forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
const size_t init_nforwarded_signals = sizeof(init_forwarded_signals) / sizeof(init_forwarded_signals[0]);

static void noop(int sig)
{
	(void)sig;
}

int init_signalfd_forwarded(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < init_nforwarded_signals; i++)
		sigaddset(&set, init_forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	/* A shell starts background jobs with SIGINT and SIGQUIT ignored; what we forward must
	 * still reach us (blocked, a signal is queued for the signalfd whatever its handler). */
	for (size_t i = 0; i < init_nforwarded_signals; i++)
		signal(init_forwarded_signals[i], SIG_DFL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static bool is_forwarded(int sig)
{
	for (size_t i = 0; i < init_nforwarded_signals; i++)
		if (init_forwarded_signals[i] == sig)
			return true;
	return false;
}

/* Whether a TCP socket of this network namespace still holds data it has not sent. */
static bool tcp_unsent(const char *table)
{
	char line[256];
	FILE *f = fopen(table, "re");
	bool pending = false;

	if (!f)
		return false;
	/* "sl local rem st tx_queue:rx_queue ..."; the header line does not parse. */
	while (!pending && fgets(line, sizeof(line), f)) {
		unsigned long tx, rx;
		if (sscanf(line, "%*s %*s %*s %*s %lx:%lx", &tx, &rx) == 2 && tx > 0)
			pending = true;
	}
	fclose(f);
	return pending;
}

/* The number of TCP sockets of this network namespace ("TCP: inuse N" and "TCP6: inuse N"):
 * O(1) to read, unlike the socket tables, whose walk costs milliseconds. -1 if unknown. */
static long tcp_sockets(void)
{
	static const char *const files[] = { "/proc/net/sockstat", "/proc/net/sockstat6" };
	long total = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char line[128];
		FILE *f = fopen(files[i], "re");
		long n;

		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "TCP: inuse %ld", &n) == 1 || sscanf(line, "TCP6: inuse %ld", &n) == 1)
				total += n;
		fclose(f);
	}
	return total;
}

/* COMMAND may have written its last bytes and exited before its kernel sent them: they sit in
 * an orphaned socket of this network namespace, which dies with us. Give them a moment to
 * leave (the user-mode stack outside then delivers them) before ending the namespace. */
static void let_tcp_flush(void)
{
	/* The common case, no TCP socket left at all, costs two small reads. */
	if (tcp_sockets() == 0)
		return;
	for (int i = 0; i < 200; i++) {
		if (!tcp_unsent("/proc/net/tcp") && !tcp_unsent("/proc/net/tcp6"))
			return;
		usleep(10000);
	}
}

/* Overwrite what the host command line left in our memory: /proc/1/cmdline is readable by
 * every process inside and showed `sandbox`'s own argv (bind paths, -e values); /proc/1/environ
 * is the caller's environment. Both areas become zeros but for the name at the start. Called
 * after COMMAND is forked (its copy of the plan points into these areas) and before it may
 * run. 0 or -errno with a reason in err. */
static int hide_host_args(char *err, size_t errlen)
{
	char text[1024];
	unsigned long long area[4]; /* arg_start, arg_end, env_start, env_end: fields 48-51 */
	_cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set(err, errlen, errno, "init: hide the host command line: /proc/self/stat");
	n = read_all(fd, text, sizeof(text) - 1);
	if (n < 0)
		return err_set(err, errlen, (int)-n, "init: hide the host command line: /proc/self/stat");
	text[n] = '\0';
	for (int i = 0; i < 4; i++)
		if (proc_stat_field(text, 48 + i, &area[i]) < 0 || area[i] == 0)
			return err_set(err, errlen, -EINVAL, "init: hide the host command line: no argument area in /proc/self/stat");
	if (area[1] < area[0] || area[3] < area[2])
		return err_set(err, errlen, -EINVAL, "init: hide the host command line: a bad argument area");
	memset((void *)(uintptr_t)area[0], 0, area[1] - area[0]);
	memset((void *)(uintptr_t)area[2], 0, area[3] - area[2]);
	/* The name, cut to fit (the area ends with a NUL, so the kernel reads no further). */
	size_t room = area[1] - area[0], len = strlen("sandbox-init");
	if (room > 1)
		memcpy((void *)(uintptr_t)area[0], "sandbox-init", len < room - 1 ? len : room - 1);
	return 0;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP;
}

void init_run(const struct command_ctx *ctx, int chan)
{
	struct sigaction sa = { .sa_handler = noop };
	struct chan_msg msg = { .type = CHAN_MSG_STARTED };
	sigset_t all;
	pid_t cmd;
	int gate[2];
	char text[256];

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < init_nforwarded_signals; i++)
		sigaction(init_forwarded_signals[i], &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);

	/* Named before COMMAND exists, so that it never sees another name for PID 1. */
	prctl(PR_SET_NAME, "sandbox-init", 0, 0, 0);
	/* COMMAND waits at the gate until our argument area is wiped (hide_host_args). */
	if (pipe2(gate, O_CLOEXEC) < 0) {
		err_set(text, sizeof(text), errno, "init: pipe");
		chan_send_error(chan, text);
		_exit(EXIT_SETUP);
	}
	cmd = fork();
	if (cmd < 0) {
		err_set(text, sizeof(text), errno, "init: fork COMMAND");
		chan_send_error(chan, text);
		_exit(EXIT_SETUP);
	}
	if (cmd == 0) {
		struct command_ctx own = *ctx;
		char c;

		close(gate[1]);
		/* EOF when init has wiped its memory; if it died instead, the pid namespace goes too. */
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			;
		close(gate[0]);
		/* COMMAND keeps the channel only to send its connect() listener out, then closes it. */
		own.chan = chan;
		if (!own.fast_connect)
			close(chan);
		command_exec(&own);
	}
	close(gate[0]);
	if (hide_host_args(text, sizeof(text)) < 0) {
		kill(cmd, SIGKILL);
		chan_send_error(chan, text);
		_exit(EXIT_SETUP);
	}
	close(gate[1]);
	if (ctx->tty_slave >= 0)
		close(ctx->tty_slave);
	/* The kernel translates this pid into the supervisor's namespace. */
	msg.value = cmd;
	if (chan_send_creds(chan, &msg, cmd) < 0)
		(void)chan_send(chan, &msg);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		int status;
		pid_t p;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			if (is_forwarded(sig))
				kill(cmd, sig);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != cmd)
				continue;
			if (ctx->linger_for_tcp)
				let_tcp_flush();
			msg = (struct chan_msg){ .type = CHAN_MSG_EXIT, .value = status };
			(void)chan_send(chan, &msg);
			_exit(exit_code_of(status));
		}
	}
}
