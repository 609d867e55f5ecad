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
	enum usernet_verdict denied;  /* verdict without --allow-host-loopback */
	enum usernet_verdict allowed; /* verdict with it */
};

#define D USERNET_DROP
#define P USERNET_PASS
#define R USERNET_REJECT
#define NH_FRAG 44

#define SYN 0x02
#define SYNACK 0x12
#define ACK 0x10

static const struct guard_case cases[] = {
	/* the internet at large: always */
	{ "192.0.2.1", TCP, 40000, 80, SYN, 0, P, P },
	{ "2001:db8::1", TCP, 40000, 80, SYN, 0, P, P },
	{ "192.0.2.1", UDP, 40000, 53, 0, 0, P, P },
	/* raw loopback and "this host": never, silently */
	{ "127.0.0.1", TCP, 40000, 80, SYN, 0, D, D },
	{ "127.1.2.3", UDP, 40000, 80, 0, 0, D, D },
	{ "0.0.0.0", TCP, 40000, 80, SYN, 0, D, D },
	{ "::1", TCP, 40000, 80, SYN, 0, D, D },
	{ "::", UDP, 40000, 80, 0, 0, D, D },
	{ "::ffff:127.0.0.1", TCP, 40000, 80, SYN, 0, D, D },
	{ "::ffff:0.0.0.0", TCP, 40000, 80, SYN, 0, D, D },
	{ "::ffff:192.0.2.1", TCP, 40000, 80, SYN, 0, P, P },
	/* the host alias: new connections refused unless allowed */
	{ "10.0.2.2", TCP, 40000, 80, SYN, 0, R, P },
	{ "10.0.2.7", TCP, 40000, 80, SYN, 0, R, P },
	{ "fd00::2", TCP, 40000, 80, SYN, 0, R, P },
	{ "fd00::2", UDP, 40000, 80, 0, 0, R, P },
	{ "10.0.2.2", TCP, 8000, 40000, SYNACK, 0, P, P }, /* a -p connection */
	{ "10.0.2.2", TCP, 8000, 40000, ACK, 0, P, P },
	{ "10.0.2.2", UDP, 40000, 53, 0, 0, R, P },
	{ "10.0.2.2", ICMP, 0, 0, 0, 0, P, P },
	{ "10.0.2.2", 47, 0, 0, 0, 0, D, P }, /* GRE */
	/* fragments: never, whatever the destination (libslirp 4.7.0's ip_reass) */
	{ "10.0.2.2", TCP, 40000, 80, SYN, 0x2000, D, D }, /* MF */
	{ "10.0.2.2", TCP, 40000, 80, 0, 0x0001, D, D },   /* a later fragment */
	{ "192.0.2.1", UDP, 40000, 53, 0, 0x2000, D, D },
	{ "192.0.2.1", UDP, 40000, 53, 0, 0x00ad, D, D }, /* the crafted last fragment */
	{ "192.0.2.1", UDP, 40000, 53, 0, 0x8000, D, D }, /* reserved bit: libslirp reassembles */
	{ "192.0.2.1", UDP, 40000, 53, 0, 0x4000, P, P }, /* DF alone is not a fragment */
	{ "2001:db8::1", NH_FRAG, 0, 0, 0, 0, D, D },
	{ "2001:db8::1", 0, 0, 0, 0, 0, D, D }, /* hop-by-hop, and any other extension */
	/* the DNS forwarder: port 53 only, unless loopback is allowed anyway */
	{ "10.0.2.3", UDP, 40000, 53, 0, 0, P, P },
	{ "10.0.2.3", TCP, 40000, 53, SYN, 0, P, P },
	{ "10.0.2.3", TCP, 40000, 22, SYN, 0, R, P },
	{ "fd00::3", UDP, 40000, 53, 0, 0, P, P },
	{ "fd00::3", UDP, 40000, 5353, 0, 0, R, P },
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

		if (usernet_guard_in(&deny, f, n) != c->denied)
			fail_msg("case %zu (%s proto %d): denied mode wrong", i, c->dst, c->proto);
		if (usernet_guard_in(&allow, f, n) != c->allowed)
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
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT); /* nobody sent yet */
	n = frame(f, "10.0.2.2", "10.0.2.100", UDP, 38000, 9000, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9000, 38000, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9000, 38001, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT); /* another host port */
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 9001, 38000, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT); /* another sandbox port */
	/* IPv6 too */
	n = frame(f, "fd00::2", "fd00::100", UDP, 38002, 9000, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "fd00::100", "fd00::2", UDP, 9000, 38002, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	/* a frame towards an unpublished port teaches nothing */
	n = frame(f, "10.0.2.2", "10.0.2.100", UDP, 38003, 7777, 0, 0);
	usernet_guard_out(&g, f, n);
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 7777, 38003, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
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
	assert_int_equal(usernet_guard_in(&g, f, 10), USERNET_PASS); /* runt: libslirp drops it */
	f[12] = 0x08;
	assert_int_equal(usernet_guard_in(&g, f, 20), USERNET_DROP); /* IPv4 without a whole header */
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_int_equal(usernet_guard_in(&g, f, 40), USERNET_DROP);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_int_equal(usernet_guard_in(&g, f, 42), USERNET_PASS);
}

