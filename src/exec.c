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
 * environment, user, capabilities, no_new_privs, seccomp. We wait and forward signals. */
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdplan.h"
#include "command.h"
#include "init.h"
#include "log.h"
#include "registry.h"
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
	return cmdplan_add_env(p, cfg->env, cfg->nenv, environ);
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

static int wait_command(int pidfd, int sigfd)
{
	siginfo_t si;

	for (;;) {
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
		struct signalfd_siginfo ssi;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn_errno(errno, "exec: poll");
			return EXIT_SETUP;
		}
		while (p[1].revents && read(sigfd, &ssi, sizeof(ssi)) == sizeof(ssi))
			if (syscall(SYS_pidfd_send_signal, pidfd, (int)ssi.ssi_signo, NULL, 0) < 0 && errno != ESRCH)
				warn_errno(errno, "exec: forward signal %u", ssi.ssi_signo);
		if (p[0].revents)
			break;
	}
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
	child = clone_pidfd(0, &cmdfd, cgfd);
	if (child < 0) {
		warn_errno(errno, "exec %s: clone", cfg->name);
		goto out;
	}
	if (child == 0) {
		struct command_ctx ctx = { .plan = &e.cmd, .tty_slave = -1 };
		/* Our parent is outside this pid namespace: getppid() is 0 while it lives, and 1
		 * (the sandbox's init adopted us) once it is gone. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
			_exit(EXIT_SETUP);
		command_exec(&ctx);
	}
	debug("command started, pid %d", (int)child);
	code = wait_command(cmdfd, sigfd);
out:
	registry_entry_free(&e);
	return code;
}
