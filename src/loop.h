/* loop.h: the epoll loop that drives libslirp in the network helper.
 *
 * One thread. Per round: libslirp says which sockets it wants (slirp_pollfds_fill), the loop
 * brings the epoll set in line with that (only changes cost a syscall), sleeps until an fd is
 * ready or the earliest of libslirp's poll timeout and its timers, drains the tap into libslirp
 * in a batch, lets libslirp service its sockets (slirp_pollfds_poll, on every wake-up so that
 * no socket starves behind a busy tap), and runs due timers. Nothing is allocated per round or
 * per packet: tables grow only when libslirp uses a higher fd or more sockets than before. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <slirp/libslirp.h>

#include "usernet_filter.h"
#include "usernet_flows.h"

struct loop_timer {
	struct loop_timer *next;
	int64_t expire_ms; /* on the loop's clock; -1: not armed */
	SlirpTimerId id;
	void *cb_opaque;
};

struct loop_fd {
	uint32_t want;     /* epoll events registered for this fd (0: not in the epoll set) */
	uint32_t revents;  /* what epoll reported this round, valid when ready_gen == gen */
	uint64_t seen_gen; /* round in which libslirp last asked for this fd */
	uint64_t ready_gen;
	int reg_pos;       /* index in loop.reg, or -1 */
};

struct loop {
	int epfd;
	int tap_fd;
	int ctl_fd;
	Slirp *slirp;
	uint64_t gen;
	int64_t now_ns; /* CLOCK_MONOTONIC, read once per wake-up */

	struct loop_fd *fds; /* indexed by fd */
	size_t nfds_cap;
	int *round; /* fds added this round, in libslirp's order: add_poll returns the index */
	size_t nround, round_cap;
	int *reg; /* fds in the epoll set that libslirp owns */
	size_t nreg, reg_cap;

	struct loop_timer *timers;
	/* Judges every frame from the tap before libslirp sees it (owned by the caller). */
	struct usernet_guard *guard;
	/* --flow-log's table, or NULL (owned by the caller): counts every frame from the tap. */
	struct usernet_flows *flows;

	unsigned char *frame; /* one tap frame: MTU + Ethernet header */
	size_t frame_len;

	/* The sandbox is gone (tap hung up, or the supervisor closed the control socket): the
	 * loop only delivers what libslirp still holds for the host, until nothing waits to be
	 * written (no socket asks for POLL_OUT) or the deadline passes. */
	bool draining;
	bool round_wants_out;
	int64_t drain_deadline_ns;

	/* Set by a callback that hit an unrecoverable error; the loop stops at the end of the
	 * round and reports it. */
	int failed;
	char why[160];
};

/* 0 or -errno with a reason in err. mtu sizes the frame buffer. */
int loop_init(struct loop *l, unsigned mtu, char *err, size_t errlen);
void loop_destroy(struct loop *l);
/* The cached clock, for SlirpCb.clock_get_ns. */
int64_t loop_now_ns(struct loop *l);
/* Re-read the clock (before libslirp runs outside the loop, at set-up). */
void loop_update_clock(struct loop *l);
/* Timers for SlirpCb.timer_new_opaque/timer_mod/timer_free. Allocation happens only when
 * libslirp creates a timer, at set-up, never per packet. */
struct loop_timer *loop_timer_new(struct loop *l, SlirpTimerId id, void *cb_opaque);
void loop_timer_mod(struct loop *l, struct loop_timer *t, int64_t expire_ms);
void loop_timer_free(struct loop *l, struct loop_timer *t);
/* libslirp is about to close fd or has created it anew (SlirpCb.unregister_poll_fd and
 * register_poll_fd): whatever the epoll set held for that number is stale. */
void loop_fd_forget(struct loop *l, int fd);
/* One frame from the sandbox (len <= the frame buffer's size): the guard judges it, then it goes
 * to libslirp, or its refusal goes back to the tap, or nothing. The whole packet path from the
 * tap, also driven by the fuzz harness (fuzz/fuzz_guard.c). */
void loop_input_frame(struct loop *l, const unsigned char *frame, size_t len);
/* Record an unrecoverable error from a callback; the loop ends with it. */
void loop_fail(struct loop *l, int err, const char *what);
/* Run until ctl_fd reaches EOF (the supervisor is gone or stopped us) or the tap hangs up
 * (the sandbox's network namespace is gone): 0. On a tap or epoll error, or a callback's
 * failure: -errno with the reason in err. */
int loop_run(struct loop *l, Slirp *slirp, int tap_fd, int ctl_fd, char *err, size_t errlen);