/* The Internet checksum over len bytes plus a starting sum: 0 when a checksum inside is right. */
static uint16_t csum(uint32_t sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(const unsigned char *ip, bool v6, int proto, size_t l4len)
{
	uint32_t sum = 0;
	const unsigned char *a = ip + (v6 ? 8 : 12);

	for (size_t i = 0; i < (v6 ? 32u : 8u); i += 2)
		sum += (uint32_t)(a[i] << 8 | a[i + 1]);
	return sum + (uint32_t)proto + (uint32_t)l4len;
}

/* A refused SYN gets a RST+ACK from the address it tried, acknowledging the SYN, with valid
 * checksums and the MACs swapped. */
static void test_reject_tcp(void **state)
{
	unsigned char f[128], r[USERNET_REJECT_MAX];
	size_t n, m;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		size_t ip = 14, l4 = ip + (v6 ? 40 : 20);

		n = frame(f, v6 ? "fd00::100" : "10.0.2.100", v6 ? "fd00::2" : "10.0.2.2", TCP,
			  40000, 80, SYN, 0);
		memcpy(f, "\x52\x55\x0a\x00\x02\x02\x0a\x00\x00\x00\x00\x01", 12);
		f[l4 + 4] = 0x11, f[l4 + 5] = 0x22, f[l4 + 6] = 0x33, f[l4 + 7] = 0x44; /* seq */
		f[l4 + 12] = 5 << 4;
		if (v6)
			f[ip + 5] = 20; /* payload length */
		else
			f[ip + 3] = 40; /* total length */
		m = usernet_guard_reject(f, n, r, sizeof(r));
		assert_int_equal(m, l4 + 20);
		assert_memory_equal(r, f + 6, 6);
		assert_memory_equal(r + 6, f, 6);
		if (v6) {
			assert_memory_equal(r + ip + 8, f + ip + 24, 16);  /* from fd00::2 */
			assert_memory_equal(r + ip + 24, f + ip + 8, 16);  /* to the sandbox */
		} else {
			assert_memory_equal(r + ip + 12, f + ip + 16, 4);
			assert_memory_equal(r + ip + 16, f + ip + 12, 4);
			assert_int_equal(csum(0, r + ip, 20), 0);
		}
		assert_int_equal(r[l4] << 8 | r[l4 + 1], 80);
		assert_int_equal(r[l4 + 2] << 8 | r[l4 + 3], 40000);
		assert_memory_equal(r + l4 + 8, "\x11\x22\x33\x45", 4); /* ack = seq + 1 */
		assert_int_equal(r[l4 + 13], 0x14);                         /* RST ACK */
		assert_int_equal(csum(pseudo(r + ip, v6, TCP, 20), r + l4, 20), 0);
	}
}

/* A refused datagram gets ICMP (v6: ICMPv6) port unreachable quoting it. */
static void test_reject_udp(void **state)
{
	unsigned char f[128], r[USERNET_REJECT_MAX];
	size_t n, m;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		size_t ip = 14, hl = v6 ? 40 : 20, l4 = ip + hl;

		n = frame(f, v6 ? "fd00::100" : "10.0.2.100", v6 ? "fd00::2" : "10.0.2.2", UDP,
			  40000, 53, 0, 0);
		m = usernet_guard_reject(f, n, r, sizeof(r));
		assert_int_equal(m, l4 + 8 + hl + 8);
		assert_int_equal(r[ip + (v6 ? 6 : 9)], v6 ? 58 : 1);
		assert_int_equal(r[l4], v6 ? 1 : 3);
		assert_int_equal(r[l4 + 1], v6 ? 4 : 3);
		assert_memory_equal(r + l4 + 8, f + ip, hl + 8);
		if (v6)
			assert_int_equal(csum(pseudo(r + ip, true, 58, 8 + hl + 8), r + l4, 8 + hl + 8), 0);
		else
			assert_int_equal(csum(0, r + l4, 8 + hl + 8), 0);
	}
	/* nothing to answer: too short a buffer, a runt, another protocol */
	assert_int_equal(usernet_guard_reject(f, n, r, 64), 0);
	assert_int_equal(usernet_guard_reject(f, 30, r, sizeof(r)), 0);
	n = frame(f, "10.0.2.100", "10.0.2.2", 47, 0, 0, 0, 0);
	assert_int_equal(usernet_guard_reject(f, n, r, sizeof(r)), 0);
}

