/* nethelper.c: the network helper process, which runs libslirp for one sandbox in the host's
 * network namespace (and, once locked down, a user and mount namespace of its own). It is its
 * own program (sandbox-net, netmain.c), exec'd by the supervisor, so that libslirp and GLib are
 * mapped only here and never slow down or enlarge the supervisor. */
#include "config.h"

#include "nethelper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "portfwd.h"
#include "usernet.h"
#include "usernet_lockdown.h"
#include "util.h"

/* ---- the helper process ---- */

/* Close every fd but stderr and the nkeep fds of keep, and point 0 and 1 at /dev/null: stdin and
 * stdout may be the user's terminal, which libslirp's code has no business reaching. The
 * supervisor opens its own fds O_CLOEXEC and closed what it inherited, so the rest is defence in
 * depth against a descriptor that slipped through without the flag. */
static int net_helper_fds(const int *keep, size_t nkeep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	if ((null != 0 && dup2(null, 0) < 0) || (null != 1 && dup2(null, 1) < 0)) {
		int e = -errno;
		close(null);
		return e;
	}
	if (null > 2) {
		bool kept = false;
		for (size_t i = 0; i < nkeep; i++)
			kept |= keep[i] == null;
		if (!kept)
			close(null);
	}
	return close_fds_except(3, keep, nkeep);
}

/* exec keeps the ignored signals and the blocked mask of the supervisor (which blocks the ones
 * it forwards, for its signalfd): a network that ignores SIGTERM or never sees it is not ours. */
static void net_helper_signals(void)
{
	reset_signals();
	/* A peer closing a socket must not kill the network: errors come back as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* The published ports' forwarder is reaped by the kernel: the helper never waits. */
	signal(SIGCHLD, SIG_IGN);
}

/* selftest_portfwd_forbidden: how the forwarder ended, on stderr, then exit. */
__attribute__((noreturn)) static void net_helper_selftest_portfwd(pid_t pid)
{
	int st;
	pid_t r;

	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		warn_errno(errno, "network: selftest: forwarder: waitpid");
	else if (WIFSIGNALED(st))
		warnx("network: selftest: forwarder: signal %d", WTERMSIG(st));
	else
		warnx("network: selftest: forwarder: exit %d", WEXITSTATUS(st));
	_exit(3);
}

void net_helper_main(const struct net_helper_plan *plan, int ctl, int tapsk)
{
	static struct usernet u;
	static struct net_policy policy;
	static char resolv[4096];
	const int keep[3] = { ctl, tapsk, plan->flow_log_fd };
	size_t nkeep = plan->flow_log_fd >= 0 ? 3 : 2;
	struct portfwd pf = PORTFWD_INIT;
	struct net_ready_msg msg;
	char why[256];
	int r, tap;

	net_helper_signals();
	/* Its own session: a Ctrl-C or a hang-up on the user's terminal is for the command (the
	 * supervisor forwards it), not for the network under it. */
	(void)setsid();
	memset(&msg, 0, sizeof(msg));
	r = net_helper_fds(keep, nkeep);
	if (r < 0) {
		err_set(msg.text, sizeof(msg.text), -r, "network helper: set up its fds");
		goto fail;
	}
	/* Now, while the host's file is in view: libslirp reads it lazily, at the first DNS
	 * query, which comes after the lock-down. */
	r = usernet_lockdown_read_resolv(resolv, sizeof(resolv));
	if (r < 0) {
		err_set(msg.text, sizeof(msg.text), -r, "read /etc/resolv.conf");
		goto fail;
	}
	netpolicy_init(&policy);
	for (size_t i = 0; i < plan->nnet_allow; i++) {
		r = netpolicy_add(&policy, plan->net_allow[i], msg.text, sizeof(msg.text));
		if (r < 0)
			goto fail;
	}
	r = usernet_init(&u, plan->mtu, plan->allow_host_loopback, &policy,
			 plan->flow_log_fd,
			 msg.text, sizeof(msg.text));
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < plan->npublish; i++) {
		if (plan->fast_ports && !plan->publish[i].udp)
			continue; /* the forwarder's */
		r = usernet_publish(&u, &plan->publish[i], msg.text, sizeof(msg.text));
		if (r < 0)
			goto fail;
	}
	/* Before the isolation: the forwarder must still be in the user namespace that owns the
	 * sandbox's, to join it later. */
	if (plan->fast_ports) {
		if (plan->selftest_portfwd_forbidden)
			signal(SIGCHLD, SIG_DFL); /* to wait for it */
		r = portfwd_start(plan->publish, plan->npublish, plan->selftest_portfwd_forbidden, &pf, msg.text,
				  sizeof(msg.text));
		if (r < 0)
			goto fail;
	}
	r = usernet_lockdown_isolate(resolv, msg.text, sizeof(msg.text));
	if (r < 0)
		goto fail;
	msg.err = 0;
	if (send(ctl, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		_exit(1); /* the supervisor is gone */

	/* -EPIPE: the sandbox's child died without sending it. */
	tap = chan_recv_fd(tapsk, CHAN_MSG_TAP);
	if (tap < 0) {
		/* EOF: the sandbox's child ended before its network was set up; it reports its own
		 * error to the supervisor. */
		if (tap != -EPIPE)
			warn_errno(-tap, "network: receive the tap");
		_exit(tap == -EPIPE ? 0 : 1);
	}
	if (pf.pid > 0) {
		r = portfwd_pass_namespaces(&pf, tapsk);
		/* EPIPE: the child failed after the tap and reports that itself (a forwarder that
		 * died is -ESRCH, and said here). */
		if (r < 0 && r != -EPIPE)
			warn_errno(-r, "network: published ports: pass the sandbox's namespaces");
		if (plan->selftest_portfwd_forbidden)
			net_helper_selftest_portfwd(pf.pid);
	}
	close(tapsk);
	r = fd_set_nonblock(tap, true);
	if (r < 0) {
		warn_errno(-r, "network: tap: set O_NONBLOCK");
		_exit(1);
	}
	r = usernet_lockdown(why, sizeof(why));
	if (r < 0) {
		warnx("network: lock-down: %s", why);
		_exit(1);
	}
	if (plan->selftest_forbidden) {
		/* The proof that the filter is an allow list: a harmless call the loop never makes.
		 * The filter kills the helper here; surviving it is the failure. */
		struct utsname un;
		(void)uname(&un);
		warnx("network: selftest: uname was allowed after the lock-down");
		_exit(3);
	}
	r = usernet_run(&u, tap, ctl, why, sizeof(why));
	/* The flows still open are complete now: the log gets them before the helper goes. */
	usernet_flows_sweep(&u.flows, loop_now_ns(&u.loop), true);
	if (r < 0) {
		warnx("network: %s", why);
		_exit(1);
	}
	_exit(0);

fail:
	msg.err = r < 0 ? r : -EIO;
	(void)send(ctl, &msg, sizeof(msg), MSG_NOSIGNAL);
	_exit(1);
}

