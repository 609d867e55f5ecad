/* portfwd.c: the published TCP ports' forwarder (see portfwd.h). */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "portfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "usernet_lockdown.h"
#include "util.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* What the forwarder's loop calls once locked down, and nothing else: no open, no exec, no
 * namespace call, no listen, no ioctl: it can only accept on the listeners it was given and
 * connect from inside the sandbox's network namespace. (Its socket to the helper, read with
 * recvmsg, is closed before.) */
static const char *const portfwd_allowed[] = {
	/* the loop, and its back-off when accept4 fails for want of fds or memory */
	"epoll_wait", "epoll_pwait", "epoll_ctl", "clock_gettime",
	/* a connection: the host's end accepted, the sandbox's made (pf_connect_inside) */
	"accept4", "socket", "bind", "connect", "setsockopt", "getsockopt",
	/* its bytes: splice through pipes, a small message by recv and send (pf_copy_small) */
	"splice", "pipe2", "recvfrom", "sendto", "write", "shutdown", "close",
	/* the allocator's (glibc's, or AddressSanitizer's) */
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "futex",
	/* the way out */
	"rt_sigreturn", "restart_syscall", "exit", "exit_group",
};

/* After accept4 failed with EMFILE, ENFILE, ENOMEM or ENOBUFS, the listeners leave the epoll
 * set for this long: the client stays in the backlog, so the listener stays readable, and
 * watching it would wake the loop at once, for ever. */
enum { PF_BACKOFF_MS = 100 };

/* Empty pipes kept from ended connections: a connection then costs two pipe2() and four
 * close() calls fewer, and its pipes' buffers are already there. */
enum { PF_PIPE_POOL = 64 };

/* What an epoll event points at: the first member of each of these. */
enum pf_kind { PF_LISTENER, PF_HOST, PF_INSIDE };

struct pf_listener {
	enum pf_kind kind;
	int fd;
	struct publish_addrs addrs;
};

struct pf_conn;
struct pf_end {
	enum pf_kind kind; /* PF_HOST or PF_INSIDE */
	struct pf_conn *conn;
};

/* One direction: bytes read from one socket wait in the pipe for the other. */
struct pf_half {
	int pipe[2];
	size_t queued; /* bytes in the pipe */
	bool eof;      /* the source said EOF */
	bool done;     /* EOF passed on (shutdown of the destination's write side) */
	bool bulk;     /* the last wake-up brought more than PF_SMALL: splice at once */
};

/* Up to this much (what an empty pipe always takes at once) is copied by one recv() and one
 * send() instead of two splice() calls and a third that finds the source empty: a request or a
 * reply costs two system calls instead of three or four. */
enum { PF_SMALL = 4096 };

/* fd[0] is the host's side, fd[1] the sandbox's; half[i] moves fd[i] -> fd[1 - i]. */
struct pf_conn {
	int fd[2];
	struct pf_half half[2];
	struct pf_end end[2];
	bool connecting; /* the inside connect() is in progress */
	bool dead;       /* closed in this round; freed after it */
	struct pf_conn *next_dead;
};

struct pf_state {
	int ep;
	struct pf_listener *listeners;
	size_t nlisteners;
	size_t nconns, max_conns;
	bool paused; /* at max_conns, or backing off: the listeners are out of the epoll set */
	bool backoff; /* since accept4 failed for want of resources, until resume_ns */
	long long resume_ns;
	struct pf_conn *dead;
	int pipes[PF_PIPE_POOL][2]; /* empty pipes of ended connections, for the next ones */
	size_t npipes;
};

/* ---- the helper's side ---- */

