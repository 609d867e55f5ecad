/* exec.c: `sandbox exec NAME COMMAND`.
 *
 * Which process we join: the sandbox's init is not dumpable (it must not be ptraced or have its
 * memory read from inside), and its memory belongs to the host's user namespace, since it was
 * cloned without an exec: the kernel then lets only a process with CAP_SYS_PTRACE in the host
 * open its namespaces (setns through a pidfd checks ptrace read access, as /proc/PID/ns does).
 * COMMAND, forked by init, has exec'd: it is dumpable again and its memory belongs to the
 * sandbox's user namespace, which we own. So we join through COMMAND, whose pid and start time
 * the registry holds (from CHAN_MSG_STARTED's credentials); COMMAND lives as long as the
 * sandbox. A COMMAND that made namespaces of its own (unshare) would be joined in those.
 *
 * The steps: look NAME up (its lock must be held: it runs), open a pidfd for COMMAND and then
 * check its start time (the pidfd pins that very process from then on), refuse to be dumpable,
 * setns(pidfd, user|mnt|pid|uts|ipc|cgroup[|net]) in one atomic call (Linux >= 5.8; the user
 * namespace is entered first and gives us the capabilities for the others; older kernels get
 * /proc/PID/ns/NS one by one), then clone the command's process, which is the first to be in
 * the pid namespace, into the sandbox's cgroup when it has one. The mount namespace's root is
 * the sandbox's root after its pivot_root: setns(CLONE_NEWNS) puts us there, as nsenter -m.
 * The command then goes through command_exec() like the sandbox's COMMAND: rlimits, workdir,
 * environment, user, capabilities, no_new_privs, seccomp. We wait and forward signals.
 *
 * No terminal of the caller's ever enters the sandbox: once the command has exec'd it is
 * dumpable, and any root process inside could open /proc/PID/fd/0 and keep the caller's
 * terminal (read what the user types next, change its settings). When stdin is a terminal
 * (or with -t) the command gets a pty of the sandbox's own devpts, opened after joining its
 * mount namespace, and we relay it as the supervisor does (tty.c). Otherwise fds 0-2 are the
 * caller's, except a terminal on 1 or 2, which becomes a pipe that we copy out. */
#include "config.h"

#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdplan.h"
#include "command.h"
#include "init.h"
#include "log.h"
#include "registry.h"
#include "security.h"
#include "tty.h"
#include "util.h"

/* The sandbox's plan for COMMAND, with this command, and exec's own options on top. */
static int plan_command(const struct config *cfg, struct command_plan *p)
{
	char **argv = strv_dup(cfg->argv);
	char *workdir = cfg->workdir ? strdup(cfg->workdir) : NULL;

	if (!argv || (cfg->workdir && !workdir)) {
		strv_free(argv);
		free(workdir);
		return -ENOMEM;
	}
	strv_free(p->argv);
	p->argv = argv;
	if (workdir) {
		free(p->workdir);
		p->workdir = workdir;
		p->workdir_fallback = false;
	}
	if (cfg->user_set)
		cmdplan_set_user(p, true, cfg->user_uid, cfg->user_gid);
	/* -e as the run's: NAME=VALUE, or NAME from our caller. */
	return cmdplan_add_env(p, cfg->env, cfg->nenv, environ, NULL, 0);
}

/* Kernels before 5.8 take no pidfd in setns: /proc/PID/ns/NS, user first. The pid is the one
 * whose start time we checked; the pidfd we hold keeps it from being reused meanwhile. */
