/* usernet.c: libslirp glue (see usernet.h). */
#include "config.h"

#include "usernet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "util.h"

/* SlirpConfig version 4 brought timer_new_opaque, which lets timers be plain data (an id and an
 * opaque) instead of callbacks, and disable_dhcp. Fields of later versions are not filled, so
 * never claim more than 4 even when the header knows more. */
#if SLIRP_CONFIG_VERSION_MAX < 4
#error "libslirp with SlirpConfig version 4 (libslirp >= 4.5) is needed"
#endif
#define USERNET_CONFIG_VERSION 4

static struct usernet *usernet_of(void *opaque)
{
	return opaque;
}

/* implements SlirpCb.send_packet: a frame from libslirp to the sandbox. */
static ssize_t usernet_send_packet(const void *buf, size_t len, void *opaque)
{
	struct usernet *u = usernet_of(opaque);

	usernet_guard_out(&u->guard, buf, len);
	if (u->flows.slot)
		usernet_flows_out(&u->flows, buf, len, loop_now_ns(&u->loop));
	for (;;) {
		ssize_t n = write(u->tap_fd, buf, len);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		/* A full tap queue: drop, as the API allows; TCP retransmits at a gentler pace. */
		if (errno == EAGAIN || errno == ENOBUFS)
			return (ssize_t)len;
		/* The device is gone with the sandbox's namespace: the loop ends on the tap's
		 * hang-up, not with an error. */
		if (errno == EBADFD || errno == EIO)
			return (ssize_t)len;
		loop_fail(&u->loop, errno, "write to tap");
		return -1;
	}
}

/* implements SlirpCb.guest_error. The sandbox is untrusted: printing what it provokes would let
 * it flood the user's terminal, so it is dropped. */
static void usernet_guest_error(const char *msg, void *opaque)
{
	(void)msg;
	(void)opaque;
}

/* implements SlirpCb.clock_get_ns: the loop's clock, read once per wake-up. */
static int64_t usernet_clock_get_ns(void *opaque)
{
	return loop_now_ns(&usernet_of(opaque)->loop);
}

/* implements SlirpCb.timer_new_opaque */
static void *usernet_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	return loop_timer_new(&usernet_of(opaque)->loop, id, cb_opaque);
}

/* implements SlirpCb.timer_free */
static void usernet_timer_free(void *timer, void *opaque)
{
	loop_timer_free(&usernet_of(opaque)->loop, timer);
}

/* implements SlirpCb.timer_mod: expire_time is in ms on clock_get_ns's clock. */
static void usernet_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	loop_timer_mod(&usernet_of(opaque)->loop, timer, expire_time);
}

/* implements SlirpCb.register_poll_fd: a socket was created (counted for the guard's bound); a
 * stale registration under its number, if any, must not be trusted. */
static void usernet_register_poll_fd(int fd, void *opaque)
{
	struct usernet *u = usernet_of(opaque);

	u->guard.sockets++;
	loop_fd_forget(&u->loop, fd);
}

/* implements SlirpCb.unregister_poll_fd: libslirp closes fd right after. */
static void usernet_unregister_poll_fd(int fd, void *opaque)
{
	struct usernet *u = usernet_of(opaque);

	if (u->guard.sockets > 0)
		u->guard.sockets--;
	loop_fd_forget(&u->loop, fd);
}

/* implements SlirpCb.notify: only needed to wake another thread; the loop asks libslirp for
 * its fds again right after every slirp_pollfds_poll, in this thread. */
static void usernet_notify(void *opaque)
{
	(void)opaque;
}

/* implements SlirpCb.init_completed */
static void usernet_init_completed(Slirp *slirp, void *opaque)
{
	usernet_of(opaque)->slirp = slirp;
}

static const SlirpCb usernet_callbacks = {
	.send_packet = usernet_send_packet,
	.guest_error = usernet_guest_error,
	.clock_get_ns = usernet_clock_get_ns,
	.timer_free = usernet_timer_free,
	.timer_mod = usernet_timer_mod,
	.register_poll_fd = usernet_register_poll_fd,
	.unregister_poll_fd = usernet_unregister_poll_fd,
	.notify = usernet_notify,
	.init_completed = usernet_init_completed,
	.timer_new_opaque = usernet_timer_new_opaque,
};

int usernet_init(struct usernet *u, unsigned mtu, bool allow_host_loopback,
		 struct net_policy *policy, int flow_log_fd, char *err, size_t errlen)
{
	SlirpConfig sc;
	int r;

	memset(u, 0, sizeof(*u));
	u->tap_fd = -1;
	r = loop_init(&u->loop, mtu, err, errlen);
	if (r < 0)
		return r;
	usernet_guard_init(&u->guard, allow_host_loopback);
	u->guard.policy = policy;
	u->loop.guard = &u->guard;
	if (flow_log_fd >= 0) {
		r = usernet_flows_init(&u->flows, flow_log_fd);
		if (r < 0) {
			loop_destroy(&u->loop);
			return err_set(err, errlen, -r, "flow log table");
		}
		u->loop.flows = &u->flows;
	}