static int pf_listen(const struct publish *p, struct pf_listener *l, char *err, size_t errlen)
{
	char what[INET6_ADDRSTRLEN + 32];
	int one = 1;

	publish_addrs(p, &l->addrs);
	publish_describe(p, what, sizeof(what));
	l->kind = PF_LISTENER;
	l->fd = socket(p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return err_set(err, errlen, errno, "%s: socket", what);
	/* As libslirp's listeners: a port in TIME_WAIT can be published again at once, and an
	 * IPv6 listener does not also take the port on IPv4. */
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return err_set(err, errlen, errno, "%s: SO_REUSEADDR", what);
	if (p->family == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return err_set(err, errlen, errno, "%s: IPV6_V6ONLY", what);
	/* Set once here: every accepted socket inherits it. */
	(void)setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&l->addrs.host, l->addrs.host_len) < 0 ||
	    listen(l->fd, SOMAXCONN) < 0)
		return err_set(err, errlen, errno, "%s", what);
	return 0;
}

/* Close every fd from 3 up but sock and the listeners: the forwarder was forked from the helper,
 * whose control socket, tap socket and libslirp sockets are none of its business. */
static int pf_close_others(int sock, const struct pf_listener *l, size_t n)
{
	_cleanup_free_ int *keep = calloc(n + 1, sizeof(*keep));

	if (!keep)
		return -ENOMEM;
	keep[0] = sock;
	for (size_t i = 0; i < n; i++)
		keep[i + 1] = l[i].fd;
	return close_fds_except(3, keep, n + 1);
}

/* The helper passes the two namespace fds as two messages, in this order. */
static const uint32_t pf_ns_types[2] = { CHAN_MSG_USERNS, CHAN_MSG_NETNS };

/* Receive them. 0, -EPIPE at EOF, or -errno. */
static int pf_recv_ns(int sock, int fds[2])
{
	for (int i = 0; i < 2; i++) {
		fds[i] = chan_recv_fd(sock, pf_ns_types[i]);
		if (fds[i] < 0) {
			int r = fds[i];
			fds[i] = -1;
			return r;
		}
	}
	return 0;
}

