/* loop.c: the epoll loop (see loop.h for the shape of a round).
 *
 * Why epoll rather than the poll() array libslirp's API was designed around: with many
 * connections most fds keep the same interest from round to round, so keeping them registered
 * costs nothing, while poll() would copy and scan the whole array on every wake-up.
 *
 * Why fds that libslirp did not ask for this round are removed from the set rather than left
 * with no events: epoll reports EPOLLHUP/EPOLLERR even when no event is requested, and a
 * level-triggered report that libslirp will not look at would wake the loop again at once. */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"


#define ETH_HLEN_MAX 14
/* Frames read from the tap per wake-up before libslirp's sockets get their turn. The tap stays
 * level-triggered, so whatever is left wakes the next round at once: a batch bound keeps a busy
 * sandbox from starving host-side sockets, while still taking ten times fewer wake-ups than
 * one frame per round. */
#define LOOP_TAP_BATCH 256
#define LOOP_EVENTS 64
/* Tags in epoll_event.data for the two fds the loop owns; libslirp's fds are >= 0. */
#define LOOP_TAG_TAP (-1)
#define LOOP_TAG_CTL (-2)

int loop_init(struct loop *l, unsigned mtu, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->tap_fd = l->ctl_fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		err_set(err, errlen, e, "epoll_create1");
		return -e;
	}
	l->frame_len = (size_t)mtu + ETH_HLEN_MAX;
	l->frame = malloc(l->frame_len);
	if (!l->frame) {
		close(l->epfd);
		l->epfd = -1;
		err_set(err, errlen, ENOMEM, "frame buffer");
		return -ENOMEM;
	}
	loop_update_clock(l);
	return 0;
}

void loop_destroy(struct loop *l)
{
	struct loop_timer *t = l->timers;

	while (t) {
		struct loop_timer *next = t->next;
		free(t);
		t = next;
	}
	free(l->fds);
	free(l->round);
	free(l->reg);
	free(l->frame);
	if (l->epfd >= 0)
		close(l->epfd);
	memset(l, 0, sizeof(*l));
	l->epfd = -1;
}

void loop_update_clock(struct loop *l)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id; keep the old value if it ever did. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		l->now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t loop_now_ns(struct loop *l)
{
	return l->now_ns;
}

void loop_fail(struct loop *l, int err, const char *what)
{
	if (l->failed)
		return; /* keep the first reason: later ones are usually its consequences */
	l->failed = err > 0 ? -err : (err ? err : -EIO);
	snprintf(l->why, sizeof(l->why), "%s: %s", what, strerror(-l->failed));
}

struct loop_timer *loop_timer_new(struct loop *l, SlirpTimerId id, void *cb_opaque)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t) {
		/* libslirp has no way to take a failure here; without the timer, IPv6 router
		 * advertisements would silently stop. */
		loop_fail(l, ENOMEM, "timer");
		return NULL;
	}
	t->expire_ms = -1;
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void loop_timer_mod(struct loop *l, struct loop_timer *t, int64_t expire_ms)
{
	(void)l;
	if (t)
		t->expire_ms = expire_ms;
}

void loop_timer_free(struct loop *l, struct loop_timer *t)
{
	for (struct loop_timer **p = &l->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			free(t);
			return;
		}
	}
}

/* Grow a table to hold at least n entries: amortised doubling, so it happens a handful of times
 * over the helper's life, never per packet. */
static int loop_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *p;

	if (n <= *cap)
		return 0;
	while (ncap < n)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct loop_fd *loop_fd_get(struct loop *l, int fd)
{
	size_t old = l->nfds_cap;

	if ((size_t)fd >= l->nfds_cap) {
		if (loop_grow((void **)&l->fds, &l->nfds_cap, (size_t)fd + 1, sizeof(*l->fds)) < 0)
			return NULL;
		memset(l->fds + old, 0, (l->nfds_cap - old) * sizeof(*l->fds));
		for (size_t i = old; i < l->nfds_cap; i++)
			l->fds[i].reg_pos = -1;
	}
	return &l->fds[fd];
}