	memset(&sc, 0, sizeof(sc));
	sc.version = USERNET_CONFIG_VERSION;
	sc.restricted = 0;
	sc.in_enabled = true;
	inet_pton(AF_INET, NETADDR_NET4, &sc.vnetwork);
	inet_pton(AF_INET, NETADDR_MASK4, &sc.vnetmask);
	inet_pton(AF_INET, NETADDR_HOST4, &sc.vhost);
	inet_pton(AF_INET, NETADDR_DNS4, &sc.vnameserver);
	/* Addresses are static (set by the child over netlink); DHCP would only let the sandbox
	 * ask for another one. The start address is still required to be inside the network. */
	inet_pton(AF_INET, NETADDR_DHCP_START4, &sc.vdhcp_start);
	sc.disable_dhcp = true;
	sc.in6_enabled = true;
	inet_pton(AF_INET6, NETADDR_PREFIX6, &sc.vprefix_addr6);
	sc.vprefix_len = NETADDR_PREFIX6_LEN;
	inet_pton(AF_INET6, NETADDR_HOST6, &sc.vhost6);
	inet_pton(AF_INET6, NETADDR_DNS6, &sc.vnameserver6);
	/* Same MTU both ways as the tap, so libslirp's TCP uses the largest segments the tap
	 * carries (MSS 65480 at the default): fewer round trips through the loop. */
	sc.if_mtu = mtu;
	sc.if_mru = mtu;
	/* Off on purpose, whatever --allow-host-loopback says: the guard in front of libslirp
	 * (usernet_filter.h) decides instead, because libslirp's own check leaves crafted
	 * loopback destinations open and breaks replies on published UDP ports. */
	sc.disable_host_loopback = false;
	sc.enable_emu = false;

	/* The clock must be current before slirp_new: it arms its timers from it. */
	loop_update_clock(&u->loop);
	u->slirp = slirp_new(&sc, &usernet_callbacks, u);
	if (!u->slirp) {
		usernet_flows_destroy(&u->flows);
		loop_destroy(&u->loop);
		return err_set(err, errlen, -EINVAL, "libslirp: slirp_new failed (MTU %u?)", mtu);
	}
	if (u->loop.failed) {
		err_set(err, errlen, -ENOMEM, "%s", u->loop.why);
		usernet_destroy(u);
		return -ENOMEM;
	}
	return 0;
}

static int usernet_sockaddr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return 0;
}

/* libslirp's tcpx_listen() uses listen(s, 1): with a dozen concurrent clients the host's accept
 * queue overflows and they wait for the kernel's one-second SYN retransmit. Find the listener it
 * just created (a listening socket bound to exactly addr) and listen() again with SOMAXCONN,
 * which only raises the backlog. Runs once per -p at set-up, so a scan of /proc/self/fd is
 * fine. 0, or -errno when it is not found. */
static int usernet_relisten(const struct sockaddr_storage *addr)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct sockaddr_storage got;
		socklen_t len = sizeof(got);
		int fd, acc = 0;
		socklen_t alen = sizeof(acc);

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) < 0 || !acc)
			continue;
		if (getsockname(fd, (struct sockaddr *)&got, &len) < 0 ||
		    !usernet_sockaddr_eq(&got, addr))
			continue;
		found = listen(fd, SOMAXCONN) < 0 ? -errno : 0;
		break;
	}
	closedir(d);
	return found;
}

int usernet_publish(struct usernet *u, const struct publish *p, char *err, size_t errlen)
{
	struct publish_addrs a;
	char what[INET6_ADDRSTRLEN + 32];
	int flags = p->udp ? SLIRP_HOSTFWD_UDP : 0;
	int r;

	publish_addrs(p, &a);
	publish_describe(p, what, sizeof(what));
	/* An IPv6 listener reaches the sandbox over IPv6, and [::] does not also take the port on
	 * IPv4, so "-p 8080:80 -p [::]:8080:80" can coexist. */
	if (p->family == AF_INET6)
		flags |= SLIRP_HOSTFWD_V6ONLY;

	if (p->udp) {
		r = usernet_guard_add_udp_port(&u->guard, p->sandbox_port);
		if (r < 0)
			return err_set(err, errlen, r, "%s: too many published UDP ports (at most %d)", what,
				       USERNET_GUARD_PORTS);
	}
	errno = 0;
	if (slirp_add_hostxfwd(u->slirp, (struct sockaddr *)&a.host, a.host_len,
			       (struct sockaddr *)&a.sandbox, a.sandbox_len, flags) < 0) {
		/* libslirp keeps the errno of the failed socket/bind/listen. */
		return err_set(err, errlen, errno ? errno : EADDRINUSE, "%s", what);
	}
	if (!p->udp) {
		r = usernet_relisten(&a.host);
		if (r < 0)
			return err_set(err, errlen, -r, "%s: raise the listen backlog", what);
	}
	return 0;
}

int usernet_run(struct usernet *u, int tap_fd, int ctl_fd, char *err, size_t errlen)
{
	u->tap_fd = tap_fd;
	return loop_run(&u->loop, u->slirp, tap_fd, ctl_fd, err, errlen);
}

void usernet_destroy(struct usernet *u)
{
	/* Flows still open when the network ends are complete now. */
	usernet_flows_sweep(&u->flows, loop_now_ns(&u->loop), true);
	usernet_flows_destroy(&u->flows);
	if (u->slirp)
		slirp_cleanup(u->slirp);
	u->slirp = NULL;
	loop_destroy(&u->loop);
}