int portfwd_pass_namespaces(struct portfwd *pf, int from)
{
	int fds[2] = { -1, -1 };
	int r = pf->sock < 0 ? -EBADF : pf_recv_ns(from, fds);

	for (int i = 0; i < 2 && r == 0; i++) {
		struct chan_msg m = { .type = pf_ns_types[i] };
		r = chan_send_fd(pf->sock, &m, fds[i]);
		if (r == -EPIPE)
			r = -ESRCH; /* the forwarder is gone, unlike the child's EPIPE on our side */
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (pf->sock >= 0)
		close(pf->sock);
	pf->sock = -1;
	return r;
}

/* ---- the forwarder: connections ---- */

/* 0, or -errno (ENOSPC: fs.epoll.max_user_watches). */
static int pf_add(struct pf_state *st, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(st->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* 0, or the first -errno of watching a listener again. */
static int pf_listeners_set(struct pf_state *st, bool on)
{
	int r = 0;

	for (size_t i = 0; i < st->nlisteners; i++) {
		if (on && r == 0)
			r = pf_add(st, st->listeners[i].fd, EPOLLIN, &st->listeners[i]);
		else if (!on)
			(void)epoll_ctl(st->ep, EPOLL_CTL_DEL, st->listeners[i].fd, NULL);
	}
	st->paused = !on || r < 0;
	return r;
}

static long long pf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Stop watching the listeners for PF_BACKOFF_MS (pf_timeout_ms ends it). */
static void pf_backoff(struct pf_state *st)
{
	(void)pf_listeners_set(st, false);
	st->backoff = true;
	st->resume_ns = pf_now_ns() + PF_BACKOFF_MS * 1000000LL;
}

/* Close a socket so that its peer sees a RST, not an orderly end: an error on one side must
 * not look like a complete transfer on the other. */
static void pf_close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A pipe for a new connection's direction: an empty one kept, else a new one. */
static int pf_pipe_get(struct pf_state *st, int p[2])
{
	if (st->npipes > 0) {
		st->npipes--;
		p[0] = st->pipes[st->npipes][0];
		p[1] = st->pipes[st->npipes][1];
		return 0;
	}
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

/* An ended connection's pipe: kept when it is empty (a reset one may still hold bytes) and
 * there is room, else closed. */
static void pf_pipe_put(struct pf_state *st, int p[2], bool empty)
{
	if (p[0] >= 0 && p[1] >= 0 && empty && st->npipes < PF_PIPE_POOL) {
		st->pipes[st->npipes][0] = p[0];
		st->pipes[st->npipes][1] = p[1];
		st->npipes++;
		return;
	}
	for (int k = 0; k < 2; k++) {
		if (p[k] >= 0)
			close(p[k]);
	}
}

/* End a connection; with reset, both peers get a RST. Freed after the round of events, which
 * may still name it. */
static void pf_conn_close(struct pf_state *st, struct pf_conn *c, bool reset)
{
	if (c->dead)
		return;
	for (int i = 0; i < 2; i++) {
		if (reset)
			pf_close_reset(c->fd[i]);
		else if (c->fd[i] >= 0)
			close(c->fd[i]);
		pf_pipe_put(st, c->half[i].pipe, !reset && c->half[i].queued == 0);
	}
	c->dead = true;
	c->next_dead = st->dead;
	st->dead = c;
	st->nconns--;
	/* A connection's fds and memory are free again: worth another accept, even backing off. */
	st->backoff = false;
	if (st->paused && st->nconns < st->max_conns && pf_listeners_set(st, true) < 0)
		pf_backoff(st); /* clients wait in the backlog meanwhile */
}

/* The small path of one direction whose pipe is empty: one recv(), one send(), and what the
 * destination did not take goes to the (empty) pipe, to leave by splice like the rest. 1: the
 * source is empty (a short read, as epoll(7) allows for stream sockets) or at EOF, 0: it may
 * have more (a full read), -errno: failed. */
static int pf_copy_small(struct pf_half *h, int src, int dst)
{
	char buf[PF_SMALL];
	ssize_t n = recv(src, buf, sizeof(buf), MSG_DONTWAIT), w;

	if (n == 0)
		h->eof = true;
	if (n <= 0)
		return n == 0 || errno == EAGAIN || errno == EINTR ? 1 : -errno;
	w = send(dst, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		return -errno;
	w = w < 0 ? 0 : w;
	if (w < n) {
		ssize_t k = write(h->pipe[1], buf + w, (size_t)(n - w));

		if (k != n - w)
			return k < 0 ? -errno : -EIO;
		h->queued += (size_t)k;
	}
	return n < (ssize_t)sizeof(buf) ? 1 : 0;
}

/* Move what one direction can move now. Edge-triggered: it goes on until the source is empty
 * (EAGAIN with an empty pipe) or the destination is full (EAGAIN), either of which brings a new
 * event. hup: the source's peer may have shut down (EPOLLRDHUP came with this edge): a short
 * read does not end the round then, the EOF behind the bytes must be read too. 1: waiting,
 * 0: this direction is finished (EOF passed on), -errno: failed. */
static int pf_pump(struct pf_conn *c, int i, bool hup)
{
	struct pf_half *h = &c->half[i];
	int src = c->fd[i], dst = c->fd[1 - i];
	size_t got = 0; /* read from the source in this call */

	if (h->done)
		return 0;
	if (!h->eof && h->queued == 0 && !h->bulk) {
		int r = pf_copy_small(h, src, dst);

		if (r < 0)
			return r;
		if (r == 1 && !h->eof && !hup)
			return 1; /* the source is empty; what is queued waits for EPOLLOUT */
		got = PF_SMALL;
	}
	for (;;) {
		bool moved = false;
		ssize_t n;

		if (!h->eof) {
			n = splice(src, NULL, h->pipe[1], NULL, 1 << 20,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued += (size_t)n;
				got += (size_t)n;
				moved = true;
			} else if (n == 0) {
				h->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -errno;
			}
		}
		if (h->queued > 0) {
			n = splice(h->pipe[0], NULL, dst, NULL, h->queued,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued -= (size_t)n;
				moved = true;
			} else if (n < 0 && errno == EAGAIN) {
				return 1;
			} else if (n < 0 && errno != EINTR) {
				return -errno;
			}
		}
		if (h->eof && h->queued == 0) {
			/* Half-close: the peer's EOF goes on as ours, the other direction lives on. */
			if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return -errno;
			h->done = true;
			return 0;
		}
		if (!moved) {
			/* The source is empty: next time, small again unless this was a stream. */
			h->bulk = got > PF_SMALL;
			return 1;
		}
	}
}

/* An event on one end: its readability moves its own direction, its writability the other
 * one's queued bytes; the direction with nothing to do costs no system call. */
static void pf_conn_event(struct pf_state *st, struct pf_end *e, uint32_t events)
{
	struct pf_conn *c = e->conn;
	int i = e->kind == PF_HOST ? 0 : 1, r = 1;
	bool in = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	bool out = events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
	bool hup = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);

	if (c->dead)
		return;
	if (c->connecting) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (e->kind != PF_INSIDE)
			return; /* the host's bytes wait in its socket until we are connected */
		/* A connect that succeeded reports EPOLLOUT alone: its SO_ERROR is read only when
		 * it reported an error or a hang-up. */
		if ((events & (EPOLLERR | EPOLLHUP)) &&
		    getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr != 0 || (events & (EPOLLERR | EPOLLHUP))) {
			/* Nothing listens inside: the host's client gets a RST, as a refused
			 * connection would give it. */
			pf_conn_close(st, c, true);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connecting = false;
		in = out = true;
		r = pf_pump(c, 1 - i, true); /* the host's bytes (and EOF) that waited */
	}
	if (r >= 0 && in)
		r = pf_pump(c, i, hup);
	if (r >= 0 && out && c->half[1 - i].queued > 0)
		r = pf_pump(c, 1 - i, false);
	if (r < 0)
		pf_conn_close(st, c, true);
	else if (c->half[0].done && c->half[1].done)
		pf_conn_close(st, c, false);
}

/* A socket inside the sandbox's network namespace (the forwarder lives there), from the
 * sandbox's own address, connecting to the published port. -errno on failure. */
static int pf_connect_inside(const struct publish_addrs *a, bool *in_progress)
{
	int one = 1;
	struct sockaddr_storage src = a->sandbox;
	_cleanup_close_ int fd = socket(a->sandbox.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* The source is the sandbox's address itself (the kernel would choose it too, since the
	 * destination is local): the server sees a peer that is not 127.0.0.1, and the reply
	 * stays on the namespace's loopback. The port is left to connect(), so the four-tuple
	 * and not the bind decides which ports can be shared. */
	if (src.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	else
		((struct sockaddr_in *)&src)->sin_port = 0;
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, a->sandbox_len) < 0)
		return -errno;
	*in_progress = false;
	if (connect(fd, (struct sockaddr *)&a->sandbox, a->sandbox_len) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		*in_progress = true;
	}
	return steal_fd(&fd);
}

static void pf_accept_one(struct pf_state *st, struct pf_listener *l, int host)
{
	struct pf_conn *c = calloc(1, sizeof(*c));
	int inside;
	bool in_progress = false;

	if (!c) {
		pf_close_reset(host);
		return;
	}
	c->fd[0] = host;
	c->fd[1] = -1;
	for (int i = 0; i < 2; i++)
		c->half[i].pipe[0] = c->half[i].pipe[1] = -1;
	inside = pf_connect_inside(&l->addrs, &in_progress);
	if (inside < 0 || pf_pipe_get(st, c->half[0].pipe) < 0 || pf_pipe_get(st, c->half[1].pipe) < 0) {
		/* Counted first so that closing it balances. */
		c->fd[1] = inside;
		st->nconns++;
		pf_conn_close(st, c, true);
		return;
	}
	c->fd[1] = inside;
	c->connecting = in_progress;
	st->nconns++;
	for (int i = 0; i < 2; i++) {
		c->end[i].kind = i == 0 ? PF_HOST : PF_INSIDE;
		c->end[i].conn = c;
		if (pf_add(st, c->fd[i], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->end[i]) < 0) {
			/* Never watched, it would hang its client: refuse it (closing also unwatches). */
			pf_conn_close(st, c, true);
			return;
		}
	}
	if (st->nconns >= st->max_conns)
		pf_listeners_set(st, false);
}

static void pf_accept(struct pf_state *st, struct pf_listener *l)
{
	/* A bounded batch, so one busy port cannot starve the others' connections. */
	for (int k = 0; k < 64 && !st->paused; k++) {
		int host = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (host < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS)
				pf_backoff(st);
			return; /* EAGAIN, or a client that went away before we took it */
		}
		pf_accept_one(st, l, host);
	}
}

/* epoll_wait's timeout: none, or what is left of the back-off; once it is over, the listeners
 * are watched again. */
static int pf_timeout_ms(struct pf_state *st)
{
	long long left;

	if (!st->backoff)
		return -1;
	left = st->resume_ns - pf_now_ns();
	if (left <= 0) {
		st->backoff = false;
		if (st->nconns >= st->max_conns || pf_listeners_set(st, true) == 0)
			return -1;
		pf_backoff(st); /* not even watching them works: later */
		return PF_BACKOFF_MS;
	}
	return (int)((left + 999999) / 1000000);
}

__attribute__((noreturn)) static void pf_loop(struct pf_state *st)
{
	struct epoll_event evs[64];
	int r = pf_listeners_set(st, true);

	if (r < 0) {
		warn_errno(-r, "network: published ports: watch the listeners");
		_exit(1);
	}
	for (;;) {
		int n = epoll_wait(st->ep, evs, ARRAY_SIZE(evs), pf_timeout_ms(st));

		if (n < 0 && errno != EINTR) {
			warn_errno(errno, "network: published ports: epoll_wait");
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			enum pf_kind *kind = evs[i].data.ptr;

			if (*kind == PF_LISTENER)
				pf_accept(st, (struct pf_listener *)kind);
			else
				pf_conn_event(st, (struct pf_end *)kind, evs[i].events);
		}
		while (st->dead) {
			struct pf_conn *c = st->dead;
			st->dead = c->next_dead;
			free(c);
		}
	}
}

/* ---- the forwarder: start ---- */

/* How many connections the fd limit allows (each takes two sockets and two pipes), raising the
 * soft limit to the hard one first. */
static size_t pf_max_conns(size_t nlisteners)
{
	struct rlimit rl;
	size_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 64;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 20)
		rl.rlim_cur = 1 << 20;
	fit = rl.rlim_cur > 16 + nlisteners + 2 * PF_PIPE_POOL ?
		      (rl.rlim_cur - 16 - nlisteners - 2 * PF_PIPE_POOL) / 6 : 1;
	return fit < PORTFWD_MAX_CONNS ? (fit ? fit : 1) : PORTFWD_MAX_CONNS;
}

/* SCHED_BATCH (open to any process): woken by a peer's bytes, the forwarder does not preempt
 * that peer, which is about to wait for the answer anyway; it runs when the CPU is free, by
 * then with several connections' bytes to move in one round: fewer context switches and less
 * CPU per request (docs/design.md). On an idle CPU it runs at once, as before. Only a
 * speed-up: when the kernel refuses, the forwarder works the same. */
static void pf_sched_batch(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (sched_setscheduler(0, SCHED_BATCH, &sp) < 0)
		debug("portfwd: SCHED_BATCH: %s (the forwarder keeps the normal policy)", strerror(errno));
}

/* Join the sandbox's namespaces: the user namespace first, which its owner (us) may join and
 * then holds every capability in, which setns into its network namespace needs. */
static int pf_join(int sock, char *err, size_t errlen)
{
	int ns[2] = { -1, -1 }, r;

	const char *step = "receive the sandbox's namespaces";

	r = pf_recv_ns(sock, ns);
	if (r == -EPIPE)
		_exit(0); /* the sandbox's child ended before its network was set up */
	if (r == 0) {
		step = "join the sandbox's user namespace";
		r = setns(ns[0], CLONE_NEWUSER) < 0 ? -errno : 0;
	}
	if (r == 0) {
		step = "join the sandbox's network namespace";
		r = setns(ns[1], CLONE_NEWNET) < 0 ? -errno : 0;
	}
	for (int i = 0; i < 2; i++) {
		if (ns[i] >= 0)
			close(ns[i]);
	}
	return r < 0 ? err_set(err, errlen, -r, "%s", step) : 0;
}

__attribute__((noreturn)) static void pf_main(pid_t helper, int sock, struct pf_listener *l,
					      size_t n, bool selftest_forbidden)
{
	static struct pf_state st;
	char why[256];
	int r;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != helper)
		_exit(1);
	(void)prctl(PR_SET_NAME, "sandbox-portfwd", 0, 0, 0);
	pf_sched_batch();
	/* splice() into a socket whose peer is gone raises SIGPIPE (it has no MSG_NOSIGNAL). */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		r = err_set(why, sizeof(why), errno, "ignore SIGPIPE");
		goto fail;
	}
	r = pf_close_others(sock, l, n);
	if (r < 0) {
		err_set(why, sizeof(why), -r, "close the helper's descriptors");
		goto fail;
	}
	if (chdir("/") < 0) {
		r = err_set(why, sizeof(why), errno, "chdir /");
		goto fail;
	}
	r = pf_join(sock, why, sizeof(why));
	if (r < 0)
		goto fail;
	close(sock);
	st.listeners = l;
	st.nlisteners = n;
	st.max_conns = pf_max_conns(n);
	st.ep = epoll_create1(EPOLL_CLOEXEC);
	if (st.ep < 0) {
		r = err_set(why, sizeof(why), errno, "epoll_create1");
		goto fail;
	}
	/* Not ptraceable nor readable through /proc by anyone in the sandbox's user namespace,
	 * which it has just joined. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = err_set(why, sizeof(why), errno, "set non-dumpable");
		goto fail;
	}
	r = usernet_lockdown_with(portfwd_allowed, ARRAY_SIZE(portfwd_allowed), why, sizeof(why));
	if (r < 0)
		goto fail;
	if (selftest_forbidden) {
		/* As the helper's: a harmless call the loop never makes, which must kill us. */
		struct utsname un;
		(void)uname(&un);
		warnx("network: published ports: selftest: uname was allowed after the lock-down");
		_exit(3);
	}
	pf_loop(&st);
