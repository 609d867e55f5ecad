/* test_usernet_flows.c: --flow-log's flow table: a flow per TCP connection or UDP destination,
 * bytes counted both ways, one JSON line when it ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "usernet_flows.h"

enum { TCP = 6, UDP = 17 };
#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04

/* An Ethernet frame from src to dst with payload bytes of data. */
static size_t frame(unsigned char *f, const char *src, const char *dst, int proto, uint16_t sport,
		    uint16_t dport, uint8_t flags, size_t payload)
{
	bool v6 = strchr(dst, ':') != NULL;
	size_t ip = 14, l4 = ip + (v6 ? 40 : 20), hl = proto == TCP ? 20 : 8;

	memset(f, 0, l4 + hl + payload);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[ip] = 0x60;
		f[ip + 4] = (unsigned char)((hl + payload) >> 8);
		f[ip + 5] = (unsigned char)(hl + payload);
		f[ip + 6] = (unsigned char)proto;
		inet_pton(AF_INET6, src, f + ip + 8);
		inet_pton(AF_INET6, dst, f + ip + 24);
	} else {
		f[ip] = 0x45;
		f[ip + 2] = (unsigned char)((20 + hl + payload) >> 8);
		f[ip + 3] = (unsigned char)(20 + hl + payload);
		f[ip + 9] = (unsigned char)proto;
		inet_pton(AF_INET, src, f + ip + 12);
		inet_pton(AF_INET, dst, f + ip + 16);
	}
	f[l4] = (unsigned char)(sport >> 8);
	f[l4 + 1] = (unsigned char)sport;
	f[l4 + 2] = (unsigned char)(dport >> 8);
	f[l4 + 3] = (unsigned char)dport;
	if (proto == TCP) {
		f[l4 + 12] = 5 << 4;
		f[l4 + 13] = flags;
	}
	return l4 + hl + payload;
}

