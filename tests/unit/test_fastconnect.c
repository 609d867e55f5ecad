/* test_fastconnect.c: which connect() destinations the outgoing fast path takes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fastconnect.h"

struct route_case {
	const char *addr;
	int port;
	bool allow_loopback;
	enum fastconnect_verdict want;
	const char *want_host; /* on SWITCH */
};

static const struct route_case cases[] = {
	/* the host's loopback: only when allowed, refused at once otherwise */
	{ "10.0.2.2", 80, true, FASTCONNECT_SWITCH, "127.0.0.1" },
	{ "10.0.2.2", 80, false, FASTCONNECT_REFUSE, NULL },
	{ "fd00::2", 80, true, FASTCONNECT_SWITCH, "::1" },
	{ "fd00::2", 80, false, FASTCONNECT_REFUSE, NULL },
	{ "::ffff:10.0.2.2", 80, true, FASTCONNECT_SWITCH, "::ffff:127.0.0.1" },
	{ "::ffff:10.0.2.2", 80, false, FASTCONNECT_REFUSE, NULL },
	/* the sandbox's own network and loopback stay inside */
	{ "10.0.2.3", 53, true, FASTCONNECT_SLIRP, NULL },
	{ "10.0.2.100", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "10.0.2.77", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "127.0.0.1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "127.9.9.9", 80, false, FASTCONNECT_SLIRP, NULL },
	{ "::1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "::ffff:127.0.0.1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "fd00::3", 53, true, FASTCONNECT_SLIRP, NULL },
	{ "fd00::100", 80, true, FASTCONNECT_SLIRP, NULL },
	/* nothing to switch: unspecified, link-local, multicast, broadcast, port 0 */
	{ "0.0.0.0", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "::", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "169.254.1.1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "fe80::1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "224.0.0.1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "ff02::1", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "255.255.255.255", 80, true, FASTCONNECT_SLIRP, NULL },
	{ "192.0.2.1", 0, true, FASTCONNECT_SLIRP, NULL },
	/* everything else: the same address from the host */
	{ "192.0.2.1", 443, false, FASTCONNECT_SWITCH, "192.0.2.1" },
	{ "10.0.3.2", 443, false, FASTCONNECT_SWITCH, "10.0.3.2" },
	{ "2001:db8::1", 443, false, FASTCONNECT_SWITCH, "2001:db8::1" },
	{ "::ffff:192.0.2.1", 443, false, FASTCONNECT_SWITCH, "::ffff:192.0.2.1" },
	{ "fd01::2", 443, false, FASTCONNECT_SWITCH, "fd01::2" },
};

static socklen_t make_addr(const char *text, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return sizeof(*a4);
	}
	assert_int_equal(inet_pton(AF_INET6, text, &a6->sin6_addr), 1);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons((uint16_t)port);
	return sizeof(*a6);
}

static void test_routes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_case *c = &cases[i];
		struct sockaddr_storage in, host, want;
		socklen_t len = make_addr(c->addr, c->port, &in), hostlen;
		enum fastconnect_verdict v = fastconnect_route((struct sockaddr *)&in, len, c->allow_loopback, NULL,
							       &host, &hostlen);

		if (v != c->want)
			fail_msg("%s port %d (loopback %s): verdict %d, want %d", c->addr, c->port,
				 c->allow_loopback ? "allowed" : "not allowed", v, c->want);
		if (v != FASTCONNECT_SWITCH)
			continue;
		assert_int_equal(hostlen, make_addr(c->want_host, c->port, &want));
		if (memcmp(&host, &want, hostlen) != 0)
			fail_msg("%s: host address differs from %s", c->addr, c->want_host);
	}
}

