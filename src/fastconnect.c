/* fastconnect.c: the supervisor's side of the outgoing TCP fast path (see fastconnect.h).
 *
 * One thread, one poll loop: the listener, and the host sockets whose connection is under way.
 * Each notification is judged in this order, every step falling back to libslirp (the kernel
 * goes on with the sandbox's own socket) when it cannot go further:
 *   1. pidfd of the caller, then SECCOMP_IOCTL_NOTIF_ID_VALID: the pid is still the caller;
 *   2. its socket by pidfd_getfd: an AF_INET/AF_INET6 TCP socket of the sandbox's network
 *      namespace (a host socket, one we installed, is never given back to the kernel: see
 *      host_socket_answer), neither bound nor connected;
 *   3. the address from its memory (process_vm_readv), then ID_VALID again before trusting it;
 *   4. the route (fastconnect_route.c): refuse, libslirp, or a host destination that the egress
 *      policy's address entries allow (anything else it leaves to libslirp's guard);
 *   5. a host socket with the same options, connected without blocking; the caller waits (a
 *      non-blocking caller at most NONBLOCK_WAIT_MS, then libslirp takes its call);
 *   6. established: SECCOMP_IOCTL_NOTIF_ADDFD with SETFD puts it at the caller's fd number,
 *      connect() returns 0. Refused or unreachable: connect() returns that error. */
#include "config.h"

#include "fastconnect.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

enum {
	MAX_PENDING = 1024,     /* connections under way; past it, libslirp takes new ones */
	NONBLOCK_WAIT_MS = 250, /* how long a non-blocking connect() may wait for the host's */
	CHECK_MS = 100,         /* how often waiting callers are checked for having gone */
};

struct pending {
	uint64_t id;    /* the notification */
	int target_fd;  /* the caller's fd number */
	int sock;       /* the host socket, connecting */
	bool nonblock;  /* the caller's socket was O_NONBLOCK */
	bool cloexec;   /* ... and its fd close-on-exec */
	long long deadline_ms; /* 0: none (the kernel's own connect timeout) */
	struct sockaddr_storage dest;
	socklen_t destlen;
};

struct handler {
	int listener;
	bool allow_host_loopback;
	struct net_policy policy; /* --net-allow's entries; it never learns names (see fastconnect_route) */
	dev_t netns_dev; /* the sandbox's network namespace */
	ino_t netns_ino;
	long long last_check; /* expire()'s last look, CLOCK_MONOTONIC ms */
	size_t npending;
	struct pending pending[MAX_PENDING];
	struct pollfd pfd[MAX_PENDING + 1];
};

/* What to answer a notification with. */
enum action { ACT_CONTINUE, ACT_ERROR, ACT_WAIT };

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reply(int listener, uint64_t id, enum action act, int error)
{
	struct seccomp_notif_resp resp = { .id = id };

	if (act == ACT_CONTINUE)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp.error = -error;
	/* ENOENT: the caller is gone or was interrupted by a signal (it restarts the call). */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		debug("fast connect: answer %llu: %s", (unsigned long long)id, strerror(errno));
}

static bool still_valid(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, level, name, &v, &len) < 0 ? -1 : v;
}

/* ---- options: what COMMAND set on its socket, onto the host's ---- */

enum copy_kind {
	COPY_VALUE,    /* set the same bytes */
	COPY_BUFSIZE,  /* SO_RCVBUF/SO_SNDBUF: the kernel doubles what is set */
	COPY_STRING,   /* set the string without its padding */
	COPY_REFUSE,   /* means something else from the host (a device, a deferred connect): fall back */
};

struct sockopt_copy {
	int level, name;
	enum copy_kind kind;
	int family; /* 0: any, else only for sockets of this family */
};

