/* supervisor.c: the process the user started. It checks what can be checked before cloning,
 * clones the sandbox's child into new namespaces, writes its id maps, lets it go, then relays
 * signals and waits; it prints the child's setup errors and returns the contract's status.
 * The child dies with it (PR_SET_PDEATHSIG), and with the child its whole pid namespace. */
#include "config.h"

#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "chan.h"
#include "cmdplan.h"
#include "child.h"
#include "fastconnect.h"
#include "init.h"
#include "log.h"
#include "marks.h"
#include "mountplan.h"
#include "net.h"
#include "netaddr.h"
#include "registry.h"
#include "security.h"
#include "status.h"
#include "tty.h"
#include "ucount.h"
#include "userns.h"
#include "util.h"

struct supervisor {
	const struct config *cfg;
	pid_t child;
	int pidfd;
	int chan;
	int sigfd;
	int timerfd;
	struct net_helper net;
	bool started;     /* COMMAND is running */
	uint64_t held;    /* signals that came before it did, bit N-1 for signal N */
	bool setup_error; /* the child reported a failed step */
	bool timed_out;
	int exit_status;  /* COMMAND's wait status, from CHAN_MSG_EXIT */
	bool have_exit;
	struct tty_relay *relay; /* when COMMAND has a pseudo-terminal */
	int reg_dir;             /* --name: the state directory, and NAME.lock held */
	int reg_lock;
	unsigned long long init_start;
	const struct command_plan *cmd;
	struct cgroup cg;        /* --memory, --pids, --cpus */
	struct stat netns;       /* the sandbox's network namespace, for the fast connect path */
	struct marks marks;      /* the mount points made in the rootfs, to remove at the end */
};

static int check_rootfs(const struct config *cfg)
{
	struct stat st;

	if (cfg->host_mode)
		return 0;
	if (stat(cfg->rootfs, &st) < 0) {
		warn_errno(errno, "rootfs %s", cfg->rootfs);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		warnx("rootfs %s: not a directory", cfg->rootfs);
		return -1;
	}
	return 0;
}

/* Without a range --map subid refuses to start. */
static int check_map(const struct config *cfg, const struct userns_plan *ids)
{
	if (ids->no_range[0] && cfg->map == MAP_SUBID) {
		warnx("--map subid: %s", ids->no_range);
		return -1;
	}
	return 0;
}

/* Without a range --map auto says how to get one: on a terminal at every run (a person is
 * there), elsewhere once per user, remembered by a stamp in the state directory, so that a
 * script's or a build's log gets the line once and not at every run. When the stamp cannot be
 * made, it warns. Only once the sandbox is about to start, so that a refused start stays one
 * line. */
#define NO_RANGE_STAMP ".map-auto-warned"
static void warn_no_range(const struct config *cfg, const struct userns_plan *ids)
{
	if (!ids->no_range[0] || cfg->map != MAP_AUTO)
		return;
	if (!isatty(STDERR_FILENO) && registry_stamp_first(NO_RANGE_STAMP) == 0)
		return;
	warnx("warning: --map auto: %s: only your own id is mapped; --map self silences this", ids->no_range);
}

static int check_user(const struct config *cfg, const struct userns_plan *ids)
{
	if (!cfg->user_set)
		return 0;
	if (!idmap_contains(&ids->uids, cfg->user_uid) || !idmap_contains(&ids->gids, cfg->user_gid)) {
		warnx("%s %u:%u: not mapped in the sandbox (mapped: %s%s; see --map and subuid(5)%s)",
		      cfg->user_from_image ? "the image's User" : "--user", (unsigned)cfg->user_uid,
		      (unsigned)cfg->user_gid, ids->keep_id ? "your own id" : "0",
		      ids->use_helpers ? " and the subordinate range" : " only",
		      cfg->user_from_image ? ", or give --user" : "");
		return -1;
	}
	return 0;
}

