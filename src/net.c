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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "idmap.h"
#include "netlink.h"
#include "tap.h"
#include "nethelper.h"
#include "log.h"
#include "util.h"



/* ---- the child's side ---- */

/* Let every group inside open ICMP echo sockets (SOCK_DGRAM, IPPROTO_ICMP), so an unprivileged
 * `ping 10.0.2.2` works in the sandbox; libslirp answers echo requests to its own addresses.
 * The sysctl belongs to the network namespace of the process that opens it, so the host's
 * /proc, still mounted here, reaches the new namespace's value. The kernel takes the range
 * only if both ends are mapped in our user namespace ("0 2147483647" is EINVAL with a
 * 65536-id map) and compares host ids, so the ends are the inside ids with the lowest and the
 * highest host id. Inside another sandbox that /proc/sys is read-only (masked, and locked by
 * the outer one): a procfs of our own, detached and never attached anywhere, reaches the same
 * sysctl (the outer one keeps an unmasked procfs for exactly such mounts). 0 or -errno; -EROFS
 * and the like when no procfs can be had (a sandbox inside a container): ping then stays off,
 * and the caller lets that be. */
static int open_ping_range(void)
{
	_cleanup_close_ int fs = -1, mnt = -1;
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 || errno != EROFS)
		return fd < 0 ? -errno : fd;
	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -EROFS;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -EROFS;
	fd = openat(mnt, "sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static int net_allow_ping(char *err, size_t errlen)
{
	_cleanup_fclose_ FILE *map = fopen("/proc/self/gid_map", "re");
	_cleanup_close_ int fd = -1;
	uint32_t low, high;
	char line[32];
	int r, n;

	if (!map)
		return err_set(err, errlen, errno, "read /proc/self/gid_map");
	r = idmap_host_span(map, &low, &high);
	if (r < 0)
		return err_set(err, errlen, -r, "parse /proc/self/gid_map");
	fd = open_ping_range();
	if (fd < 0)
		return err_set(err, errlen, -fd, "open net.ipv4.ping_group_range");
	n = snprintf(line, sizeof(line), "%u %u\n", low, high);
	r = write_all(fd, line, (size_t)n);
	if (r < 0)
		return err_set(err, errlen, -r, "write \"%u %u\" to net.ipv4.ping_group_range",
				low, high);
	return 0;
}

/* For the published ports' forwarder (portfwd.h): our user and network namespaces, after the
 * tap. Opened here, where /proc is still the host's and shows this process. */
static int net_send_namespaces(int sock, char *err, size_t errlen)
{
	static const struct {
		const char *path;
		uint32_t type;
	} ns[] = { { "/proc/self/ns/user", CHAN_MSG_USERNS }, { "/proc/self/ns/net", CHAN_MSG_NETNS } };

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		_cleanup_close_ int fd = open(ns[i].path, O_RDONLY | O_CLOEXEC);
		struct chan_msg m = { .type = ns[i].type };
		int r;

		if (fd < 0)
			return err_set(err, errlen, errno, "open %s", ns[i].path);
		r = chan_send_fd(sock, &m, fd);
		if (r < 0)
			return err_set(err, errlen, -r, "pass %s to the network helper", ns[i].path);
	}
	return 0;
}