static const struct sockopt_copy copied_options[] = {
	{ SOL_SOCKET, SO_KEEPALIVE, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_REUSEADDR, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_REUSEPORT, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_RCVBUF, COPY_BUFSIZE, 0 },
	{ SOL_SOCKET, SO_SNDBUF, COPY_BUFSIZE, 0 },
	{ SOL_SOCKET, SO_LINGER, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_OOBINLINE, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_PRIORITY, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_RCVLOWAT, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_RCVTIMEO, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_SNDTIMEO, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_MARK, COPY_VALUE, 0 },
	{ SOL_SOCKET, SO_BINDTODEVICE, COPY_REFUSE, 0 },
	{ IPPROTO_TCP, TCP_NODELAY, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_CORK, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_MAXSEG, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_KEEPIDLE, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_KEEPINTVL, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_KEEPCNT, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_SYNCNT, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_LINGER2, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, COPY_VALUE, 0 },
	{ IPPROTO_TCP, TCP_CONGESTION, COPY_STRING, 0 },
	{ IPPROTO_TCP, TCP_ULP, COPY_REFUSE, 0 },
	{ IPPROTO_TCP, TCP_FASTOPEN_CONNECT, COPY_REFUSE, 0 },
	{ IPPROTO_IP, IP_TOS, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_TTL, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_MTU_DISCOVER, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_RECVERR, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_FREEBIND, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_TRANSPARENT, COPY_VALUE, 0 },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, COPY_VALUE, 0 },
	{ IPPROTO_IPV6, IPV6_V6ONLY, COPY_VALUE, AF_INET6 },
	{ IPPROTO_IPV6, IPV6_TCLASS, COPY_VALUE, AF_INET6 },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, COPY_VALUE, AF_INET6 },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, COPY_VALUE, AF_INET6 },
	{ IPPROTO_IPV6, IPV6_RECVERR, COPY_VALUE, AF_INET6 },
};

/* Copy one option where it differs from a new socket's default (copying a default would pin
 * it: a set SO_RCVBUF turns off the kernel's buffer autotuning). 0, or -1 to fall back. */
static int copy_option(int from, int to, const struct sockopt_copy *o)
{
	unsigned char want[64], have[64];
	socklen_t wlen = sizeof(want), hlen = sizeof(have);

	/* An option this kernel does not know on the original is one nobody set. */
	if (getsockopt(from, o->level, o->name, want, &wlen) < 0)
		return 0;
	if (getsockopt(to, o->level, o->name, have, &hlen) < 0)
		return -1;
	if (wlen == hlen && memcmp(want, have, wlen) == 0)
		return 0;
	switch (o->kind) {
	case COPY_REFUSE:
		return -1;
	case COPY_BUFSIZE: {
		int v;
		if (wlen != sizeof(v))
			return -1;
		memcpy(&v, want, sizeof(v));
		v /= 2;
		return setsockopt(to, o->level, o->name, &v, sizeof(v)) < 0 ? -1 : 0;
	}
	case COPY_STRING:
		wlen = (socklen_t)strnlen((const char *)want, wlen);
		break;
	case COPY_VALUE:
		break;
	}
	return setsockopt(to, o->level, o->name, want, wlen) < 0 ? -1 : 0;
}

/* 0, or -1 when an option cannot be carried over faithfully (then libslirp takes the call). */
static int copy_options(int from, int to, int family)
{
	socklen_t len = 0;

	/* A socket filter (SO_ATTACH_FILTER) cannot be read back whole: fall back. */
	if (getsockopt(from, SOL_SOCKET, SO_GET_FILTER, NULL, &len) == 0 && len > 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(copied_options); i++) {
		const struct sockopt_copy *o = &copied_options[i];
		if (o->family && o->family != family)
			continue;
		if (copy_option(from, to, o) < 0) {
			debug("fast connect: option %d/%d not copied", o->level, o->name);
			return -1;
		}
	}
	return 0;
}

/* ---- the caller's socket ---- */

/* Whether the caller's fd is close-on-exec: a per-fd flag, which pidfd_getfd does not carry;
 * /proc/PID/fdinfo/FD shows it in "flags:". */
static bool fd_cloexec(pid_t pid, int fd)
{
	char path[64], line[128];
	unsigned long flags = 0;
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %lo", &flags) == 1)
			break;
	return (flags & O_CLOEXEC) != 0;
}