static int check_status_fd(const struct config *cfg)
{
	if (cfg->status_fd < 0)
		return 0;
	if (cfg->status_fd <= 2 || fcntl(cfg->status_fd, F_GETFD) < 0) {
		warnx("--status-fd %d: %s", cfg->status_fd,
		      cfg->status_fd <= 2 ? "must not be 0, 1 or 2" : "not an open file descriptor");
		return -1;
	}
	/* COMMAND must not inherit it. */
	return fd_set_cloexec(cfg->status_fd, true);
}

static void write_status(const struct supervisor *s, const char *line, int len)
{
	if (s->cfg->status_fd >= 0 && len > 0 && write_all(s->cfg->status_fd, line, (size_t)len) < 0)
		debug("status-fd: write failed");
}

static int start_timer(struct supervisor *s)
{
	struct itimerspec its = { 0 };

	s->timerfd = -1;
	if (!s->cfg->timeout_ms)
		return 0;
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->timerfd < 0)
		return -errno;
	its.it_value.tv_sec = (time_t)(s->cfg->timeout_ms / 1000);
	its.it_value.tv_nsec = (long)(s->cfg->timeout_ms % 1000) * 1000000L;
	if (timerfd_settime(s->timerfd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

static void send_to_init(struct supervisor *s, int sig)
{
	debug("forwarding signal %d", sig);
	if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		warn_errno(errno, "forward signal %d", sig);
}

/* COMMAND runs now, and init has its handlers: deliver what was held back. */
static void release_held_signals(struct supervisor *s)
{
	for (int sig = 1; sig <= 64 && s->held; sig++) {
		if (s->held & (1ULL << (sig - 1))) {
			s->held &= ~(1ULL << (sig - 1));
			send_to_init(s, sig);
		}
	}
}

static void start_relay(struct supervisor *s, int master)
{
	char err[256];

	if (master < 0) {
		warnx("tty: no pseudo-terminal master received");
		return;
	}
	s->relay = malloc(sizeof(*s->relay));
	if (!s->relay) {
		close(master);
		warn_errno(ENOMEM, "tty relay");
		return;
	}
	if (tty_relay_start(s->relay, STDIN_FILENO, STDOUT_FILENO, master, err, sizeof(err)) < 0) {
		warnx("%s", err);
		free(s->relay);
		s->relay = NULL;
	}
}

/* --name: the entry that list shows and exec runs its commands by. */
static void register_sandbox(struct supervisor *s, pid_t cmd_pid)
{
	const struct config *cfg = s->cfg;
	struct registry_entry e = {
		.pid = getpid(),
		.init_pid = s->child,
		.init_start = s->init_start,
		.cmd_pid = cmd_pid,
		.created = (long long)time(NULL),
		.own_net = cfg->net != NET_HOST,
		.net_policy = cfg->nnet_allow > 0,
		.cmd = *s->cmd,
	};
	_cleanup_free_ char *rootfs = NULL;
	int r;

	if (s->reg_lock < 0)
		return;
	if (cmd_pid <= 0 || registry_start_time(cmd_pid, &e.cmd_start) < 0) {
		debug("registry: COMMAND's pid is unknown or gone; not registering");
		return;
	}
	rootfs = realpath(cfg->rootfs, NULL);
	e.name = (char *)cfg->name;
	e.rootfs = rootfs ? rootfs : (char *)cfg->rootfs;
	e.cgroup = s->cg.dirfd >= 0 ? s->cg.path : NULL;
	r = registry_write(s->reg_dir, &e);
	if (r < 0)
		warn_errno(-r, "--name %s: write the registry entry", cfg->name);
	else
		debug("registered as %s", cfg->name);
}

static int lock_name(struct supervisor *s)
{
	char err[512];
	pid_t holder;

	if (!s->cfg->name)
		return 0;
	s->reg_dir = registry_open_dir(true, err, sizeof(err));
	if (s->reg_dir < 0) {
		warnx("--name %s: %s", s->cfg->name, err);
		return -1;
	}
	s->reg_lock = registry_lock(s->reg_dir, s->cfg->name, &holder);
	if (s->reg_lock == -EBUSY) {
		if (holder > 0)
			warnx("--name %s: already in use by pid %d", s->cfg->name, (int)holder);
		else
			warnx("--name %s: already in use", s->cfg->name);
		return -1;
	}
	if (s->reg_lock < 0) {
		warn_errno(-s->reg_lock, "--name %s: lock", s->cfg->name);
		return -1;
	}
	return 0;
}

/* COMMAND's connect() listener: answered from here, in the host's network namespace. Without
 * an answer every connect() inside would wait for ever, so a failure here ends the sandbox. */
static void start_fast_connect(struct supervisor *s, int listener)
{
	struct fastconnect_plan plan = { .allow_host_loopback = s->cfg->allow_host_loopback,
					 .net_allow = (const char *const *)s->cfg->net_allow,
					 .nnet_allow = s->cfg->nnet_allow,
					 .netns_dev = s->netns.st_dev, .netns_ino = s->netns.st_ino };
	char err[256];

	if (listener < 0) {
		warnx("fast connect: no listener received");
		return;
	}
	if (s->netns.st_ino == 0) {
		warnx("fast connect: the sandbox's network namespace is unknown");
		close(listener);
		s->setup_error = true;
		syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		return;
	}
	if (fastconnect_start(listener, &plan, err, sizeof(err)) < 0) {
		warnx("%s", err);
		close(listener);
		s->setup_error = true;
		syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		return;
	}
	debug("fast connect: answering COMMAND's connect() calls");
}

static void handle_message(struct supervisor *s, const struct chan_msg *m, pid_t cred_pid, int fd)
{
	char line[8192];

	switch (m->type) {
	case CHAN_MSG_ERROR:
		warnx("%s", m->text);
		s->setup_error = true;
		break;
	case CHAN_MSG_STARTED:
		s->started = true;
		debug("COMMAND started, pid %d", (int)cred_pid);
		release_held_signals(s);
		register_sandbox(s, cred_pid);
		write_status(s, line,
			     status_started(line, sizeof(line), cred_pid ? cred_pid : -1,
					    s->cfg->net == NET_SLIRP ? NETADDR_GUEST4 : NULL,
					    s->cfg->nnet_allow > 0, s->cfg->argv));
		break;
	case CHAN_MSG_EXIT:
		s->exit_status = m->value;
		s->have_exit = true;
		break;
	case CHAN_MSG_PTY:
		start_relay(s, fd);
		fd = -1;
		break;
	case CHAN_MSG_CONNECT:
		start_fast_connect(s, fd);
		fd = -1;
		break;
	default:
		debug("chan: unexpected message %u", m->type);
	}
	if (fd >= 0)
		close(fd);
}

/* Read what the child said; false at EOF. */
static bool read_chan(struct supervisor *s)
{
	struct chan_msg m = { 0 };
	pid_t pid;
	int fd;
	int r = chan_recv_full(s->chan, &m, &fd, &pid);

	if (r < 0)
		return false;
	handle_message(s, &m, pid, fd);
	return true;
}

static void forward_signal(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		/* With a pty the window size travels through it; the kernel signals the
		 * command's foreground process group itself. */
		if (sig == SIGWINCH && s->relay) {
			tty_relay_winch(s->relay);
			continue;
		}
		/* Until init has its handlers (it says so with STARTED) the kernel would drop a
		 * signal to a namespace's init: hold it until then. Setup takes milliseconds. */
		if (!s->started) {
			s->held |= 1ULL << (sig - 1);
			continue;
		}
		send_to_init(s, sig);
	}
}

static void on_timeout(struct supervisor *s)
{
	s->timed_out = true;
	warnx("timeout: killing the sandbox after %llu.%03llu s", s->cfg->timeout_ms / 1000,
	      s->cfg->timeout_ms % 1000);
	if (syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		warn_errno(errno, "timeout: kill");
	close(s->timerfd);
	s->timerfd = -1;
}

static int wait_child(struct supervisor *s)
{
	bool chan_open = true;
	siginfo_t si;

	for (;;) {
		struct pollfd p[5 + TTY_RELAY_NFDS] = {
			{ .fd = s->pidfd, .events = POLLIN },
			{ .fd = chan_open ? s->chan : -1, .events = POLLIN },
			{ .fd = s->sigfd, .events = POLLIN },
			{ .fd = s->timerfd, .events = POLLIN },
			{ .fd = net_helper_fd(&s->net), .events = POLLIN },
		};
		bool relay_ready = false;

		for (int i = 0; i < TTY_RELAY_NFDS; i++)
			p[5 + i].fd = -1;
		if (s->relay)
			tty_relay_fds(s->relay, &p[5]);
		/* A background relay looks every 200 ms whether the shell's `fg` gave it the
		 * terminal: nothing signals that (bash sends no SIGCONT to a running job). */
		if (poll(p, ARRAY_SIZE(p), s->relay && s->relay->in_paused ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			warn_errno(errno, "poll");
			return EXIT_SETUP;
		}
		if (p[1].revents)
			chan_open = read_chan(s);
		if (p[2].revents)
			forward_signal(s);
		if (p[3].revents)
			on_timeout(s);
		if (p[4].revents)
			net_helper_check(&s->net);
		for (int i = 0; i < TTY_RELAY_NFDS; i++)
			relay_ready |= p[5 + i].revents != 0;
		if (s->relay && s->relay->in_paused)
			tty_relay_resume(s->relay);
		if (relay_ready && s->relay)
			tty_relay_handle(s->relay);
		if (p[0].revents)
			break;
	}
	if (s->relay) {
		/* What COMMAND wrote last is still in the pty. */
		tty_relay_drain(s->relay, 200);
		tty_relay_close(s->relay);
		free(s->relay);
		s->relay = NULL;
	}
	/* Everything in the pid namespace is gone once its init is: read what is left. */
	while (chan_open)
		chan_open = read_chan(s);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED) < 0) {
		warn_errno(errno, "wait for the sandbox");
		return EXIT_SETUP;
	}
	if (s->timed_out) {
		/* init was killed: there is no exit of COMMAND's to report, but the end is ours. */
		char line[64];
		write_status(s, line, status_timed_out(line, sizeof(line)));
		return EXIT_TIMEOUT;
	}
	if (s->have_exit) {
		char line[64];
		write_status(s, line, status_exited(line, sizeof(line), s->exit_status));
	}
	if (s->setup_error)
		return EXIT_SETUP;
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}

static const char *resolve_workdir(const struct config *cfg, char *buf, size_t len)
{
	if (cfg->workdir)
		return cfg->workdir;
	if (cfg->host_mode && getcwd(buf, len))
		return buf;
	return "/";
}

/* The network's plan: the address plan of netaddr.h and the network options. */
static void plan_network(const struct config *cfg, struct net_plan *n)
{
	*n = (struct net_plan){
		.own_ns = cfg->net != NET_HOST,
		.slirp = cfg->net == NET_SLIRP,
		.mtu = cfg->mtu ? cfg->mtu : DEFAULT_MTU,
		.addr4 = NETADDR_GUEST4,
		.gateway4 = NETADDR_HOST4,
		.prefix4 = NETADDR_PREFIX4_LEN,
		.addr6 = NETADDR_GUEST6,
		.gateway6 = NETADDR_HOST6,
		.prefix6 = NETADDR_PREFIX6_LEN,
		.allow_host_loopback = cfg->allow_host_loopback,
		/* The connect() filter goes with the default one: --seccomp none means no filter.
		 * Not with --flow-log: its lines promise the bytes each way at a flow's end, which
		 * only the helper's flow table counts; a socket handed to COMMAND is out of sight. */
		.fast_connect = cfg->net == NET_SLIRP && cfg->net_fast && cfg->seccomp == SECCOMP_DEFAULT &&
				!cfg->flow_log,
		.fast_ports = cfg->net_fast,
		.publish = cfg->publish,
		.npublish = cfg->npublish,
		.net_allow = cfg->net_allow,
		.nnet_allow = cfg->nnet_allow,
		.flow_log_fd = cfg->flow_log_fd,
	};
}

/* Before the child can make mount points in a rootfs written in place, a journal of them
 * (marks.h); every start first removes those that dead sandboxes left. */
static void start_marks(struct supervisor *s, struct mountplan *plan)
{
	const struct config *cfg = s->cfg;
	char err[512];

	if (cfg->host_mode || cfg->overlay || cfg->ro || cfg->nimage_layers) {
		_cleanup_close_ int state = registry_open_dir(false, err, sizeof(err));
		if (state >= 0)
			marks_sweep(state);
		return;
	}
	if (marks_begin(&s->marks, cfg->rootfs, err, sizeof(err)) < 0) {
		/* As before the journal existed; a line on stderr would change COMMAND's output. */
		debug("the mount points made in %s will stay there: %s", cfg->rootfs, err);
		return;
	}
	plan->marks_fd = s->marks.journal;
}

static void explain_clone_failure(int e)
{
	if (e == EPERM || e == ENOSPC || e == EUSERS)
		warn_errno(e, "clone: cannot create a user namespace (`sandbox doctor` names the fix)");
	else
		warn_errno(e, "clone");
}

int supervisor_run(const struct config *cfg)
{
	struct supervisor s = { .cfg = cfg, .pidfd = -1, .chan = -1, .sigfd = -1, .timerfd = -1,
				.reg_dir = -1, .reg_lock = -1, .cg = { .dirfd = -1, .netfd = -1, .topfd = -1, .parentfd = -1 },
				.marks = MARKS_INIT };
	struct child_args args = { .hostname = cfg->hostname, .net_sock = -1 };
	struct cgroup_limits limits = { .memory = cfg->memory, .pids = cfg->pids,
					.cpu_quota = cfg->cpus > 0 ? cgroup_cpus_quota(cfg->cpus) : 0,
					.net_helper = cfg->net == NET_SLIRP };
	struct net_plan net;
	struct userns_plan ids;
	struct mountplan plan;
	struct command_plan cmd;
	char err[512], cwd[PATH_MAX];
	int sv[2], r, code = EXIT_SETUP;

	if (cmdplan_from_config(cfg, environ, resolve_workdir(cfg, cwd, sizeof(cwd)), &cmd, err, sizeof(err)) < 0) {
		warnx("%s", err);
		return EXIT_SETUP;
	}
	if (check_rootfs(cfg) < 0 || check_status_fd(cfg) < 0) {
		cmdplan_free(&cmd);
		return EXIT_SETUP;
	}

	userns_plan(cfg->map, getuid(), getgid(), &ids);
	if (check_map(cfg, &ids) < 0 || check_user(cfg, &ids) < 0) {
		cmdplan_free(&cmd);
		return EXIT_SETUP;
	}
	if (mountplan_build(cfg, &plan, err, sizeof(err)) < 0) {
		warnx("%s", err);
		cmdplan_free(&cmd);
		return EXIT_SETUP;
	}
	plan_network(cfg, &net);
	args.net = &net;
	args.plan = &plan;
	args.cmd = &cmd;
	s.cmd = &cmd;
	args.want_tty = !cfg->no_tty && tty_interactive(STDIN_FILENO, STDOUT_FILENO);
	ucount_read(&args.caller_limits);

	debug("start");
	/* Inherited by COMMAND instead of the caller's session keyring (security.c). Joined before
	 * this process opens or starts anything: every file keeps its opener's credentials, so a
	 * descriptor opened earlier (or the network helper) would keep the caller's keyring, and
	 * its keys charged to the user's quota, for as long as the sandbox runs. */
	if (cfg->seccomp == SECCOMP_DEFAULT && security_join_shared_keyring(err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto out;
	}
	/* From now on a signal for COMMAND is queued for it, never the death of this process. */
	s.sigfd = init_signalfd_forwarded();
	if (s.sigfd < 0) {
		warn_errno(-s.sigfd, "signals");
		goto out;
	}
	/* Before anything starts: a duplicate name is refused at once. */
	if (lock_name(&s) < 0)
		goto out;
	start_marks(&s, &plan);
	if (cgroup_setup(&limits, &s.cg, err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto out;
	}
	if (net_helper_start(&net, &s.net, &args.net_sock, s.cg.netfd, err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		warn_errno(errno, "socketpair");
		goto out;
	}
	s.chan = sv[0];
	args.chan = sv[1];
	r = 1;
	if (setsockopt(s.chan, SOL_SOCKET, SO_PASSCRED, &r, sizeof(r)) < 0)
		debug("SO_PASSCRED: %s", strerror(errno));
	if (start_timer(&s) < 0) {
		warn_errno(errno, "timer");
		goto out;
	}

	s.child = clone_pidfd(sandbox_ns_flags(net.own_ns), &s.pidfd, s.cg.dirfd);
	if (s.child < 0) {
		explain_clone_failure(errno);
		goto out;
	}
	if (s.child == 0) {
		close(sv[0]);
		/* Init never execs: O_CLOEXEC does not keep these host directories from it. The
		 * journal itself stays (mount.c records in it and closes it). */
		marks_close_dirs(&s.marks);
		child_main(&args);
	}
	close(sv[1]);
	if (args.net_sock >= 0)
		close(args.net_sock);
	debug("child %d cloned", (int)s.child);
	/* Now, while the child is still dumpable (it stops being so at GO): its /proc files are
	 * then ours to read. */
	if (net.fast_connect) {
		char ns[64];
		snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)s.child);
		if (stat(ns, &s.netns) < 0)
			debug("fast connect: stat %s: %s", ns, strerror(errno));
	}
	if (cfg->name && registry_start_time(s.child, &s.init_start) < 0)
		debug("registry: cannot read the start time of %d", (int)s.child);

	if (userns_apply(&ids, s.child, err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto kill_child;
	}
	/* Nothing may read our memory or attach to us. Not before the maps are written: a clone
	 * of a non-dumpable process has /proc files only the host's root can write. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		debug("prctl PR_SET_DUMPABLE: %s", strerror(errno));
	warn_no_range(cfg, &ids);
	struct chan_msg go = { .type = CHAN_MSG_GO };
	if (chan_send(s.chan, &go) < 0) {
		warn_errno(errno, "start the sandbox");
		goto kill_child;
	}
	debug("maps written, GO sent");
	/* The helper starts while the child builds its filesystem; COMMAND waits for it only
	 * because a published port that cannot be bound must fail before COMMAND runs. */
	if (net.slirp) {
		struct chan_msg ok = { .type = CHAN_MSG_NET_OK };
		if (net_helper_wait_ready(&s.net, err, sizeof(err)) < 0) {
			warnx("%s", err);
			goto kill_child;
		}
		(void)chan_send(s.chan, &ok); /* a child that died already reports it */
		debug("network ready");
	}
	code = wait_child(&s);
	debug("sandbox ended");
	goto out;
kill_child:
	syscall(SYS_pidfd_send_signal, s.pidfd, SIGKILL, NULL, 0);
	waitpid(s.child, NULL, 0);
out:
	net_helper_stop(&s.net);
	debug("network helper ended");
	tty_restore();
	if (s.chan >= 0)
		close(s.chan);
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (s.timerfd >= 0)
		close(s.timerfd);
	/* Nothing runs in it any more: the pid namespace died with its init. */
	cgroup_remove(&s.cg);
	marks_end(&s.marks);
	if (s.reg_lock >= 0)
		registry_unregister(s.reg_dir, cfg->name, s.reg_lock);
	if (s.reg_dir >= 0)
		close(s.reg_dir);
	mountplan_free(&plan);
	cmdplan_free(&cmd);
	return code;
}
