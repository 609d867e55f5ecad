/* test_netpolicy.c: --net-allow parsing, the verdict, and learning names from DNS answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "netpolicy.h"

struct good_case {
	const char *spec;
	int family; /* AF_UNSPEC: a name */
	const char *addr_or_name;
	unsigned prefix;
	uint16_t lo, hi;
};

static const struct good_case good[] = {
	{ "10.0.2.2", AF_INET, "10.0.2.2", 32, 1, 65535 },
	{ "10.0.2.2:8080", AF_INET, "10.0.2.2", 32, 8080, 8080 },
	{ "10.0.2.0/24:8000-8999", AF_INET, "10.0.2.0", 24, 8000, 8999 },
	{ "10.1.2.3/8", AF_INET, "10.0.0.0", 8, 1, 65535 }, /* host bits masked */
	{ "0.0.0.0/0", AF_INET, "0.0.0.0", 0, 1, 65535 },
	{ "192.168.1.1/23", AF_INET, "192.168.0.0", 23, 1, 65535 },
	{ "[2001:db8::1]:443", AF_INET6, "2001:db8::1", 128, 443, 443 },
	{ "[2001:db8::/32]:1-1024", AF_INET6, "2001:db8::", 32, 1, 1024 },
	{ "[2001:db8::]/32:22", AF_INET6, "2001:db8::", 32, 22, 22 },
	{ "[2001:db8::]/32", AF_INET6, "2001:db8::", 32, 1, 65535 },
	{ "[::1]", AF_INET6, "::1", 128, 1, 65535 },
	{ "2001:db8::5", AF_INET6, "2001:db8::5", 128, 1, 65535 },
	{ "fd00::/64", AF_INET6, "fd00::", 64, 1, 65535 },
	{ "deb.debian.org:80", AF_UNSPEC, "deb.debian.org", 0, 80, 80 },
	{ "Deb.Debian.ORG.:80-443", AF_UNSPEC, "deb.debian.org", 0, 80, 443 },
	{ "svc.test", AF_UNSPEC, "svc.test", 0, 1, 65535 },
	{ "localhost", AF_UNSPEC, "localhost", 0, 1, 65535 },
	{ "1e100.net:443", AF_UNSPEC, "1e100.net", 0, 443, 443 },
	{ "_srv.x-y.example", AF_UNSPEC, "_srv.x-y.example", 0, 1, 65535 },
};

static void test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct netpolicy_allow a;
		unsigned char want[16] = { 0 };
		char err[256] = "";

		if (netpolicy_parse(good[i].spec, &a, err, sizeof(err)) != 0)
			fail_msg("%s: %s", good[i].spec, err);
		assert_int_equal(a.family, good[i].family);
		assert_int_equal(a.port_lo, good[i].lo);
		assert_int_equal(a.port_hi, good[i].hi);
		if (good[i].family == AF_UNSPEC) {
			assert_string_equal(a.name, good[i].addr_or_name);
			continue;
		}
		assert_int_equal(inet_pton(good[i].family, good[i].addr_or_name, want), 1);
		assert_memory_equal(a.addr, want, good[i].family == AF_INET ? 4 : 16);
		assert_int_equal(a.prefix, good[i].prefix);
	}
}

struct bad_case {
	const char *spec;
	const char *reason;
};