enum sock_home { SOCK_SANDBOX, SOCK_HOST, SOCK_OTHER };

/* Which network namespace the socket lives in. SIOCGSKNS needs CAP_NET_ADMIN over it, which we
 * have in the sandbox's (its user namespace is ours) and not in the host's. */
static enum sock_home socket_home(const struct handler *h, int sock)
{
	struct stat st;
	int ns = ioctl(sock, SIOCGSKNS);
	bool same;

	if (ns < 0)
		return errno == EPERM ? SOCK_HOST : SOCK_OTHER;
	same = fstat(ns, &st) == 0 && st.st_dev == h->netns_dev && st.st_ino == h->netns_ino;
	close(ns);
	return same ? SOCK_SANDBOX : SOCK_OTHER;
}

/* Neither bound nor connected: a fresh socket whose connect() we may make elsewhere. */
static bool socket_fresh(int sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(sock, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		if (a->sin_port || a->sin_addr.s_addr != htonl(INADDR_ANY))
			return false;
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		if (a->sin6_port || !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			return false;
	} else {
		return false;
	}
	len = sizeof(ss);
	return getpeername(sock, (struct sockaddr *)&ss, &len) < 0 && errno == ENOTCONN;
}

/* A host socket in the sandbox is, but for one passed in from outside, one we installed: it
 * is connected, and must stay so. Giving its connect() back to the kernel would let a caller
 * that rewrites the address after we read it disconnect it (AF_UNSPEC), and an unconnected
 * host socket can listen, or connect anywhere with sendto(MSG_FASTOPEN), from the host. So
 * answer what the kernel answers a connected socket, and refuse the disconnection. */
static int host_socket_answer(const struct sockaddr_storage *addr, size_t len)
{
	if (len >= sizeof(addr->ss_family) && addr->ss_family == AF_UNSPEC)
		return EPERM;
	return EISCONN;
}

static int read_address(pid_t pid, uint64_t ptr, uint64_t len, struct sockaddr_storage *out, size_t *outlen)
{
	struct iovec local = { .iov_base = out, .iov_len = (size_t)len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)ptr, .iov_len = (size_t)len };

	memset(out, 0, sizeof(*out));
	if (len < sizeof(sa_family_t) || len > sizeof(*out))
		return -EINVAL;
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EFAULT;
	*outlen = (size_t)len;
	return 0;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* A pidfd for the caller, which the notification names by its thread id: a thread's own
 * (PIDFD_THREAD, 6.9+), else its thread group's (pidfd_open takes only a group leader's id). */
static int open_caller(pid_t tid)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD), tgid = 0;

	if (fd >= 0 || errno != EINVAL)
		return fd;
	fd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (fd >= 0 || errno != EINVAL)
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	return tgid > 0 ? (int)syscall(SYS_pidfd_open, tgid, 0) : -1;
}

/* Steps 1-5 of the file comment for one notification; ACT_WAIT fills *p. */
static enum action judge(struct handler *h, const struct seccomp_notif *req, struct pending *p, int *error)
{
	_cleanup_close_ int pidfd = -1, sock = -1, host = -1;
	struct sockaddr_storage addr;
	size_t addrlen = 0;
	int family, flags;

