/* test_portfwd.c: the forwarder's pump, one direction between two socket pairs: the small path
 * (recv, send) and what it leaves in the pipe, the EOF behind a short read, bulk by splice.
 * portfwd.c is included for its static functions (first: it sets _GNU_SOURCE). */
#include "../../src/portfwd.c"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* One connection whose direction 0 runs from src[0] (written at src[1]) to dst[0] (read at
 * dst[1]); direction 1 is unused. */
struct rig {
	struct pf_conn c;
	int src[2], dst[2];
};

static void rig_open(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->src), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->dst), 0);
	assert_int_equal(pipe2(r->c.half[0].pipe, O_NONBLOCK), 0);
	r->c.fd[0] = r->src[0];
	r->c.fd[1] = r->dst[0];
}

static void rig_close(struct rig *r)
{
	int fds[] = { r->src[0], r->src[1], r->dst[0], r->dst[1], r->c.half[0].pipe[0],
		      r->c.half[0].pipe[1] };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 131 + 7);
}

/* Read what dst[1] has now, checking it against the pattern from *off on. */
static void read_pattern(int fd, size_t *off)
{
	unsigned char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(buf[i], pattern(*off + (size_t)i));
		*off += (size_t)n;
	}
}

/* The destination is full: the small path's bytes wait in the pipe, and leave, in order, once
 * the destination reads. */
static void test_small_into_pipe_when_full(void **state)
{
	struct rig r;
	unsigned char msg[1000], fill[4096];
	size_t filled = 0, off = 0;
	ssize_t n;

	(void)state;
	rig_open(&r);
	memset(fill, 'f', sizeof(fill));
	while ((n = send(r.dst[0], fill, sizeof(fill), MSG_DONTWAIT)) > 0)
		filled += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = pattern(i);
	assert_int_equal(write(r.src[1], msg, sizeof(msg)), sizeof(msg));

	assert_int_equal(pf_pump(&r.c, 0, false), 1);
	assert_int_equal(r.c.half[0].queued, sizeof(msg));

	while (filled > 0) {
		n = read(r.dst[1], fill, filled < sizeof(fill) ? filled : sizeof(fill));
		assert_true(n > 0);
		filled -= (size_t)n;
	}
	assert_int_equal(pf_pump(&r.c, 0, false), 1);
	assert_int_equal(r.c.half[0].queued, 0);
	read_pattern(r.dst[1], &off);
	assert_int_equal(off, sizeof(msg));
	rig_close(&r);
}

/* Bytes and the peer's EOF in one edge: a short read alone would leave the EOF unread (no new
 * edge comes for it); with hup the pump reads it and passes the half-close on. */
static void test_eof_behind_short_read(void **state)
{
	struct rig r;
	char buf[16];

	(void)state;
	rig_open(&r);
	assert_int_equal(write(r.src[1], "hello", 5), 5);
	assert_int_equal(shutdown(r.src[1], SHUT_WR), 0);

	assert_int_equal(pf_pump(&r.c, 0, true), 0);
	assert_true(r.c.half[0].done);
	assert_int_equal(read(r.dst[1], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(read(r.dst[1], buf, sizeof(buf)), 0);
	rig_close(&r);
}

/* More than the small size: spliced, in order, and the direction is marked bulk. */
static void test_bulk_by_splice(void **state)
{
	struct rig r;
	static unsigned char big[48 * 1024];
	size_t off = 0;

	(void)state;
	rig_open(&r);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = pattern(i);
	assert_int_equal(write(r.src[1], big, sizeof(big)), sizeof(big));
	for (int k = 0; k < 100 && off < sizeof(big); k++) {
		assert_true(pf_pump(&r.c, 0, false) >= 0);
		read_pattern(r.dst[1], &off);
	}
	assert_int_equal(off, sizeof(big));
	assert_true(r.c.half[0].bulk);
	rig_close(&r);
}

/* An ended connection's empty pipe is kept and handed to the next one; one that may hold bytes
 * is closed. */
static void test_pipe_pool(void **state)
{
	static struct pf_state st;
	int a[2], b[2], got[2];

	(void)state;
	assert_int_equal(pipe2(a, O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK), 0);
	pf_pipe_put(&st, a, true);
	pf_pipe_put(&st, b, false);
	assert_int_equal(st.npipes, 1);
	assert_int_equal(fcntl(b[0], F_GETFD), -1);
	assert_int_equal(pf_pipe_get(&st, got), 0);
	assert_int_equal(got[0], a[0]);
	assert_int_equal(got[1], a[1]);
	assert_int_equal(st.npipes, 0);
	assert_int_equal(pf_pipe_get(&st, b), 0); /* none kept: a new one */
	assert_true(b[0] >= 0 && b[0] != a[0] && b[0] != a[1]);
	for (int k = 0; k < 2; k++) {
		close(a[k]);
		close(b[k]);
	}
}

/* accept4 failing for want of fds: the listeners leave the epoll set for a while (a client
 * still in the backlog would wake the loop at once, for ever), and come back when the back-off
 * ends. */
static void test_accept_backoff(void **state)
{
	static struct pf_state st;
	struct pf_listener l = { .kind = PF_LISTENER };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct epoll_event ev;
	struct rlimit old, low;
	int client, spare, timeout;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(st.ep >= 0);
	st.listeners = &l;
	st.nlisteners = 1;
	st.max_conns = 4;
	l.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(l.fd >= 0);
	assert_int_equal(bind(l.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l.fd, 8), 0);
	assert_int_equal(getsockname(l.fd, (struct sockaddr *)&a, &alen), 0);
	client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(client >= 0);
	assert_int_equal(connect(client, (struct sockaddr *)&a, sizeof(a)), 0);
	pf_listeners_set(&st, true);
	assert_int_equal(epoll_wait(st.ep, &ev, 1, 1000), 1);

	/* No fd left for accept4: EMFILE. */
	spare = dup(st.ep);
	assert_true(spare >= 0);
	close(spare);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)spare;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pf_accept(&st, &l);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(st.paused && st.backoff);
	assert_int_equal(st.nconns, 0);
	assert_int_equal(epoll_wait(st.ep, &ev, 1, 0), 0); /* the listener is not watched */
	timeout = pf_timeout_ms(&st);
	assert_true(timeout > 0 && timeout <= PF_BACKOFF_MS);

	/* The back-off over: watched again, and the client is still there to take. */
	st.resume_ns = pf_now_ns() - 1;
	assert_int_equal(pf_timeout_ms(&st), -1);
	assert_false(st.paused || st.backoff);
	assert_int_equal(epoll_wait(st.ep, &ev, 1, 1000), 1);
	close(client);
	close(l.fd);
	close(st.ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_into_pipe_when_full),
		cmocka_unit_test(test_eof_behind_short_read),
		cmocka_unit_test(test_bulk_by_splice),
		cmocka_unit_test(test_pipe_pool),
		cmocka_unit_test(test_accept_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