/* Short, foreign or garbage addresses are the kernel's to refuse: never switched. */
static void test_odd_addresses(void **state)
{
	struct sockaddr_storage in, host;
	socklen_t len = make_addr("192.0.2.1", 80, &in), hostlen;

	(void)state;
	assert_int_equal(fastconnect_route((struct sockaddr *)&in, len - 1, true, NULL, &host, &hostlen), FASTCONNECT_SLIRP);
	len = make_addr("2001:db8::1", 80, &in);
	assert_int_equal(fastconnect_route((struct sockaddr *)&in, len - 1, true, NULL, &host, &hostlen), FASTCONNECT_SLIRP);
	in.ss_family = AF_UNIX;
	assert_int_equal(fastconnect_route((struct sockaddr *)&in, sizeof(in), true, NULL, &host, &hostlen),
			 FASTCONNECT_SLIRP);
	in.ss_family = AF_UNSPEC;
	assert_int_equal(fastconnect_route((struct sockaddr *)&in, sizeof(in), true, NULL, &host, &hostlen),
			 FASTCONNECT_SLIRP);
}

/* A scope or flow label chosen inside means nothing on the host. */
static void test_scope_dropped(void **state)
{
	struct sockaddr_storage in, host;
	socklen_t len = make_addr("2001:db8::1", 80, &in), hostlen;

	(void)state;
	((struct sockaddr_in6 *)&in)->sin6_scope_id = 7;
	((struct sockaddr_in6 *)&in)->sin6_flowinfo = htonl(5);
	assert_int_equal(fastconnect_route((struct sockaddr *)&in, len, true, NULL, &host, &hostlen), FASTCONNECT_SWITCH);
	assert_int_equal(((struct sockaddr_in6 *)&host)->sin6_scope_id, 0);
	assert_int_equal(((struct sockaddr_in6 *)&host)->sin6_flowinfo, 0);
}

struct policy_case {
	const char *addr;
	int port;
	enum fastconnect_verdict want;
};

/* With --net-allow, only what an address entry allows is switched; a NAME's destinations (learnt
 * only by the helper) and refused ones go to libslirp, whose guard decides; the host-loopback
 * rule still refuses first. */
static void test_policy(void **state)
{
	static const char *const allow[] = { "10.0.2.2:8080", "192.0.2.0/24:443", "[2001:db8::]/32",
					     "svc.test:80" };
	static const struct policy_case pcases[] = {
		{ "10.0.2.2", 8080, FASTCONNECT_SWITCH },  /* by address: asked as the sandbox sees it */
		{ "10.0.2.2", 8081, FASTCONNECT_SLIRP },   /* another port */
		{ "::ffff:10.0.2.2", 8080, FASTCONNECT_SWITCH },
		{ "192.0.2.77", 443, FASTCONNECT_SWITCH }, /* by prefix */
		{ "192.0.3.1", 443, FASTCONNECT_SLIRP },
		{ "2001:db8::1", 22, FASTCONNECT_SWITCH },
		{ "2001:db9::1", 22, FASTCONNECT_SLIRP },
		{ "198.51.100.1", 80, FASTCONNECT_SLIRP }, /* perhaps svc.test: only the helper knows */
		{ "fd00::2", 8080, FASTCONNECT_SLIRP },    /* not allowed by the IPv4 entry */
	};
	struct net_policy *p = test_malloc(sizeof(*p));
	char err[256];

	(void)state;
	netpolicy_init(p);
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		assert_int_equal(netpolicy_add(p, allow[i], err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		struct sockaddr_storage in, host;
		socklen_t len = make_addr(pcases[i].addr, pcases[i].port, &in), hostlen;
		enum fastconnect_verdict v = fastconnect_route((struct sockaddr *)&in, len, true, p, &host, &hostlen);

		if (v != pcases[i].want)
			fail_msg("%s port %d: verdict %d, want %d", pcases[i].addr, pcases[i].port, v, pcases[i].want);
	}
	{
		struct sockaddr_storage in, host;
		socklen_t len = make_addr("10.0.2.2", 8080, &in), hostlen;

		assert_int_equal(fastconnect_route((struct sockaddr *)&in, len, false, p, &host, &hostlen),
				 FASTCONNECT_REFUSE);
	}
	test_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_odd_addresses),
		cmocka_unit_test(test_scope_dropped),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