	if (req->data.nr != __NR_connect)
		return ACT_CONTINUE;
	p->id = req->id;
	p->target_fd = (int)req->data.args[0];
	pidfd = open_caller((pid_t)req->pid);
	if (pidfd < 0 || !still_valid(h->listener, req->id))
		return ACT_CONTINUE;
	sock = (int)syscall(SYS_pidfd_getfd, pidfd, p->target_fd, 0);
	if (sock < 0)
		return ACT_CONTINUE;
	family = sockopt_int(sock, SOL_SOCKET, SO_DOMAIN);
	if ((family != AF_INET && family != AF_INET6) || sockopt_int(sock, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    sockopt_int(sock, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP)
		return ACT_CONTINUE;
	switch (socket_home(h, sock)) {
	case SOCK_OTHER: /* a network namespace made inside: its 10.0.2.2 is not ours */
		return ACT_CONTINUE;
	case SOCK_HOST:
		(void)read_address(req->pid, req->data.args[1], req->data.args[2], &addr, &addrlen);
		*error = host_socket_answer(&addr, addrlen);
		return ACT_ERROR;
	case SOCK_SANDBOX:
		break;
	}
	if (!socket_fresh(sock))
		return ACT_CONTINUE;
	if (read_address(req->pid, req->data.args[1], req->data.args[2], &addr, &addrlen) < 0 ||
	    !still_valid(h->listener, req->id) || addr.ss_family != family)
		return ACT_CONTINUE;
	switch (fastconnect_route((const struct sockaddr *)&addr, addrlen, h->allow_host_loopback, &h->policy,
				  &p->dest, &p->destlen)) {
	case FASTCONNECT_SLIRP:
		return ACT_CONTINUE;
	case FASTCONNECT_REFUSE:
		*error = ECONNREFUSED;
		return ACT_ERROR;
	case FASTCONNECT_SWITCH:
		break;
	}
	flags = fcntl(sock, F_GETFL);
	if (flags < 0 || (flags & O_ASYNC))
		return ACT_CONTINUE;
	p->nonblock = (flags & O_NONBLOCK) != 0;
	p->cloexec = fd_cloexec(req->pid, p->target_fd);
	host = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (host < 0 || copy_options(sock, host, family) < 0)
		return ACT_CONTINUE;
	if (connect(host, (const struct sockaddr *)&p->dest, p->destlen) < 0 && errno != EINPROGRESS) {
		*error = errno;
		return ACT_ERROR;
	}
	p->deadline_ms = p->nonblock ? now_ms() + NONBLOCK_WAIT_MS : 0;
	p->sock = steal_fd(&host);
	return ACT_WAIT;
}

static void on_notification(struct handler *h)
{
	struct seccomp_notif req;
	struct pending p = { .sock = -1 };
	int error = 0;
	enum action act;

	memset(&req, 0, sizeof(req));
	if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		if (errno != EINTR && errno != ENOENT)
			debug("fast connect: receive: %s", strerror(errno));
		return;
	}
	if (h->npending == MAX_PENDING) {
		reply(h->listener, req.id, ACT_CONTINUE, 0);
		return;
	}
	act = judge(h, &req, &p, &error);
	if (act == ACT_WAIT)
		h->pending[h->npending++] = p;
	else
		reply(h->listener, req.id, act, error);
}

static void drop_pending(struct handler *h, size_t i)
{
	close(h->pending[i].sock);
	h->pending[i] = h->pending[--h->npending];
}

/* Step 6: the host's connection is up, or failed. */
static void finish(struct handler *h, struct pending *p)
{
	int e = sockopt_int(p->sock, SOL_SOCKET, SO_ERROR);
	struct seccomp_notif_addfd add = {
		.id = p->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)p->sock,
		.newfd = (uint32_t)p->target_fd,
		.newfd_flags = p->cloexec ? O_CLOEXEC : 0,
	};

	if (e != 0) {
		reply(h->listener, p->id, ACT_ERROR, e < 0 ? EIO : e);
		return;
	}
	/* Once more, so the kernel marks the socket connected (SS_CONNECTED): from then on
	 * nothing but connect(AF_UNSPEC) makes it unconnected again. */
	if (connect(p->sock, (const struct sockaddr *)&p->dest, p->destlen) < 0 && errno != EISCONN) {
		reply(h->listener, p->id, ACT_ERROR, errno);
		return;
	}
	if (!p->nonblock && fd_set_nonblock(p->sock, false) < 0) {
		reply(h->listener, p->id, ACT_CONTINUE, 0);
		return;
	}
	if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
		/* ENOENT: the caller went away meanwhile. */
		if (errno != ENOENT)
			reply(h->listener, p->id, ACT_CONTINUE, 0);
		return;
	}
	reply(h->listener, p->id, ACT_ERROR, 0);
}