int net_child_setup(const struct net_plan *plan, int child_sock, char *err, size_t errlen)
{
	_cleanup_close_ int sock = child_sock;
	_cleanup_close_ int nl = -1;
	_cleanup_close_ int tap = -1;
	struct in_addr a4, gw4;
	struct in6_addr a6, gw6;
	int lo, eth, r;

	if (!plan->own_ns)
		return 0;

	nl = netlink_open();
	if (nl < 0)
		return err_set(err, errlen, -nl, "open a netlink socket");
	lo = netlink_link_index("lo");
	if (lo < 0)
		return err_set(err, errlen, -lo, "find lo");
	r = netlink_link_up(nl, lo);
	if (r < 0)
		return err_set(err, errlen, -r, "bring lo up");
	r = net_allow_ping(err, errlen);
	if (r == -EROFS || r == -EACCES || r == -EPERM || r == -ENOENT)
		r = 0; /* no writable sysctl here: a sandbox without ping, not a failure */
	if (r < 0)
		return r;
	if (!plan->slirp)
		return 0;

	if (sock < 0)
		return err_set(err, errlen, EBADF, "network helper socket");
	tap = tap_open(TAP_NAME);
	if (tap < 0) {
		/* Its usual causes (the node's mode, no tun module) are the host's to fix. */
		err_set(err, errlen, -tap, "create tap %s on /dev/net/tun", TAP_NAME);
		return err_append(err, errlen, tap, " (run with --net none; `sandbox doctor` names the fix)");
	}
	eth = netlink_link_index(TAP_NAME);
	if (eth < 0)
		return err_set(err, errlen, -eth, "find %s", TAP_NAME);
	r = netlink_set_mtu(nl, eth, plan->mtu);
	if (r < 0)
		return err_set(err, errlen, -r, "%s: set MTU %u", TAP_NAME, plan->mtu);
	/* Up before the addresses: the kernel adds the IPv6 prefix route only on an up link,
	 * and the default routes need their gateway on-link. */
	r = netlink_link_up(nl, eth);
	if (r < 0)
		return err_set(err, errlen, -r, "bring %s up", TAP_NAME);

	if (inet_pton(AF_INET, plan->addr4, &a4) != 1 || inet_pton(AF_INET, plan->gateway4, &gw4) != 1)
		return err_set(err, errlen, EINVAL, "%s: the address plan %s via %s", TAP_NAME, plan->addr4,
			       plan->gateway4);
	r = netlink_add_addr(nl, eth, AF_INET, &a4, plan->prefix4);
	if (r < 0)
		return err_set(err, errlen, -r, "%s: add %s/%d", TAP_NAME, plan->addr4, plan->prefix4);
	r = netlink_add_default_route(nl, eth, AF_INET, &gw4);
	if (r < 0)
		return err_set(err, errlen, -r, "add the default route via %s", plan->gateway4);

	if (inet_pton(AF_INET6, plan->addr6, &a6) != 1 || inet_pton(AF_INET6, plan->gateway6, &gw6) != 1)
		return err_set(err, errlen, EINVAL, "%s: the address plan %s via %s", TAP_NAME, plan->addr6,
			       plan->gateway6);
	r = netlink_add_addr(nl, eth, AF_INET6, &a6, plan->prefix6);
	if (r == -EAFNOSUPPORT || r == -EOPNOTSUPP) {
		/* IPv6 disabled in this kernel (ipv6.disable=1): IPv4 alone is a working network. */
	} else if (r < 0) {
		return err_set(err, errlen, -r, "%s: add %s/%d", TAP_NAME, plan->addr6, plan->prefix6);
	} else {
		r = netlink_add_default_route(nl, eth, AF_INET6, &gw6);
		if (r < 0)
			return err_set(err, errlen, -r, "add the default route via %s", plan->gateway6);
	}

	struct chan_msg m = { .type = CHAN_MSG_TAP };
	r = chan_send_fd(sock, &m, tap);
	if (r < 0)
		return err_set(err, errlen, -r, "pass the tap to the network helper");
	if (plan->fast_ports && publish_count_tcp(plan->publish, plan->npublish) > 0)
		return net_send_namespaces(sock, err, errlen);
	return 0;
}

/* Move fd to want; fds below both are never in the way (0-2 are the std ones). */
static int move_fd(int fd, int want)
{
	if (fd == want)
		return fd_set_cloexec(fd, false);
	if (dup2(fd, want) < 0)
		return -errno;
	close(fd);
	return 0;
}

/* In the forked child: become sandbox-net with ctl and tapsk at fds 3 and 4 and the network
 * options on the command line, in the cgroup cgfd (-1: stay). On failure, tell the supervisor
 * through ctl. */
__attribute__((noreturn)) static void exec_helper(const struct net_plan *plan, int ctl, int tapsk, int cgfd)
{
	struct net_ready_msg msg = { 0 };
	char path[4096], mtu[16], logfd[16];
	const char **argv = calloc(12 + 2 * plan->npublish + 2 * plan->nnet_allow, sizeof(*argv));
	char *const envp[] = { NULL };
	size_t k = 0;
	int hi_ctl, hi_tap, hi_log = -1, e;

	if (!argv) {
		e = ENOMEM;
		err_set(msg.text, sizeof(msg.text), e, "network helper");
		goto out;
	}
	/* Before it allocates anything: memory is charged where it was allocated. */
	if (cgfd >= 0 && (e = -write_file_at(cgfd, "cgroup.procs", "0")) > 0) {
		err_set(msg.text, sizeof(msg.text), e, "network helper: join the sandbox's cgroup");
		goto out;
	}
	helper_path(NETHELPER_NAME, path, sizeof(path));
	snprintf(mtu, sizeof(mtu), "%u", plan->mtu);
	argv[k++] = NETHELPER_NAME;
	argv[k++] = "--mtu";
	argv[k++] = mtu;
	if (plan->allow_host_loopback)
		argv[k++] = "--allow-host-loopback";
	if (!plan->fast_ports) {
		argv[k++] = "--net-fast";
		argv[k++] = "off";
	}
	for (size_t i = 0; i < plan->npublish; i++) {
		argv[k++] = "-p";
		argv[k++] = plan->publish[i].spec;
	}
	for (size_t i = 0; i < plan->nnet_allow; i++) {
		argv[k++] = "--net-allow";
		argv[k++] = plan->net_allow[i];
	}
	if (plan->flow_log_fd >= 0) {
		snprintf(logfd, sizeof(logfd), "%d", NETHELPER_FLOW_LOG_FD);
		argv[k++] = "--flow-log-fd";
		argv[k++] = logfd;
	}
	argv[k] = NULL;
	/* Out of the way of 3 and 4 first, then into place. */
	hi_ctl = fcntl(ctl, F_DUPFD_CLOEXEC, 10);
	hi_tap = fcntl(tapsk, F_DUPFD_CLOEXEC, 10);
	if (plan->flow_log_fd >= 0)
		hi_log = fcntl(plan->flow_log_fd, F_DUPFD_CLOEXEC, 10);
	if (hi_ctl < 0 || hi_tap < 0 || (plan->flow_log_fd >= 0 && hi_log < 0) ||
	    move_fd(hi_ctl, NETHELPER_CTL_FD) < 0 || move_fd(hi_tap, NETHELPER_TAP_FD) < 0 ||
	    (hi_log >= 0 && move_fd(hi_log, NETHELPER_FLOW_LOG_FD) < 0)) {
		e = errno;
		err_set(msg.text, sizeof(msg.text), e, "network helper: pass its sockets");
	} else {
		execve(path, (char *const *)argv, envp);
		e = errno;
		err_set(msg.text, sizeof(msg.text), e, "network helper: exec %s", path);
		ctl = NETHELPER_CTL_FD;
	}
out:
	msg.err = -e;
	(void)send(ctl, &msg, sizeof(msg), MSG_NOSIGNAL);
	_exit(1);
}

