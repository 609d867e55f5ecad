/* net.c: the network helper's life and the child's side of the network (see net.h). */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idmap.h"
#include "netlink.h"
#include "tap.h"
#include "usernet.h"
#include "usernet_lockdown.h"
#include "util.h"

/* helper -> supervisor, once: 0 = ready, else -errno with the reason. */
struct net_ready_msg {
	int32_t err;
	char text[252];
};

__attribute__((format(printf, 4, 5))) static int net_fail(char *err, size_t errlen, int e,
							   const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

static int net_send_fd(int sock, int fd)
{
	char byte = 'T';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(c.buf, 0, sizeof(c.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* The fd, -EPIPE at EOF (the sender died without sending), or -errno. */
static int net_recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ---- the child's side ---- */

/* Let every group inside open ICMP echo sockets (SOCK_DGRAM, IPPROTO_ICMP), so an unprivileged
 * `ping 10.0.2.2` works in the sandbox; libslirp answers echo requests to its own addresses.
 * The sysctl belongs to the network namespace of the process that opens it, so the host's
 * /proc, still mounted here, reaches the new namespace's value. The kernel takes the range
 * only if both ends are mapped in our user namespace ("0 2147483647" is EINVAL with a
 * 65536-id map) and compares host ids, so the ends are the inside ids with the lowest and the
 * highest host id. 0 or -errno; -EROFS and the like when the host's /proc/sys is read-only
 * (a sandbox inside a container): ping then stays off, and the caller lets that be. */
static int net_allow_ping(char *err, size_t errlen)
{
	_cleanup_fclose_ FILE *map = fopen("/proc/self/gid_map", "re");
	_cleanup_close_ int fd = -1;
	uint32_t low, high;
	char line[32];
	int r, n;

	if (!map)
		return net_fail(err, errlen, errno, "read /proc/self/gid_map");
	r = idmap_host_span(map, &low, &high);
	if (r < 0)
		return net_fail(err, errlen, -r, "parse /proc/self/gid_map");
	fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return net_fail(err, errlen, errno, "open net.ipv4.ping_group_range");
	n = snprintf(line, sizeof(line), "%u %u\n", low, high);
	r = write_all(fd, line, (size_t)n);
	if (r < 0)
		return net_fail(err, errlen, -r, "write \"%u %u\" to net.ipv4.ping_group_range",
				low, high);
	return 0;
}

int net_child_setup(const struct config *cfg, int child_sock, char *err, size_t errlen)
{
	_cleanup_close_ int sock = child_sock;
	_cleanup_close_ int nl = -1;
	_cleanup_close_ int tap = -1;
	unsigned mtu = cfg->mtu ? cfg->mtu : DEFAULT_MTU;
	struct in_addr a4, gw4;
	struct in6_addr a6, gw6;
	int lo, eth, r;

	if (cfg->net == NET_HOST)
		return 0;

	nl = netlink_open();
	if (nl < 0)
		return net_fail(err, errlen, -nl, "open a netlink socket");
	lo = netlink_link_index("lo");
	if (lo < 0)
		return net_fail(err, errlen, -lo, "find lo");
	r = netlink_link_up(nl, lo);
	if (r < 0)
		return net_fail(err, errlen, -r, "bring lo up");
	r = net_allow_ping(err, errlen);
	if (r == -EROFS || r == -EACCES || r == -EPERM || r == -ENOENT)
		r = 0; /* no writable sysctl here: a sandbox without ping, not a failure */
	if (r < 0)
		return r;
	if (cfg->net != NET_SLIRP)
		return 0;

	if (sock < 0)
		return net_fail(err, errlen, EBADF, "network helper socket");
	tap = tap_open(TAP_NAME);
	if (tap < 0)
		return net_fail(err, errlen, -tap, "create tap %s on /dev/net/tun", TAP_NAME);
	eth = netlink_link_index(TAP_NAME);
	if (eth < 0)
		return net_fail(err, errlen, -eth, "find %s", TAP_NAME);
	r = netlink_set_mtu(nl, eth, mtu);
	if (r < 0)
		return net_fail(err, errlen, -r, "%s: set MTU %u", TAP_NAME, mtu);
	/* Up before the addresses: the kernel adds the IPv6 prefix route only on an up link,
	 * and the default routes need their gateway on-link. */
	r = netlink_link_up(nl, eth);
	if (r < 0)
		return net_fail(err, errlen, -r, "bring %s up", TAP_NAME);

	inet_pton(AF_INET, USERNET_GUEST4, &a4);
	inet_pton(AF_INET, USERNET_HOST4, &gw4);
	r = netlink_add_addr(nl, eth, AF_INET, &a4, 24);
	if (r < 0)
		return net_fail(err, errlen, -r, "%s: add %s/24", TAP_NAME, USERNET_GUEST4);
	r = netlink_add_default_route(nl, eth, AF_INET, &gw4);
	if (r < 0)
		return net_fail(err, errlen, -r, "add the default route via %s", USERNET_HOST4);

	inet_pton(AF_INET6, USERNET_GUEST6, &a6);
	inet_pton(AF_INET6, USERNET_HOST6, &gw6);
	r = netlink_add_addr(nl, eth, AF_INET6, &a6, USERNET_PREFIX6_LEN);
	if (r == -EAFNOSUPPORT || r == -EOPNOTSUPP) {
		/* IPv6 disabled in this kernel (ipv6.disable=1): IPv4 alone is a working network. */
	} else if (r < 0) {
		return net_fail(err, errlen, -r, "%s: add %s/%d", TAP_NAME, USERNET_GUEST6,
				USERNET_PREFIX6_LEN);
	} else {
		r = netlink_add_default_route(nl, eth, AF_INET6, &gw6);
		if (r < 0)
			return net_fail(err, errlen, -r, "add the default route via %s",
					USERNET_HOST6);
	}

	r = net_send_fd(sock, tap);
	if (r < 0)
		return net_fail(err, errlen, -r, "pass the tap to the network helper");
	return 0;
}

/* ---- the helper process ---- */

/* Close every fd but stderr and the two sockets, and point 0 and 1 at /dev/null. The helper was
 * forked from the supervisor, which may hold the pty master, the status fd, a registry lock...:
 * none of those may stay open in a process that outlives nothing but must not keep them alive
 * or expose them to libslirp's code. */
static int net_helper_fds(int keep1, int keep2)
{
	int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	if ((null != 0 && dup2(null, 0) < 0) || (null != 1 && dup2(null, 1) < 0)) {
		int e = -errno;
		close(null);
		return e;
	}
	if (null > 2 && null != keep1 && null != keep2)
		close(null);
	/* close_range (5.9+) in the gaps around the kept fds; the kernel cannot fail it for
	 * valid ranges. Fall back to closing one by one up to the fd limit. */
	struct {
		unsigned from, to;
	} ranges[] = { { 3, (unsigned)lo - 1 }, { (unsigned)lo + 1, (unsigned)hi - 1 },
		       { (unsigned)hi + 1, ~0U } };
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].from > ranges[i].to || (int)ranges[i].from < 3)
			continue;
		if (syscall(SYS_close_range, ranges[i].from, ranges[i].to, 0) < 0) {
			long max = sysconf(_SC_OPEN_MAX);
			unsigned to = ranges[i].to;

			if (max > 0 && to > (unsigned)max)
				to = (unsigned)max;
			for (unsigned fd = ranges[i].from; fd <= to && fd != ~0U; fd++)
				close((int)fd);
		}
	}
	return 0;
}

/* The supervisor's signal handlers and mask mean nothing here, and a handler inherited across
 * fork would run supervisor code in the helper. */
static void net_helper_signals(void)
{
	sigset_t all;

	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	}
	/* A peer closing a socket must not kill the network: errors come back as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

static void net_helper_say(const char *why)
{
	char line[320];
	int n = snprintf(line, sizeof(line), "sandbox: network: %s\n", why);

	if (n > 0)
		(void)write_all(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

__attribute__((noreturn)) static void net_helper_main(const struct config *cfg, int ctl, int tapsk)
{
	static struct usernet u;
	static char resolv[4096];
	struct net_ready_msg msg;
	char why[256];
	int r, tap;

	net_helper_signals();
	/* Its own session: a Ctrl-C or a hang-up on the user's terminal is for the command (the
	 * supervisor forwards it), not for the network under it. */
	(void)setsid();
	memset(&msg, 0, sizeof(msg));
	r = net_helper_fds(ctl, tapsk);
	if (r < 0) {
		net_fail(msg.text, sizeof(msg.text), -r, "network helper: set up its fds");
		goto fail;
	}
	/* Now, while the host's file is in view: libslirp reads it lazily, at the first DNS
	 * query, which comes after the lock-down. */
	r = usernet_lockdown_read_resolv(resolv, sizeof(resolv));
	if (r < 0) {
		net_fail(msg.text, sizeof(msg.text), -r, "read /etc/resolv.conf");
		goto fail;
	}
	r = usernet_init(&u, cfg, msg.text, sizeof(msg.text));
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < cfg->npublish; i++) {
		r = usernet_publish(&u, &cfg->publish[i], msg.text, sizeof(msg.text));
		if (r < 0)
			goto fail;
	}
	msg.err = 0;
	if (send(ctl, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		_exit(1); /* the supervisor is gone */

	tap = net_recv_fd(tapsk);
	if (tap < 0) {
		/* EOF: the sandbox's child ended before its network was set up; it reports its own
		 * error to the supervisor. */
		if (tap != -EPIPE) {
			snprintf(why, sizeof(why), "receive the tap: %s", strerror(-tap));
			net_helper_say(why);
		}
		_exit(tap == -EPIPE ? 0 : 1);
	}
	close(tapsk);
	r = fd_set_nonblock(tap, true);
	if (r < 0) {
		snprintf(why, sizeof(why), "tap: set O_NONBLOCK: %s", strerror(-r));
		net_helper_say(why);
		_exit(1);
	}
	r = usernet_lockdown(resolv, why, sizeof(why));
	if (r < 0) {
		char line[300];
		snprintf(line, sizeof(line), "lock-down: %s", why);
		net_helper_say(line);
		_exit(1);
	}
	r = usernet_run(&u, tap, ctl, why, sizeof(why));
	if (r < 0) {
		net_helper_say(why);
		_exit(1);
	}
	_exit(0);

fail:
	msg.err = r < 0 ? r : -EIO;
	(void)send(ctl, &msg, sizeof(msg), MSG_NOSIGNAL);
	_exit(1);
}

int net_helper_start(const struct config *cfg, struct net_helper *h, int *child_sock, char *err,
		     size_t errlen)
{
	int ctl[2], tapsk[2];
	pid_t parent = getpid(), pid;

	h->pid = -1;
	h->ctl_fd = -1;
	*child_sock = -1;
	if (cfg->net != NET_SLIRP)
		return 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return net_fail(err, errlen, errno, "network helper: socketpair");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tapsk) < 0) {
		int e = errno;
		close(ctl[0]);
		close(ctl[1]);
		return net_fail(err, errlen, e, "network helper: socketpair");
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(ctl[0]);
		close(ctl[1]);
		close(tapsk[0]);
		close(tapsk[1]);
		return net_fail(err, errlen, e, "fork the network helper");
	}
	if (pid == 0) {
		close(ctl[0]);
		close(tapsk[1]);
		/* Die with the supervisor; if it is already gone, the death signal was missed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(1);
		net_helper_main(cfg, ctl[1], tapsk[0]);
	}
	close(ctl[1]);
	close(tapsk[0]);
	h->pid = pid;
	h->ctl_fd = ctl[0];
	*child_sock = tapsk[1];
	return 0;
}

int net_helper_wait_ready(struct net_helper *h, char *err, size_t errlen)
{
	struct net_ready_msg msg;
	ssize_t n;

	if (h->pid < 0)
		return 0;
	do
		n = recv(h->ctl_fd, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return net_fail(err, errlen, errno, "network helper: read its status");
	if (n == 0 || (size_t)n != sizeof(msg)) {
		if (err && errlen)
			snprintf(err, errlen, "network helper exited before the network was ready");
		return -ECHILD;
	}
	if (msg.err != 0) {
		msg.text[sizeof(msg.text) - 1] = '\0';
		if (err && errlen)
			snprintf(err, errlen, "%s", msg.text);
		return msg.err < 0 ? msg.err : -EIO;
	}
	return 0;
}

void net_helper_stop(struct net_helper *h)
{
	/* Closing the control socket asks the helper to finish: data the sandbox sent just before
	 * it ended may still sit in libslirp on its way to the host, and the helper delivers it,
	 * bounded by its own deadline (LOOP_DRAIN_NS), then exits. It is not waited for: tearing
	 * down its namespaces takes the kernel tens of milliseconds that nobody needs to sit out. */
	if (h->ctl_fd >= 0)
		close(h->ctl_fd);
	if (h->pid > 0)
		waitpid(h->pid, NULL, WNOHANG);
	h->pid = -1;
	h->ctl_fd = -1;
}