/* Waiting callers that left (a signal restarts their call as a new notification), and
 * non-blocking ones that waited long enough: every CHECK_MS, or when a deadline is due. */
static void expire(struct handler *h)
{
	long long now = now_ms();
	bool due = now - h->last_check >= CHECK_MS;

	for (size_t i = 0; i < h->npending && !due; i++)
		due = h->pending[i].deadline_ms && now >= h->pending[i].deadline_ms;
	if (!due)
		return;
	h->last_check = now;
	for (size_t i = 0; i < h->npending;) {
		struct pending *p = &h->pending[i];
		if (!still_valid(h->listener, p->id)) {
			drop_pending(h, i);
		} else if (p->deadline_ms && now >= p->deadline_ms) {
			reply(h->listener, p->id, ACT_CONTINUE, 0);
			drop_pending(h, i);
		} else {
			i++;
		}
	}
}

static int poll_timeout(const struct handler *h)
{
	long long now = now_ms(), t = CHECK_MS;

	if (!h->npending)
		return -1;
	for (size_t i = 0; i < h->npending; i++)
		if (h->pending[i].deadline_ms && h->pending[i].deadline_ms - now < t)
			t = h->pending[i].deadline_ms - now;
	return t < 0 ? 0 : (int)t;
}

static void *fastconnect_loop(void *arg)
{
	struct handler *h = arg;
	bool hung_up = false;

	while (!hung_up || h->npending) {
		int n;

		h->pfd[0] = (struct pollfd){ .fd = hung_up ? -1 : h->listener, .events = POLLIN };
		for (size_t i = 0; i < h->npending; i++)
			h->pfd[i + 1] = (struct pollfd){ .fd = h->pending[i].sock, .events = POLLOUT };
		n = poll(h->pfd, h->npending + 1, poll_timeout(h));
		if (n < 0 && errno != EINTR) {
			warn_errno(errno, "fast connect: poll");
			break;
		}
		/* Completed connections first: indices shift once the list changes. */
		for (size_t i = h->npending; n > 0 && i-- > 0;) {
			if (h->pfd[i + 1].revents) {
				finish(h, &h->pending[i]);
				drop_pending(h, i);
			}
		}
		if (n > 0 && (h->pfd[0].revents & POLLIN))
			on_notification(h);
		/* Every process under the filter is gone. */
		else if (n > 0 && (h->pfd[0].revents & (POLLHUP | POLLERR)))
			hung_up = true;
		expire(h);
	}
	close(h->listener);
	free(h);
	return NULL;
}

int fastconnect_start(int listener, const struct fastconnect_plan *plan, char *err, size_t errlen)
{
	struct handler *h = calloc(1, sizeof(*h));
	pthread_attr_t attr;
	pthread_t t;
	int r;

	if (!h)
		return err_set(err, errlen, ENOMEM, "fast connect: start");
	h->listener = listener;
	h->allow_host_loopback = plan->allow_host_loopback;
	/* calloc's zeroes are the empty policy already: initialising it without --net-allow would
	 * only touch 28 KiB of the supervisor's memory for nothing. */
	if (plan->nnet_allow)
		netpolicy_init(&h->policy);
	for (size_t i = 0; i < plan->nnet_allow; i++) {
		char why[256];

		r = netpolicy_add(&h->policy, plan->net_allow[i], why, sizeof(why));
		if (r < 0) {
			free(h);
			return err_set(err, errlen, r, "fast connect: --net-allow %s", why); /* its reason in why */
		}
	}
	h->netns_dev = plan->netns_dev;
	h->netns_ino = plan->netns_ino;
	r = pthread_attr_init(&attr);
	if (r == 0)
		r = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (r == 0)
		r = pthread_create(&t, &attr, fastconnect_loop, h);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		free(h);
		return err_set(err, errlen, r, "fast connect: start its thread");
	}
	return 0;
}