struct fixture {
	struct usernet_flows flows;
	int pipe[2];
	unsigned char f[2048];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(pipe(x->pipe), 0);
	assert_int_equal(usernet_flows_init(&x->flows, x->pipe[1]), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	usernet_flows_destroy(&x->flows);
	close(x->pipe[0]);
	close(x->pipe[1]);
	free(x);
	return 0;
}

/* What was written so far (non-blocking read of the pipe). */
static const char *lines(struct fixture *x)
{
	static char buf[8192];
	ssize_t n;

	fcntl(x->pipe[0], F_SETFL, O_NONBLOCK);
	n = read(x->pipe[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void in(struct fixture *x, const char *dst, int proto, uint16_t sport, uint16_t dport,
	       uint8_t flags, size_t payload, enum usernet_verdict v, const struct net_policy *p)
{
	const char *src = strchr(dst, ':') ? "fd00::100" : "10.0.2.100";
	size_t n = frame(x->f, src, dst, proto, sport, dport, flags, payload);

	usernet_flows_in(&x->flows, p, x->f, n, v, 1000);
}

static void out(struct fixture *x, const char *from, int proto, uint16_t sport, uint16_t dport,
		uint8_t flags, size_t payload)
{
	const char *to = strchr(from, ':') ? "fd00::100" : "10.0.2.100";
	size_t n = frame(x->f, from, to, proto, sport, dport, flags, payload);

	usernet_flows_out(&x->flows, x->f, n, 2000);
}

static void test_tcp_flow(void **state)
{
	struct fixture *x = *state;
	const char *l;

	in(x, "192.0.2.1", TCP, 40000, 80, SYN, 0, USERNET_PASS, NULL);
	out(x, "192.0.2.1", TCP, 80, 40000, SYN | ACK, 0);
	in(x, "192.0.2.1", TCP, 40000, 80, ACK, 5, USERNET_PASS, NULL);
	out(x, "192.0.2.1", TCP, 80, 40000, ACK, 7);
	out(x, "192.0.2.9", TCP, 80, 40000, ACK, 100); /* another flow's */
	in(x, "192.0.2.1", TCP, 40000, 80, FIN | ACK, 0, USERNET_PASS, NULL);
	assert_string_equal(lines(x), "");
	out(x, "192.0.2.1", TCP, 80, 40000, FIN | ACK, 0);
	l = lines(x);
	assert_non_null(strstr(l, "\"proto\": \"tcp\", \"dst\": \"192.0.2.1\", \"port\": 80, "
				  "\"src_port\": 40000, \"allowed_by\": null, \"verdict\": \"allowed\", "
				  "\"bytes_out\": 5, \"bytes_in\": 7}\n"));
	assert_int_equal(x->flows.used, 0);
	/* a RST ends one at once; a segment without SYN opens nothing */
	in(x, "2001:db8::1", TCP, 40001, 443, SYN, 0, USERNET_PASS, NULL);
	out(x, "2001:db8::1", TCP, 443, 40001, RST | ACK, 0);
	assert_non_null(strstr(lines(x), "\"dst\": \"2001:db8::1\", \"port\": 443"));
	in(x, "192.0.2.1", TCP, 40002, 80, ACK, 10, USERNET_PASS, NULL);
	assert_int_equal(x->flows.used, 0);
	/* a refused connection is written at once */
	in(x, "192.0.2.7", TCP, 40003, 22, SYN, 0, USERNET_REJECT, NULL);
	assert_non_null(strstr(lines(x), "\"port\": 22, \"src_port\": 40003, \"allowed_by\": null, "
					 "\"verdict\": \"refused\", \"bytes_out\": 0, \"bytes_in\": 0}"));
}

static void test_udp_and_names(void **state)
{
	struct fixture *x = *state;
	static struct net_policy p;
	char err[128];
	const char *l;

	netpolicy_init(&p);
	assert_int_equal(netpolicy_add(&p, "10.0.2.3", err, sizeof(err)), 0);
	in(x, "10.0.2.3", UDP, 5000, 53, 0, 30, USERNET_PASS, &p);
	out(x, "10.0.2.3", UDP, 53, 5000, 0, 60);
	in(x, "10.0.2.3", UDP, 5000, 53, 0, 30, USERNET_PASS, &p);
	in(x, "10.0.2.2", UDP, 5001, 9, 0, 4, USERNET_REJECT, &p);
	in(x, "10.0.2.2", UDP, 5001, 9, 0, 4, USERNET_REJECT, &p);
	assert_int_equal(x->flows.used, 2);
	/* not idle long enough, then idle, then everything at the end */
	usernet_flows_sweep(&x->flows, 5LL * 1000000000, false);
	assert_string_equal(lines(x), "");
	usernet_flows_sweep(&x->flows, (USERNET_FLOW_UDP_IDLE_S + 1) * 1000000000LL, false);
	l = lines(x);
	assert_non_null(strstr(l, "\"dst\": \"10.0.2.3\", \"port\": 53, \"src_port\": 5000, "
				  "\"allowed_by\": null, \"verdict\": \"allowed\", \"bytes_out\": 60, "
				  "\"bytes_in\": 60}"));
	assert_non_null(strstr(l, "\"verdict\": \"refused\", \"bytes_out\": 0"));
	assert_int_equal(x->flows.used, 0);
	in(x, "10.0.2.4", UDP, 5002, 9, 0, 4, USERNET_PASS, NULL);
	usernet_flows_sweep(&x->flows, 0, true);
	assert_non_null(strstr(lines(x), "\"dst\": \"10.0.2.4\""));
}

static void test_format(void **state)
{
	struct usernet_flow fl = { .start_wall_ms = 1700000000123LL, .bytes_out = 1, .bytes_in = 2,
				   .allowed_by = "a\"b", .sport = 1, .dport = 2, .family = AF_INET,
				   .proto = TCP, .verdict = USERNET_PASS };
	char buf[USERNET_FLOW_LINE_MAX];
	const char *want = "{\"time\": \"2023-11-14T22:13:20.123Z\", \"proto\": \"tcp\", "
			   "\"dst\": \"10.0.0.1\", \"port\": 2, \"src_port\": 1, \"allowed_by\": "
			   "\"a\\\"b\", \"verdict\": \"allowed\", \"bytes_out\": 1, \"bytes_in\": 2}\n";

	(void)state;
	fl.daddr[0] = 10;
	fl.daddr[3] = 1;
	assert_int_equal(usernet_flow_format(buf, sizeof(buf), &fl), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(usernet_flow_format(buf, 20, &fl), -ENOSPC);
}

/* Many flows at once: the table makes room by writing out the least recently used. */
static void test_full(void **state)
{
	struct fixture *x = *state;
	size_t written = 0;

	for (unsigned i = 0; i < USERNET_FLOWS_SLOTS + 100; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "10.%u.%u.1", i / 256, i % 256);
		in(x, dst, UDP, 5000, 9, 0, 1, USERNET_PASS, NULL);
		written += strlen(lines(x)) > 0;
	}
	assert_true(x->flows.used <= USERNET_FLOWS_SLOTS);
	assert_true(written >= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_and_names, setup, teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