static int join_by_proc(pid_t pid, unsigned long long flags)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} order[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },   { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
		{ "ipc", CLONE_NEWIPC },   { "cgroup", CLONE_NEWCGROUP }, { "net", CLONE_NEWNET },
	};
	int fds[ARRAY_SIZE(order)];
	int r = 0;

	/* Open them all first: after joining the mount namespace /proc is the sandbox's. */
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		char path[64];
		fds[i] = -1;
		if (!(flags & order[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 && r == 0)
			r = -errno;
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(order); i++)
		if (fds[i] >= 0 && setns(fds[i], (int)order[i].flag) < 0)
			r = -errno;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* The command's terminal side: a pty (slave for the command, relay for us), or pipes that
 * stand in for the caller's terminal on fd 1 and 2. */
struct exec_io {
	int slave;
	struct tty_relay *relay;
	int pipe_w[3]; /* the command's end, for fd 1 and 2 */
	int pipe_r[3]; /* ours, copied to our fd 1 and 2 */
};

/* The pty comes from the sandbox's devpts, which we see now (we joined its mount namespace).
 * Root inside controls /dev: whatever /dev/ptmx is, TIOCSPTLCK and TIOCGPTPEER succeed only
 * on a pty master, so nothing else (a host terminal bound there, a FIFO) is accepted. */
static int open_io(const struct config *cfg, struct exec_io *io, char *err, size_t errlen)
{
	int master, r;

	io->slave = -1;
	io->relay = NULL;
	for (int fd = 0; fd < 3; fd++)
		io->pipe_w[fd] = io->pipe_r[fd] = -1;
	if (cfg->tty || isatty(STDIN_FILENO)) {
		if (cfg->tty && !isatty(STDIN_FILENO))
			return err_set(err, errlen, -ENOTTY, "-t: stdin is not a terminal");
		r = tty_open_pair(&master, &io->slave, err, errlen);
		if (r < 0)
			return r;
		io->relay = malloc(sizeof(*io->relay));
		if (!io->relay) {
			close(master);
			return err_set(err, errlen, ENOMEM, "tty relay");
		}
		r = tty_relay_start(io->relay, STDIN_FILENO, STDOUT_FILENO, master, err, errlen);
		if (r < 0) {
			free(io->relay);
			io->relay = NULL;
		}
		return r;
	}
	for (int fd = 1; fd < 3; fd++) {
		int p[2];
		if (!isatty(fd))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(err, errlen, errno, "pipe for fd %d", fd);
		io->pipe_r[fd] = p[0];
		io->pipe_w[fd] = p[1];
		(void)fd_set_nonblock(p[0], true);
	}
	return 0;
}

/* In the command's process, before command_exec: the pipes on 1 and 2. */
static void io_child(const struct exec_io *io)
{
	for (int fd = 1; fd < 3; fd++)
		if (io->pipe_w[fd] >= 0 && dup2(io->pipe_w[fd], fd) < 0)
			_exit(EXIT_SETUP);
}

static void io_close_child_ends(struct exec_io *io)
{
	if (io->slave >= 0)
		close(io->slave);
	io->slave = -1;
	for (int fd = 1; fd < 3; fd++) {
		if (io->pipe_w[fd] >= 0)
			close(io->pipe_w[fd]);
		io->pipe_w[fd] = -1;
	}
}

/* Copy what pipe fd has to our fd; false at EOF or error (then it is closed). */
static bool copy_pipe(struct exec_io *io, int fd)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(io->pipe_r[fd], buf, sizeof(buf));
		if (n > 0) {
			(void)write_all(fd, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		close(io->pipe_r[fd]);
		io->pipe_r[fd] = -1;
		return false;
	}
}

static void io_finish(struct exec_io *io)
{
	if (io->relay) {
		/* What the command wrote last is still in the pty. */
		tty_relay_drain(io->relay, 200);
		tty_relay_close(io->relay);
		free(io->relay);
		io->relay = NULL;
	}
	/* Output still in the pipes; a process left inside may hold them open: 200 ms at most. */
	for (int i = 0; i < 20; i++) {
		struct pollfd p[2] = { { .fd = io->pipe_r[1], .events = POLLIN }, { .fd = io->pipe_r[2], .events = POLLIN } };
		if (p[0].fd < 0 && p[1].fd < 0)
			break;
		if (poll(p, 2, 10) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < 2; k++)
			if (p[k].revents)
				copy_pipe(io, k + 1);
	}
	for (int fd = 1; fd < 3; fd++) {
		if (io->pipe_r[fd] >= 0)
			close(io->pipe_r[fd]);
		io->pipe_r[fd] = -1;
	}
	io_close_child_ends(io);
}

static int wait_command(int pidfd, int sigfd, struct exec_io *io)
{
	siginfo_t si;

	for (;;) {
		struct pollfd p[4 + TTY_RELAY_NFDS] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = io->pipe_r[1], .events = POLLIN },
			{ .fd = io->pipe_r[2], .events = POLLIN },
		};
		struct signalfd_siginfo ssi;
		bool relay_ready = false;

		for (int i = 0; i < TTY_RELAY_NFDS; i++)
			p[4 + i].fd = -1;
		if (io->relay)
			tty_relay_fds(io->relay, &p[4]);
		if (poll(p, ARRAY_SIZE(p), -1) < 0) {
			if (errno == EINTR)
				continue;
			warn_errno(errno, "exec: poll");
			return EXIT_SETUP;
		}
		while (p[1].revents && read(sigfd, &ssi, sizeof(ssi)) == sizeof(ssi)) {
			/* With a pty the window size travels through it. */
			if (ssi.ssi_signo == SIGWINCH && io->relay) {
				tty_relay_winch(io->relay);
				continue;
			}
			if (syscall(SYS_pidfd_send_signal, pidfd, (int)ssi.ssi_signo, NULL, 0) < 0 && errno != ESRCH)
				warn_errno(errno, "exec: forward signal %u", ssi.ssi_signo);
		}
		for (int k = 2; k < 4; k++)
			if (p[k].revents)
				copy_pipe(io, k - 1);
		for (int i = 0; i < TTY_RELAY_NFDS; i++)
			relay_ready |= p[4 + i].revents != 0;
		if (relay_ready && io->relay)
			tty_relay_handle(io->relay);
		if (p[0].revents)
			break;
	}
	io_finish(io);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		warn_errno(errno, "exec: wait for the command");
		return EXIT_SETUP;
	}
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