static const struct bad_case bad[] = {
	{ "", "expected ADDR[/PREFIX][:PORT[-PORT]] or NAME[:PORT[-PORT]]" },
	{ "10.0.2.2:", "the port must be" },
	{ "10.0.2.2:0", "the port must be" },
	{ "10.0.2.2:65536", "the port must be" },
	{ "10.0.2.2:80-79", "the port must be" },
	{ "10.0.2.2:80-", "the port must be" },
	{ "10.0.2.2:-80", "the port must be" },
	{ "10.0.2.2:+80", "the port must be" },
	{ "10.0.2.2:http", "the port must be" },
	{ "10.0.2.2/33", "the prefix must be 0-32" },
	{ "10.0.2.2/", "the prefix must be 0-32" },
	{ "10.0.2.2/-1", "the prefix must be 0-32" },
	{ "1.2.3.999", "not a valid IPv4 address" },
	{ "1.2.3", "not a valid IPv4 address" },
	{ "bad name:80", "a name has only letters" },
	{ "a..b", "empty label" },
	{ ".a", "empty label" },
	{ ".", "the name is empty" },
	{ ":80", "the name is empty" },
	{ "name/24", "not an IPv4 address (a prefix needs one)" },
	{ "[2001:db8::1", "missing ']'" },
	{ "[2001:db8::1]x", "unexpected 'x' after ']'" },
	{ "[10.0.2.2]:80", "not an IPv6 address" },
	{ "[2001:db8::]/129", "the prefix must be 0-128" },
	{ "[2001:db8::/32]/32", "two prefixes" },
	{ "2001:db8::zz", "not an IPv6 address" },
	{ "a\x1b[31m", "a name has only letters" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org", "longer than 63" },
};

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct netpolicy_allow a;
		char err[256] = "";

		if (netpolicy_parse(bad[i].spec, &a, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].spec);
		if (!strstr(err, bad[i].reason))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].spec, err, bad[i].reason);
	}
}

