/* test_usernet_filter.c: the guard in front of libslirp, frame by frame. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "usernet_filter.h"

enum { TCP = 6, UDP = 17, ICMP = 1 };

/* Build an Ethernet frame with an IPv4 or IPv6 header and a TCP/UDP header. */
static size_t frame(unsigned char *f, const char *src, const char *dst, int proto, uint16_t sport,
		    uint16_t dport, uint8_t tcpflags, uint16_t fragoff)
{
	bool v6 = strchr(dst, ':') != NULL;
	size_t ip = 14, l4 = ip + (v6 ? 40 : 20);

	memset(f, 0, 128);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[ip] = 0x60;
		f[ip + 6] = (unsigned char)proto;
		inet_pton(AF_INET6, src, f + ip + 8);
		inet_pton(AF_INET6, dst, f + ip + 24);
	} else {
		f[ip] = 0x45;
		f[ip + 6] = (unsigned char)(fragoff >> 8);
		f[ip + 7] = (unsigned char)fragoff;
		f[ip + 9] = (unsigned char)proto;
		inet_pton(AF_INET, src, f + ip + 12);
		inet_pton(AF_INET, dst, f + ip + 16);
	}
	f[l4] = (unsigned char)(sport >> 8);
	f[l4 + 1] = (unsigned char)sport;
	f[l4 + 2] = (unsigned char)(dport >> 8);
	f[l4 + 3] = (unsigned char)dport;
	f[l4 + 13] = tcpflags;
	return l4 + 20;
}

struct guard_case {
	const char *dst;
	int proto;
	uint16_t sport, dport;
	uint8_t flags;
	uint16_t frag;
	bool allowed_denied; /* verdict without --allow-host-loopback */
	bool allowed_allowed; /* verdict with it */
};

#define SYN 0x02
#define SYNACK 0x12
#define ACK 0x10

static const struct guard_case cases[] = {
	/* the internet at large: always */
	{ "192.0.2.1", TCP, 40000, 80, SYN, 0, true, true },
	{ "2001:db8::1", TCP, 40000, 80, SYN, 0, true, true },
	{ "192.0.2.1", UDP, 40000, 53, 0, 0, true, true },
	/* raw loopback and "this host": never */
	{ "127.0.0.1", TCP, 40000, 80, SYN, 0, false, false },
	{ "127.1.2.3", UDP, 40000, 80, 0, 0, false, false },
	{ "0.0.0.0", TCP, 40000, 80, SYN, 0, false, false },
	{ "::1", TCP, 40000, 80, SYN, 0, false, false },
	{ "::", UDP, 40000, 80, 0, 0, false, false },
	{ "::ffff:127.0.0.1", TCP, 40000, 80, SYN, 0, false, false },
	{ "::ffff:0.0.0.0", TCP, 40000, 80, SYN, 0, false, false },
	{ "::ffff:192.0.2.1", TCP, 40000, 80, SYN, 0, true, true },
	/* the host alias: new connections only when allowed */
	{ "10.0.2.2", TCP, 40000, 80, SYN, 0, false, true },
	{ "10.0.2.7", TCP, 40000, 80, SYN, 0, false, true },
	{ "fd00::2", TCP, 40000, 80, SYN, 0, false, true },
	{ "10.0.2.2", TCP, 8000, 40000, SYNACK, 0, true, true }, /* a -p connection */
	{ "10.0.2.2", TCP, 8000, 40000, ACK, 0, true, true },
	{ "10.0.2.2", UDP, 40000, 53, 0, 0, false, true },
	{ "10.0.2.2", ICMP, 0, 0, 0, 0, true, true },
	{ "10.0.2.2", TCP, 40000, 80, SYN, 0x2000, false, true }, /* MF: a fragment */
	{ "10.0.2.2", TCP, 40000, 80, 0, 0x0001, false, true },   /* later fragment: no header */
	{ "10.0.2.2", 47, 0, 0, 0, 0, false, true },              /* GRE */
	/* the DNS forwarder: port 53 only, unless loopback is allowed anyway */
	{ "10.0.2.3", UDP, 40000, 53, 0, 0, true, true },
	{ "10.0.2.3", TCP, 40000, 53, SYN, 0, true, true },
	{ "10.0.2.3", TCP, 40000, 22, SYN, 0, false, true },
	{ "fd00::3", UDP, 40000, 53, 0, 0, true, true },
	{ "fd00::3", UDP, 40000, 5353, 0, 0, false, true },
};

static void test_cases(void **state)
{
	struct usernet_guard deny, allow;
	unsigned char f[128];

	(void)state;
	usernet_guard_init(&deny, false);
	usernet_guard_init(&allow, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct guard_case *c = &cases[i];
		const char *src = strchr(c->dst, ':') ? "fd00::100" : "10.0.2.100";
		size_t n = frame(f, src, c->dst, c->proto, c->sport, c->dport, c->flags, c->frag);

		if (usernet_guard_in(&deny, f, n) != c->allowed_denied)
			fail_msg("case %zu (%s proto %d): denied mode wrong", i, c->dst, c->proto);
		if (usernet_guard_in(&allow, f, n) != c->allowed_allowed)
			fail_msg("case %zu (%s proto %d): allowed mode wrong", i, c->dst, c->proto);
	}
}

/* A published UDP port answers host clients it heard from, and nobody else. */
static void test_udp_publish(void **state)
{
	struct usernet_guard g;
	unsigned char f[128];
	size_t n;

	(void)state;
	usernet_guard_init(&g, false);
	assert_int_equal(usernet_guard_add_udp_port(&g, 9000), 0);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9000, 38000, 0, 0);
	assert_false(usernet_guard_in(&g, f, n)); /* nobody sent yet */
	n = frame(f, "10.0.2.2", "10.0.2.100", UDP, 38000, 9000, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9000, 38000, 0, 0);
	assert_true(usernet_guard_in(&g, f, n));
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9000, 38001, 0, 0);
	assert_false(usernet_guard_in(&g, f, n)); /* another host port */
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9001, 38000, 0, 0);
	assert_false(usernet_guard_in(&g, f, n)); /* another sandbox port */
	/* IPv6 too */
	n = frame(f, "fd00::2", "fd00::100", UDP, 38002, 9000, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "fd00::100", "fd00::2", UDP, 9000, 38002, 0, 0);
	assert_true(usernet_guard_in(&g, f, n));
	/* a frame towards an unpublished port teaches nothing */
	n = frame(f, "10.0.2.2", "10.0.2.100", UDP, 38003, 7777, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 7777, 38003, 0, 0);
	assert_false(usernet_guard_in(&g, f, n));
}

static void test_ports_full_and_runts(void **state)
{
	struct usernet_guard g;
	unsigned char f[128] = { 0 };

	(void)state;
	usernet_guard_init(&g, false);
	for (unsigned i = 0; i < USERNET_GUARD_PORTS; i++)
		assert_int_equal(usernet_guard_add_udp_port(&g, (uint16_t)(1000 + i)), 0);
	assert_int_equal(usernet_guard_add_udp_port(&g, 1000), 0); /* already there */
	assert_int_equal(usernet_guard_add_udp_port(&g, 5), -ENOSPC);
	assert_true(usernet_guard_in(&g, f, 10)); /* runt: libslirp drops it */
	f[12] = 0x08;
	assert_false(usernet_guard_in(&g, f, 20)); /* IPv4 without a whole header */
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_false(usernet_guard_in(&g, f, 40));
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_true(usernet_guard_in(&g, f, 42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_udp_publish),
		cmocka_unit_test(test_ports_full_and_runts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