fail:
	warnx("network: published ports: %s", why);
	_exit(1);
}

int portfwd_start(const struct publish *pub, size_t n, bool selftest_forbidden, struct portfwd *pf, char *err,
		  size_t errlen)
{
	struct pf_listener *l = calloc(n ? n : 1, sizeof(*l));
	size_t nl = 0;
	pid_t helper = getpid(), pid;
	int sk[2], r = 0;

	pf->pid = -1;
	pf->sock = -1;
	if (!l)
		return err_set(err, errlen, ENOMEM, "published ports");
	for (size_t i = 0; i < n && r == 0; i++) {
		if (pub[i].udp)
			continue;
		l[nl].fd = -1;
		r = pf_listen(&pub[i], &l[nl], err, errlen);
		nl++;
	}
	if (r == 0 && nl > 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0)
		r = err_set(err, errlen, errno, "published ports: socketpair");
	if (r == 0 && nl > 0) {
		pid = fork();
		if (pid == 0) {
			close(sk[0]);
			pf_main(helper, sk[1], l, nl, selftest_forbidden);
		}
		if (pid < 0) {
			r = err_set(err, errlen, errno, "published ports: fork the forwarder");
			close(sk[0]);
		} else {
			pf->pid = pid;
			pf->sock = sk[0];
		}
		close(sk[1]);
	}
	/* The forwarder holds the listeners now: the helper's copies would keep a port open
	 * after the forwarder is gone, so a client would hang instead of being refused. */
	for (size_t i = 0; i < nl; i++) {
		if (l[i].fd >= 0)
			close(l[i].fd);
	}
	free(l);
	return r;
}