int net_helper_start(const struct net_plan *plan, struct net_helper *h, int *child_sock, int cgroup_fd, char *err,
		     size_t errlen)
{
	int ctl[2], tapsk[2];
	pid_t parent = getpid(), pid;

	h->pid = -1;
	h->ctl_fd = -1;
	*child_sock = -1;
	if (!plan->slirp)
		return 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return err_set(err, errlen, errno, "network helper: socketpair");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tapsk) < 0) {
		int e = errno;
		close(ctl[0]);
		close(ctl[1]);
		return err_set(err, errlen, e, "network helper: socketpair");
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(ctl[0]);
		close(ctl[1]);
		close(tapsk[0]);
		close(tapsk[1]);
		return err_set(err, errlen, e, "fork the network helper");
	}
	if (pid == 0) {
		close(ctl[0]);
		close(tapsk[1]);
		/* Die with the supervisor; if it is already gone, the death signal was missed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(1);
		exec_helper(plan, ctl[1], tapsk[0], cgroup_fd);
	}
	close(ctl[1]);
	close(tapsk[0]);
	h->pid = pid;
	h->ctl_fd = ctl[0];
	h->wait_exit = plan->flow_log_fd >= 0;
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
		return err_set(err, errlen, errno, "network helper: read its status");
	if (n == 0 || (size_t)n != sizeof(msg))
		return err_set(err, errlen, -ECHILD, "network helper exited before the network was ready");
	if (msg.err != 0) {
		msg.text[sizeof(msg.text) - 1] = '\0';
		return err_set(err, errlen, msg.err < 0 ? msg.err : -EIO, "%s", msg.text);
	}
	return 0;
}

int net_helper_fd(const struct net_helper *h)
{
	return h->pid > 0 ? h->ctl_fd : -1;
}

bool net_helper_check(struct net_helper *h)
{
	int st;
	pid_t r;

	/* After "ready" the helper sends nothing: readable is its end. EOF comes when it exits,
	 * so waiting for it does not block for long. */
	do
		r = waitpid(h->pid, &st, 0);
	while (r < 0 && errno == EINTR);
	h->pid = -1; /* reaped, or (ECHILD) by someone else: stop watching either way */
	if (r < 0)
		return true;
	/* An exit status: the helper said why itself, or it ended with the sandbox's network
	 * namespace. A signal is a crash (or a kill) that nobody else reports. */
	if (WIFSIGNALED(st))
		warnx("network helper died: signal %d", WTERMSIG(st));
	return true;
}

void net_helper_stop(struct net_helper *h)
{
	/* Closing the control socket asks the helper to finish: data the sandbox sent just before
	 * it ended may still sit in libslirp on its way to the host, and the helper delivers it,
	 * bounded by its own deadline (LOOP_DRAIN_NS), then exits. It is not waited for: tearing
	 * down its namespaces takes the kernel tens of milliseconds that nobody needs to sit out. */
	if (h->ctl_fd >= 0)
		close(h->ctl_fd);
	/* With --flow-log, the helper writes the flows still open as it ends: wait for that (it
	 * drains for at most LOOP_DRAIN_NS, 2 s), so the log is whole when sandbox returns. */
	for (int i = 0; h->wait_exit && h->pid > 0 && i < 300; i++) {
		struct timespec ten_ms = { 0, 10000000 };
		pid_t r = waitpid(h->pid, NULL, WNOHANG);

		if (r == h->pid || (r < 0 && errno != EINTR))
			break;
		nanosleep(&ten_ms, NULL);
	}
	if (h->pid > 0)
		waitpid(h->pid, NULL, WNOHANG);
	h->pid = -1;
	h->ctl_fd = -1;
}
