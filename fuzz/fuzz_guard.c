/* fuzz_guard.c: libFuzzer harness for the helper's packet path: frames from the sandbox through
 * the guard into libslirp (loop_input_frame, exactly what the loop does with each frame it reads
 * from the tap), and libslirp's frames back through the guard's learning side.
 *
 * Input: records of one flags byte (bit 0: a frame from libslirp to the sandbox, fed to
 * usernet_guard_out; bit 1: as with --allow-host-loopback), a 2-byte big-endian length and that
 * many bytes (cut at the input's end).
 * Frames are copied into the loop's own frame buffer (MTU + 14 bytes), as the tap read does.
 *
 * libslirp opens real sockets for what the frames ask, so the harness first moves into new user
 * and network namespaces: they reach nothing (no route, lo down), and no traffic leaves this
 * machine. Its clock advances one second per input so UDP sessions expire and sockets do not
 * pile up over a long run. libslirp itself is not instrumented: a crash in it (such as 4.7.0's
 * ip_reass) still stops the run with the input that caused it. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "netaddr.h"
#include "usernet.h"

static struct usernet u;
static struct net_policy policy;

/* Map our ids in the new user namespace, so that a child (libFuzzer's -merge and -fork runs
 * re-execute the harness) can create namespaces of its own again. */
static void fuzz_map_ids(uid_t uid, gid_t gid)
{
	FILE *f;

	if ((f = fopen("/proc/self/uid_map", "w"))) {
		fprintf(f, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
		fclose(f);
	}
	if ((f = fopen("/proc/self/setgroups", "w"))) {
		fputs("deny\n", f);
		fclose(f);
	}
	if ((f = fopen("/proc/self/gid_map", "w"))) {
		fprintf(f, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
		fclose(f);
	}
}

static int fuzz_add_poll(int fd, int events, void *opaque)
{
	(void)fd;
	(void)events;
	(void)opaque;
	return 0;
}

static int fuzz_get_revents(int idx, void *opaque)
{
	(void)idx;
	(void)opaque;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	uid_t uid = geteuid();
	gid_t gid = getegid();

	(void)argc;
	(void)argv;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		perror("fuzz_guard: unshare user and network namespaces (needed so that nothing leaves)");
		abort();
	}
	fuzz_map_ids(uid, gid);
	/* A policy with an address range and a name, so that the verdict and the learning from
	 * DNS answers run; the flow log goes to /dev/null. */
	netpolicy_init(&policy);
	if (netpolicy_add(&policy, "10.0.2.2:8000-9000", err, sizeof(err)) < 0 ||
	    netpolicy_add(&policy, "svc.test:80", err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_guard: %s\n", err);
		abort();
	}
	if (usernet_init(&u, DEFAULT_MTU, false, &policy, open("/dev/null", O_WRONLY | O_CLOEXEC), err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_guard: %s\n", err);
		abort();
	}
	/* A published UDP port, so that the reply path (learnt from libslirp's frames) is in play. */
	usernet_guard_add_udp_port(&u.guard, 9000);
	u.tap_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	u.loop.tap_fd = u.tap_fd;
	u.loop.slirp = u.slirp;
	return u.tap_fd < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t timeout = 0;

	while (size >= 3) {
		bool out = data[0] & 1;
		u.guard.allow_loopback = data[0] & 2;
		u.guard.policy = data[0] & 4 ? &policy : NULL;
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > u.loop.frame_len)
			len = u.loop.frame_len;
		memcpy(u.loop.frame, data, len);
		if (out) {
			usernet_guard_out(&u.guard, u.loop.frame, len);
			usernet_flows_out(&u.flows, u.loop.frame, len, u.loop.now_ns);
		} else
			loop_input_frame(&u.loop, u.loop.frame, len);
		data += len;
		size -= len;
	}
	/* A round of the loop without ready sockets: timers, expiry, the output queue. */
	u.loop.now_ns += 1000000000LL;
	usernet_flows_sweep(&u.flows, u.loop.now_ns, false);
	slirp_pollfds_fill(u.slirp, &timeout, fuzz_add_poll, NULL);
	slirp_pollfds_poll(u.slirp, 1, fuzz_get_revents, NULL);
	return 0;
}