/* Past the socket bound, new TCP connections are refused whatever their destination; segments of
 * existing ones and datagrams go on. */
static void test_socket_bound(void **state)
{
	struct usernet_guard g;
	unsigned char f[128];
	size_t n;

	(void)state;
	usernet_guard_init(&g, true);
	assert_int_equal(g.max_sockets, USERNET_GUARD_MAX_SOCKETS);
	g.max_sockets = 2;
	g.sockets = 1;
	n = frame(f, "10.0.2.100", "192.0.2.1", TCP, 40000, 80, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	g.sockets = 2;
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "fd00::100", "2001:db8::1", TCP, 40000, 80, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "10.0.2.100", "10.0.2.2", TCP, 40000, 80, SYN, 0); /* allowed loopback too */
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "10.0.2.100", "192.0.2.1", TCP, 40000, 80, ACK, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "192.0.2.1", UDP, 40000, 53, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
}

/* --net-allow on top of the loopback rule: frames that open flows are judged, names are learnt
 * from the forwarder's answers as they pass towards the sandbox. */
static void test_policy(void **state)
{
	static struct net_policy policy;
	struct usernet_guard g, noloop;
	unsigned char f[256];
	char err[256];
	size_t n;

	(void)state;
	netpolicy_init(&policy);
	assert_int_equal(netpolicy_add(&policy, "10.0.2.2:8080", err, sizeof(err)), 0);
	assert_int_equal(netpolicy_add(&policy, "svc.test:443", err, sizeof(err)), 0);
	usernet_guard_init(&g, true);
	g.policy = &policy;
	usernet_guard_init(&noloop, false);
	noloop.policy = &policy;

	n = frame(f, "10.0.2.100", "10.0.2.2", TCP, 40000, 8080, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	assert_int_equal(usernet_guard_in(&noloop, f, n), USERNET_REJECT); /* the loopback rule */
	n = frame(f, "10.0.2.100", "10.0.2.2", TCP, 40000, 8081, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "10.0.2.100", "10.0.2.2", TCP, 40000, 8081, ACK, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS); /* not an opening */
	n = frame(f, "10.0.2.100", "10.0.2.2", UDP, 40000, 8081, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "fd00::100", "2001:db8::1", UDP, 40000, 8080, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "10.0.2.100", "10.0.2.3", UDP, 40000, 53, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "10.0.2.3", TCP, 40000, 53, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "10.0.2.3", TCP, 40000, 80, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	/* ICMP: an echo request to a destination not allowed is dropped, the rest passes */
	n = frame(f, "10.0.2.100", "192.0.2.1", ICMP, 0x0800, 0, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_DROP);
	n = frame(f, "10.0.2.100", "10.0.2.2", ICMP, 0x0800, 0, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "192.0.2.1", ICMP, 0x0300, 0, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);

	/* svc.test: refused until the forwarder answered it */
	n = frame(f, "10.0.2.100", "192.0.2.1", TCP, 40000, 443, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	{
		static const unsigned char dns[] = {
			0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
			3, 's', 'v', 'c', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
			0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
		};
		unsigned char a[256];
		size_t l4 = 14 + 20;

		n = frame(a, "10.0.2.3", "10.0.2.100", UDP, 53, 40000, 0, 0);
		memcpy(a + l4 + 8, dns, sizeof(dns));
		a[l4 + 4] = 0;
		a[l4 + 5] = (unsigned char)(8 + sizeof(dns));
		/* a datagram from another source teaches nothing */
		a[14 + 15] = 9;
		usernet_guard_out(&g, a, l4 + 8 + sizeof(dns));
		assert_int_equal(policy.nlearned, 0);
		a[14 + 15] = 3;
		usernet_guard_out(&g, a, l4 + 8 + sizeof(dns));
		assert_int_equal(policy.nlearned, 1);
	}
	n = frame(f, "10.0.2.100", "192.0.2.1", TCP, 40000, 443, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
	n = frame(f, "10.0.2.100", "192.0.2.1", TCP, 40000, 80, SYN, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_REJECT);
	n = frame(f, "10.0.2.100", "192.0.2.1", ICMP, 0x0800, 0, 0, 0);
	assert_int_equal(usernet_guard_in(&g, f, n), USERNET_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_udp_publish),
		cmocka_unit_test(test_ports_full_and_runts),
		cmocka_unit_test(test_reject_tcp),
		cmocka_unit_test(test_reject_udp),
		cmocka_unit_test(test_socket_bound),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