int exec_run(const struct config *cfg)
{
	struct registry_entry e;
	struct exec_io io = { .slave = -1, .pipe_w = { -1, -1, -1 }, .pipe_r = { -1, -1, -1 } };
	char err[512];
	unsigned long long start;
	_cleanup_close_ int dirfd = -1, pidfd = -1, cgfd = -1, sigfd = -1, cmdfd = -1;
	int r, code = EXIT_SETUP;
	pid_t child;

	if (registry_name_valid(cfg->name) < 0) {
		warnx("exec %s: not a valid sandbox name (1 to 64 of A-Z a-z 0-9 _ . -)", cfg->name);
		return EXIT_SETUP;
	}
	dirfd = registry_open_dir(false, err, sizeof(err));
	if (dirfd == -ENOENT) {
		warnx("exec %s: no sandbox of that name is running", cfg->name);
		return EXIT_SETUP;
	}
	if (dirfd < 0) {
		warnx("exec %s: %s", cfg->name, err);
		return EXIT_SETUP;
	}
	r = registry_load(dirfd, cfg->name, &e, err, sizeof(err));
	if (r < 0) {
		warnx("exec %s: %s", cfg->name, err);
		return EXIT_SETUP;
	}
	/* The pidfd first, the start time next: from then on the pidfd is that process or dead. */
	pidfd = (int)syscall(SYS_pidfd_open, e.cmd_pid, 0);
	if (pidfd < 0 || registry_start_time(e.cmd_pid, &start) < 0 || start != e.cmd_start) {
		warnx("exec %s: no sandbox of that name is running (its command %d is gone)", cfg->name, (int)e.cmd_pid);
		goto out;
	}
	r = plan_command(cfg, &e.cmd);
	if (r < 0) {
		warn_errno(-r, "exec %s: plan the command", cfg->name);
		goto out;
	}
	/* The cgroup by its host path: before we see the sandbox's mounts. */
	if (e.cgroup) {
		cgfd = open(e.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgfd < 0) {
			warn_errno(errno, "exec %s: open its cgroup %s", cfg->name, e.cgroup);
			goto out;
		}
	}
	/* Outside its user namespace, where the shared keyring's name is found (security.c). */
	if (e.cmd.seccomp && security_join_shared_keyring(err, sizeof(err)) < 0) {
		warnx("exec %s: %s", cfg->name, err);
		goto out;
	}
	/* Inside the sandbox's user namespace its processes hold capabilities over us. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		warn_errno(errno, "exec: prctl PR_SET_DUMPABLE");
		goto out;
	}
	debug("joining the namespaces of pid %d", (int)e.cmd_pid);
	if (setns(pidfd, (int)sandbox_ns_flags(e.own_net)) < 0) {
		int err1 = errno;
		if (err1 != EINVAL || (r = join_by_proc(e.cmd_pid, sandbox_ns_flags(e.own_net))) < 0) {
			warn_errno(err1 == EINVAL ? -r : err1, "exec %s: join its namespaces", cfg->name);
			goto out;
		}
	}
	sigfd = init_signalfd_forwarded();
	if (sigfd < 0) {
		warn_errno(-sigfd, "exec: signals");
		goto out;
	}
	if (open_io(cfg, &io, err, sizeof(err)) < 0) {
		warnx("exec %s: %s", cfg->name, err);
		goto out;
	}
	child = clone_pidfd(0, &cmdfd, cgfd);
	if (child < 0) {
		warn_errno(errno, "exec %s: clone", cfg->name);
		goto out;
	}
	if (child == 0) {
		struct command_ctx ctx = { .plan = &e.cmd, .tty_slave = io.slave };
		/* Our parent is outside this pid namespace: getppid() is 0 while it lives, and 1
		 * (the sandbox's init adopted us) once it is gone. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
			_exit(EXIT_SETUP);
		io_child(&io);
		command_exec(&ctx);
	}
	debug("command started, pid %d", (int)child);
	io_close_child_ends(&io);
	code = wait_command(cmdfd, sigfd, &io);
out:
	io_finish(&io);
	registry_entry_free(&e);
	return code;
}