static void test_parse_limits(void **state)
{
	struct net_policy *p = malloc(sizeof(*p));
	char longname[400], err[512];

	(void)state;
	assert_non_null(p);
	/* a name of 253 characters is fine, 254 is not; a tiny err buffer is truncated */
	memset(longname, 'a', sizeof(longname));
	for (size_t i = 63; i < 253; i += 64)
		longname[i] = '.';
	longname[253] = '\0';
	netpolicy_init(p);
	assert_int_equal(netpolicy_add(p, longname, err, sizeof(err)), 0);
	longname[253] = 'a';
	longname[254] = '\0';
	assert_int_equal(netpolicy_add(p, longname, err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
	longname[254] = 'a';
	longname[350] = '\0';
	assert_int_equal(netpolicy_add(p, longname, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
	netpolicy_init(p);
	for (int i = 0; i < NETPOLICY_MAX_ALLOW; i++)
		assert_int_equal(netpolicy_add(p, "10.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(netpolicy_add(p, "10.0.0.1", err, sizeof(err)), -ENOSPC);
	free(p);
}

static struct net_policy *policy(const char *const *specs)
{
	struct net_policy *p = malloc(sizeof(*p));
	char err[256];

	assert_non_null(p);
	netpolicy_init(p);
	for (; *specs; specs++) {
		if (netpolicy_add(p, *specs, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	}
	return p;
}

static enum netpolicy_verdict verdict(const struct net_policy *p, const char *addr, uint16_t port,
				      int proto, const char **by)
{
	unsigned char a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return netpolicy_verdict(p, family, a, port, proto, by);
}

static void test_verdict_addresses(void **state)
{
	static const char *const specs[] = { "10.0.2.2:8080", "192.168.0.0/16:8000-8999",
					     "[2001:db8::/32]:443", "203.0.113.7", NULL };
	struct net_policy *p = policy(specs);
	const char *by = "x";

	(void)state;
	assert_true(netpolicy_active(p));
	assert_int_equal(verdict(p, "10.0.2.2", 8080, IPPROTO_TCP, &by), NETPOLICY_ALLOW);
	assert_null(by);
	assert_int_equal(verdict(p, "10.0.2.2", 8081, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "10.0.2.2", 8080, IPPROTO_UDP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "10.0.2.4", 8080, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "192.168.255.1", 8000, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "192.168.3.4", 8999, IPPROTO_UDP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "192.168.3.4", 9000, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "192.169.0.1", 8000, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "2001:db8:ffff::1", 443, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "2001:db9::1", 443, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "203.0.113.7", 1, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "203.0.113.7", 65535, IPPROTO_UDP, NULL), NETPOLICY_ALLOW);
	/* an IPv4-mapped IPv6 address is the IPv4 address */
	assert_int_equal(verdict(p, "::ffff:10.0.2.2", 8080, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "::ffff:10.0.2.9", 8080, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	/* ICMP: the address decides */
	assert_int_equal(verdict(p, "10.0.2.2", 0, IPPROTO_ICMP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "10.0.2.9", 0, IPPROTO_ICMP, NULL), NETPOLICY_REFUSE);
	/* DNS to the forwarder stays open, nothing else of it */
	assert_int_equal(verdict(p, "10.0.2.3", 53, IPPROTO_UDP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "fd00::3", 53, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "10.0.2.3", 80, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	/* an unknown family is refused */
	assert_int_equal(netpolicy_verdict(p, AF_UNIX, "x", 1, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	free(p);
}

static void test_verdict_no_policy(void **state)
{
	static const char *const specs[] = { NULL };
	struct net_policy *p = policy(specs);
	const char *by = "x";

	(void)state;
	assert_false(netpolicy_active(p));
	assert_int_equal(verdict(p, "198.51.100.1", 25, IPPROTO_TCP, &by), NETPOLICY_ALLOW);
	assert_null(by);
	free(p);
}

/* ---- DNS messages ---- */

struct msg {
	unsigned char b[2048];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	put(m, b, 2);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		unsigned char len = (unsigned char)n;

		put(m, &len, 1);
		put(m, name, n);
		name += n + (dot ? 1 : 0);
	}
	put(m, "", 1);
}

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void question(struct msg *m, const char *name, unsigned type)
{
	put_name(m, name);
	put16(m, type);
	put16(m, 1);
}

/* A record; owner NULL: a pointer to the question's name (offset 12). */
static void rr(struct msg *m, const char *owner, unsigned type, const void *rdata, size_t rdlen)
{
	if (owner)
		put_name(m, owner);
	else
		put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, (unsigned)rdlen);
	put(m, rdata, rdlen);
}

static void rr_a(struct msg *m, const char *owner, const char *ip)
{
	unsigned char a[16];
	bool v6 = strchr(ip, ':') != NULL;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, ip, a), 1);
	rr(m, owner, v6 ? 28 : 1, a, v6 ? 16 : 4);
}

static void rr_cname(struct msg *m, const char *owner, const char *target)
{
	struct msg t = { .n = 0 };

	put_name(&t, target);
	rr(m, owner, 5, t.b, t.n);
}

static void test_learn_names(void **state)
{
	static const char *const specs[] = { "svc.test:8080", "svc.test:9000-9001", "other.test:22",
					     NULL };
	struct net_policy *p = policy(specs);
	struct msg m;
	const char *by = NULL;

	(void)state;
	/* not yet answered: refused */
	assert_int_equal(verdict(p, "10.0.2.2", 8080, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);

	/* svc.test A 10.0.2.2 (owner compressed) and AAAA fd00::2, queried in mixed case */
	header(&m, 0x8180, 1, 2);
	question(&m, "SvC.TeSt", 1);
	rr_a(&m, NULL, "10.0.2.2");
	rr_a(&m, "svc.test", "fd00::2");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 2);
	assert_int_equal(verdict(p, "10.0.2.2", 8080, IPPROTO_TCP, &by), NETPOLICY_ALLOW);
	assert_string_equal(by, "svc.test");
	assert_int_equal(verdict(p, "10.0.2.2", 9001, IPPROTO_UDP, &by), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "fd00::2", 9000, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	assert_int_equal(verdict(p, "10.0.2.2", 22, IPPROTO_TCP, &by), NETPOLICY_REFUSE);
	assert_null(by);
	/* the same answer again is not a new entry */
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 2);
	assert_int_equal(p->nlearned, 2);

	/* other.test CNAME edge.cdn.test CNAME x.cdn.test A 198.51.100.9, plus an unrelated A */
	header(&m, 0x8180, 1, 4);
	question(&m, "other.test", 1);
	rr_a(&m, "evil.test", "198.51.100.66");
	rr_cname(&m, NULL, "edge.cdn.test");
	rr_a(&m, "x.cdn.test", "198.51.100.9");
	rr_cname(&m, "edge.cdn.test", "x.cdn.test");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 1);
	assert_int_equal(verdict(p, "198.51.100.9", 22, IPPROTO_TCP, &by), NETPOLICY_ALLOW);
	assert_string_equal(by, "other.test");
	assert_int_equal(verdict(p, "198.51.100.66", 22, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	free(p);
}

static void test_learn_ignored(void **state)
{
	static const char *const specs[] = { "svc.test", NULL };
	struct net_policy *p = policy(specs);
	struct msg m;

	(void)state;
	/* a name not allowed */
	header(&m, 0x8180, 1, 1);
	question(&m, "evil.test", 1);
	rr_a(&m, NULL, "198.51.100.1");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 0);
	/* a query, not a response */
	header(&m, 0x0100, 1, 1);
	question(&m, "svc.test", 1);
	rr_a(&m, NULL, "198.51.100.1");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), -EINVAL);
	/* NXDOMAIN, two questions */
	header(&m, 0x8183, 1, 1);
	question(&m, "svc.test", 1);
	rr_a(&m, NULL, "198.51.100.1");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 0);
	header(&m, 0x8180, 2, 0);
	question(&m, "svc.test", 1);
	question(&m, "svc.test", 1);
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 0);
	/* an A record of the wrong length, a label with a dot in it */
	header(&m, 0x8180, 1, 2);
	question(&m, "svc.test", 1);
	rr(&m, NULL, 1, "\1\2\3", 3);
	{
		unsigned char odd[] = { 8, 's', 'v', 'c', '.', 't', 'e', 's', 't', 0 };
		put(&m, odd, sizeof(odd));
		put16(&m, 1);
		put16(&m, 1);
		put16(&m, 0);
		put16(&m, 60);
		put16(&m, 4);
		put(&m, "\xc6\x33\x64\x02", 4);
	}
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 0);
	/* truncated in the middle of an answer */
	header(&m, 0x8180, 1, 1);
	question(&m, "svc.test", 1);
	rr_a(&m, NULL, "198.51.100.1");
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n - 2), -EINVAL);
	assert_int_equal(netpolicy_learn_dns(p, m.b, 5), -EINVAL);
	/* a compression loop */
	header(&m, 0x8180, 1, 1);
	put16(&m, 0xc00c);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), -EINVAL);
	assert_int_equal(p->nlearned, 0);
	free(p);
}

static void test_learn_bounded(void **state)
{
	static const char *const specs[] = { "svc.test", NULL };
	struct net_policy *p = policy(specs);
	struct msg m;

	(void)state;
	/* more answers than the table holds: the oldest are forgotten */
	for (unsigned i = 0; i < NETPOLICY_LEARNED + 10; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.%u.%u.1", i / 256, i % 256);
		header(&m, 0x8180, 1, 1);
		question(&m, "svc.test", 1);
		rr_a(&m, NULL, ip);
		assert_int_equal(netpolicy_learn_dns(p, m.b, m.n), 1);
	}
	assert_int_equal(p->nlearned, NETPOLICY_LEARNED);
	assert_int_equal(verdict(p, "10.0.0.1", 80, IPPROTO_TCP, NULL), NETPOLICY_REFUSE);
	assert_int_equal(verdict(p, "10.2.9.1", 80, IPPROTO_TCP, NULL), NETPOLICY_ALLOW);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_verdict_addresses),
		cmocka_unit_test(test_verdict_no_policy),
		cmocka_unit_test(test_learn_names),
		cmocka_unit_test(test_learn_ignored),
		cmocka_unit_test(test_learn_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