static void loop_reg_remove(struct loop *l, int fd)
{
	struct loop_fd *e = &l->fds[fd];
	int last = l->reg[l->nreg - 1];

	l->reg[e->reg_pos] = last;
	l->fds[last].reg_pos = e->reg_pos;
	l->nreg--;
	e->reg_pos = -1;
	e->want = 0;
}

void loop_fd_forget(struct loop *l, int fd)
{
	/* The kernel drops a closed fd from the epoll set by itself; only our record must go, or
	 * a new socket that gets the same number with the same interest would never be added. */
	if (fd >= 0 && (size_t)fd < l->nfds_cap && l->fds[fd].reg_pos >= 0)
		loop_reg_remove(l, fd);
}

static uint32_t loop_to_epoll(int ev)
{
	uint32_t e = 0;

	if (ev & SLIRP_POLL_IN)
		e |= EPOLLIN;
	if (ev & SLIRP_POLL_OUT)
		e |= EPOLLOUT;
	if (ev & SLIRP_POLL_PRI)
		e |= EPOLLPRI;
	/* ERR and HUP are always reported by epoll. */
	return e;
}

static int loop_from_epoll(uint32_t e)
{
	int ev = 0;

	if (e & EPOLLIN)
		ev |= SLIRP_POLL_IN;
	if (e & EPOLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (e & EPOLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (e & EPOLLERR)
		ev |= SLIRP_POLL_ERR;
	if (e & EPOLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* implements SlirpAddPollCb: libslirp wants fd watched for events this round. */
static int loop_add_poll(int fd, int events, void *opaque)
{
	struct loop *l = opaque;
	struct loop_fd *e;
	uint32_t want = loop_to_epoll(events);

	if (fd < 0 || loop_grow((void **)&l->round, &l->round_cap, l->nround + 1,
				sizeof(*l->round)) < 0 ||
	    !(e = loop_fd_get(l, fd))) {
		loop_fail(l, ENOMEM, "poll table");
		return -1;
	}
	e->seen_gen = l->gen;
	if (events & SLIRP_POLL_OUT)
		l->round_wants_out = true;
	if (e->reg_pos < 0 || e->want != want) {
		struct epoll_event ev = { .events = want, .data.fd = fd };
		int r;

		if (e->reg_pos >= 0) {
			r = epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
			/* Closed and reopened behind our back: the kernel already dropped it. */
			if (r < 0 && errno == ENOENT)
				r = epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
		} else {
			r = epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
			/* Forgotten by a register_poll_fd call for an fd that stayed open. */
			if (r < 0 && errno == EEXIST)
				r = epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
		}
		if (r < 0) {
			loop_fail(l, errno, "epoll_ctl");
			return -1;
		}
		if (e->reg_pos < 0) {
			if (loop_grow((void **)&l->reg, &l->reg_cap, l->nreg + 1, sizeof(*l->reg)) < 0) {
				epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
				loop_fail(l, ENOMEM, "poll table");
				return -1;
			}
			e->reg_pos = (int)l->nreg;
			l->reg[l->nreg++] = fd;
		}
		e->want = want;
	}
	l->round[l->nround] = fd;
	return (int)l->nround++;
}

/* implements SlirpGetREventsCb: what happened to the fd of add_poll's index idx. */
static int loop_get_revents(int idx, void *opaque)
{
	struct loop *l = opaque;
	struct loop_fd *e;

	if (idx < 0 || (size_t)idx >= l->nround)
		return 0;
	e = &l->fds[l->round[idx]];
	return e->ready_gen == l->gen ? loop_from_epoll(e->revents) : 0;
}

/* Drop from the epoll set every fd libslirp did not ask for this round. */
static void loop_prune(struct loop *l)
{
	for (size_t i = 0; i < l->nreg;) {
		int fd = l->reg[i];

		if (l->fds[fd].seen_gen != l->gen) {
			/* ENOENT/EBADF: already closed, which removed it; nothing else can fail. */
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			loop_reg_remove(l, fd); /* moves the last entry to i: look at i again */
		} else {
			i++;
		}
	}
}

/* Milliseconds until the earliest armed timer, -1 when none; 0 when one is due. */
static int64_t loop_timer_wait(struct loop *l)
{
	int64_t now_ms = l->now_ns / 1000000, best = -1;

	for (struct loop_timer *t = l->timers; t; t = t->next) {
		if (t->expire_ms < 0)
			continue;
		int64_t d = t->expire_ms > now_ms ? t->expire_ms - now_ms : 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

static void loop_run_timers(struct loop *l)
{
	int64_t now_ms = l->now_ns / 1000000;
	bool again = true;

	/* A handler may free or re-arm timers (libslirp re-arms the RA timer from its handler), so
	 * restart the walk after each one; there are only a few timers. */
	while (again) {
		again = false;
		for (struct loop_timer *t = l->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
				t->expire_ms = -1;
				slirp_handle_timer(l->slirp, t->id, t->cb_opaque);
				again = true;
				break;
			}
		}
	}
}

/* Answer a refused frame towards the sandbox. Best effort, like any frame on the tap: when the
 * write fails (a full queue, the tap going away) the sandbox's own retry meets the same
 * refusal. */
static void loop_refuse(struct loop *l, const unsigned char *frame, size_t len)
{
	unsigned char reply[USERNET_REJECT_MAX];
	size_t n = usernet_guard_reject(frame, len, reply, sizeof(reply));
	ssize_t w = n > 0 ? write(l->tap_fd, reply, n) : 0;

	(void)w;
}

void loop_input_frame(struct loop *l, const unsigned char *frame, size_t len)
{
	enum usernet_verdict v = usernet_guard_in(l->guard, frame, len);

	if (l->flows)
		usernet_flows_in(l->flows, l->guard->policy, frame, len, v, l->now_ns);
	switch (v) {
	case USERNET_PASS:
		slirp_input(l->slirp, frame, (int)len);
		break;
	case USERNET_REJECT:
		loop_refuse(l, frame, len);
		break;
	case USERNET_DROP:
		break;
	}
}

/* Read frames until the tap is empty (or the batch bound), feeding each to libslirp. 1 when the
 * tap is gone (the sandbox's network namespace ended), 0, or -errno. */
static int loop_drain_tap(struct loop *l)
{
	for (int i = 0; i < LOOP_TAP_BATCH; i++) {
		ssize_t n = read(l->tap_fd, l->frame, l->frame_len);

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			/* EBADFD: the device was unregistered under the fd (namespace gone). */
			if (errno == EBADFD || errno == EIO)
				return 1;
			return -errno;
		}
		if (n == 0)
			return 1;
		loop_input_frame(l, l->frame, (size_t)n);
	}
	return 0;
}

/* The control socket carries nothing after "ready": readable means EOF or an error, both the
 * end. Any message is ignored (a future stop request needs no content). 1 at EOF. */
static int loop_check_ctl(struct loop *l)
{
	char b[64];

	for (;;) {
		ssize_t n = recv(l->ctl_fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0)
			return 1;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return 1; /* ECONNRESET and the like: the supervisor is gone */
	}
}

/* How long a finished sandbox's last bytes may take to reach the host. */
#define LOOP_DRAIN_NS (2 * 1000000000LL)

/* The sandbox side is gone: stop listening to it, keep flushing towards the host. */
static void loop_start_drain(struct loop *l)
{
	if (l->draining)
		return;
	l->draining = true;
	l->drain_deadline_ns = l->now_ns + LOOP_DRAIN_NS;
	/* Nothing more comes from the sandbox or goes to it: every flow is complete. */
	if (l->flows)
		usernet_flows_sweep(l->flows, l->now_ns, true);
	/* The supervisor returns without waiting for the drain: its exit must not cut it short. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->tap_fd, NULL);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->ctl_fd, NULL);
}

int loop_run(struct loop *l, Slirp *slirp, int tap_fd, int ctl_fd, char *err, size_t errlen)
{
	struct epoll_event evs[LOOP_EVENTS];
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = LOOP_TAG_TAP };

	l->slirp = slirp;
	l->tap_fd = tap_fd;
	l->ctl_fd = ctl_fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, tap_fd, &ev) < 0) {
		int e = errno;
		err_set(err, errlen, e, "epoll_ctl tap");
		return -e;
	}
	ev.data.fd = LOOP_TAG_CTL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, ctl_fd, &ev) < 0) {
		int e = errno;
		err_set(err, errlen, e, "epoll_ctl control socket");
		return -e;
	}

	for (;;) {
		uint32_t timeout = UINT32_MAX;
		int64_t twait;
		int n, wait_ms, r;
		bool tap_ready = false;

		l->gen++;
		l->nround = 0;
		l->round_wants_out = false;
		slirp_pollfds_fill(slirp, &timeout, loop_add_poll, l);
		loop_prune(l);
		if (l->failed)
			break;
		if (l->draining && (!l->round_wants_out || l->now_ns >= l->drain_deadline_ns))
			return 0;

		/* Sleep exactly until the first thing that needs us: libslirp's own timeout
		 * (its fast/slow TCP timers) or the earliest timer it armed. */
		twait = loop_timer_wait(l);
		wait_ms = timeout == UINT32_MAX ? -1 : (int)(timeout > INT32_MAX ? INT32_MAX : timeout);
		if (twait >= 0 && (wait_ms < 0 || twait < wait_ms))
			wait_ms = (int)(twait > INT32_MAX ? INT32_MAX : twait);
		/* Idle UDP flows are written out within about a second of their timeout. */
		if (l->flows && l->flows->used > 0 && (wait_ms < 0 || wait_ms > 1000))
			wait_ms = 1000;
		if (l->draining) {
			int left = (int)((l->drain_deadline_ns - l->now_ns) / 1000000 + 1);
			if (wait_ms < 0 || wait_ms > left)
				wait_ms = left;
		}

		n = epoll_wait(l->epfd, evs, LOOP_EVENTS, wait_ms);
		loop_update_clock(l);
		if (n < 0) {
			if (errno != EINTR) {
				int e = errno;
				err_set(err, errlen, e, "epoll_wait");
				return -e;
			}
			n = 0;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == LOOP_TAG_TAP) {
				/* EPOLLERR/HUP on a tap: the device was unregistered. */
				if (evs[i].events & (EPOLLERR | EPOLLHUP))
					loop_start_drain(l);
				else
					tap_ready = true;
			} else if (fd == LOOP_TAG_CTL) {
				if (loop_check_ctl(l))
					loop_start_drain(l);
			} else if ((size_t)fd < l->nfds_cap) {
				l->fds[fd].revents = evs[i].events;
				l->fds[fd].ready_gen = l->gen;
			}
		}
		if (tap_ready && !l->draining) {
			/* libslirp 4.7 reads its clock ("curtime") only in slirp_pollfds_poll, yet
			 * slirp_input stamps new UDP and ICMP sessions with it: a session opened
			 * with a stale curtime gets an expiry already in the past, and the next
			 * slirp_pollfds_fill closes its socket before the host's reply is read.
			 * Before the first poll curtime is 0, so the datagrams a sandbox sends right
			 * at start-up (queued on the tap while the helper locked itself down) were
			 * lost every time. A poll with select_error set services no socket: it only
			 * brings curtime up to date (and runs due TCP timers and the output queue),
			 * so every frame reaches libslirp with the clock of this wake-up. */
			slirp_pollfds_poll(slirp, 1, loop_get_revents, l);
			r = loop_drain_tap(l);
			if (r > 0)
				loop_start_drain(l);
			if (r < 0) {
				err_set(err, errlen, -r, "read from tap");
				return r;
			}
		}
		/* Every wake-up, also one caused only by the tap: libslirp flushes what
		 * slirp_input queued for the host and notices sockets that became writable. */
		slirp_pollfds_poll(slirp, 0, loop_get_revents, l);
		loop_run_timers(l);
		if (l->flows)
			usernet_flows_sweep(l->flows, l->now_ns, false);
		if (l->failed)
			break;
	}
	return err_set(err, errlen, l->failed, "%s", l->why);
}
