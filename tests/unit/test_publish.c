/* test_publish.c: the -p parser, table-driven: every accepted form and every rejection. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "publish.h"

struct good_case {
	const char *spec;
	int family;
	const char *addr;
	uint16_t host_port;
	uint16_t sandbox_port;
	bool udp;
};

static const struct good_case good[] = {
	{ "8080:80", AF_INET, "127.0.0.1", 8080, 80, false },
	{ "1:1", AF_INET, "127.0.0.1", 1, 1, false },
	{ "65535:65535", AF_INET, "127.0.0.1", 65535, 65535, false },
	{ "8080:80/tcp", AF_INET, "127.0.0.1", 8080, 80, false },
	{ "53:53/udp", AF_INET, "127.0.0.1", 53, 53, true },
	{ "0.0.0.0:80:8080", AF_INET, "0.0.0.0", 80, 8080, false },
	{ "192.0.2.7:443:8443/udp", AF_INET, "192.0.2.7", 443, 8443, true },
	{ "127.0.0.1:2222:22", AF_INET, "127.0.0.1", 2222, 22, false },
	{ "[::1]:8080:80", AF_INET6, "::1", 8080, 80, false },
	{ "[::]:8080:80/udp", AF_INET6, "::", 8080, 80, true },
	{ "[2001:db8::1]:1:65535/tcp", AF_INET6, "2001:db8::1", 1, 65535, false },
	{ "[::ffff:127.0.0.1]:9:9", AF_INET6, "::ffff:127.0.0.1", 9, 9, false },
	{ "00080:080", AF_INET, "127.0.0.1", 80, 80, false }, /* leading zeros are decimal */
};

struct bad_case {
	const char *spec;
	const char *reason; /* expected substring of the message */
};

static const struct bad_case bad[] = {
	{ "", "expected [HOST_IP:]HOST_PORT:SANDBOX_PORT" },
	{ "abc", "expected [HOST_IP:]HOST_PORT:SANDBOX_PORT" },
	{ "80", "expected [HOST_IP:]HOST_PORT:SANDBOX_PORT" },
	{ "70000:80", "host port must be 1-65535" },
	{ "65536:80", "host port must be 1-65535" },
	{ "0:80", "host port must be 1-65535" },
	{ "80:0", "sandbox port must be 1-65535" },
	{ "80:70000", "sandbox port must be 1-65535" },
	{ "999999999999999999999:80", "host port must be 1-65535" },
	{ "1:2:3:4", "too many ':'" },
	{ ":80", "host port must be 1-65535" },
	{ "80:", "sandbox port must be 1-65535" },
	{ ":", "host port must be 1-65535" },
	{ "::80", "host address is empty" },
	{ ":80:80", "host address is empty" },
	{ "127.0.0.1::80", "host port must be 1-65535" },
	{ "127.0.0.1:80:", "sandbox port must be 1-65535" },
	{ "abc:80", "host port must be 1-65535" },
	{ "80:abc", "sandbox port must be 1-65535" },
	{ "+80:80", "host port must be 1-65535" },
	{ "-1:80", "host port must be 1-65535" },
	{ " 80:80", "host port must be 1-65535" },
	{ "80:80 ", "sandbox port must be 1-65535" },
	{ "0x50:80", "host port must be 1-65535" },
	{ "80:80x", "sandbox port must be 1-65535" },
	{ "80:80/", "protocol must be tcp or udp" },
	{ "80:80/sctp", "protocol must be tcp or udp" },
	{ "80:80/TCP", "protocol must be tcp or udp" },
	{ "80:80/tcp/udp", "protocol must be tcp or udp" },
	{ "80:80/tcpx", "protocol must be tcp or udp" },
	{ "/tcp", "expected [HOST_IP:]HOST_PORT:SANDBOX_PORT" },
	{ "localhost:80:80", "bad host address \"localhost\"" },
	{ "256.0.0.1:80:80", "bad host address" },
	{ "1.2.3:80:80", "bad host address" },
	{ "::1:8080:80", "too many ':'" },
	{ "[::1:8080:80", "missing ']'" },
	{ "[]:80:80", "host address is empty" },
	{ "[::1]", "expected ':' and ports" },
	{ "[::1]:", "expected HOST_PORT:SANDBOX_PORT" },
	{ "[::1]8080:80", "expected ':' and ports" },
	{ "[::1]:8080", "expected HOST_PORT:SANDBOX_PORT" },
	{ "[::1]:8080:80:1", "too many ':'" },
	{ "[127.0.0.1]:80:80", "bad IPv6 host address" },
	{ "[fe80::1%lo]:80:80", "bad IPv6 host address" },
	{ "[zz::1]:80:80", "bad IPv6 host address" },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct publish p;
		char err[256] = "";
		char text[INET6_ADDRSTRLEN];
		int r = publish_parse(good[i].spec, &p, err, sizeof(err));

		if (r != 0)
			fail_msg("%s: unexpected error %d: %s", good[i].spec, r, err);
		assert_int_equal(p.family, good[i].family);
		assert_non_null(inet_ntop(p.family, &p.host_addr, text, sizeof(text)));
		assert_string_equal(text, good[i].addr);
		assert_int_equal(p.host_port, good[i].host_port);
		assert_int_equal(p.sandbox_port, good[i].sandbox_port);
		assert_int_equal(p.udp, good[i].udp);
	}
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct publish p;
		char err[256] = "";
		char quoted[128];
		int r = publish_parse(bad[i].spec, &p, err, sizeof(err));

		if (r != -EINVAL)
			fail_msg("%s: accepted (r=%d)", bad[i].spec, r);
		/* One line, starting with the quoted spec, naming the reason. */
		snprintf(quoted, sizeof(quoted), "\"%s\": ", bad[i].spec);
		if (strncmp(err, quoted, strlen(quoted)) != 0)
			fail_msg("%s: message does not start with the spec: %s", bad[i].spec, err);
		if (!strstr(err, bad[i].reason))
			fail_msg("%s: expected \"%s\" in \"%s\"", bad[i].spec, bad[i].reason, err);
		assert_null(strchr(err, '\n'));
	}
}

/* The exact wording the issue asks for. */
static void test_message_exact(void **state)
{
	struct publish p;
	char err[256];

	(void)state;
	assert_int_equal(publish_parse("70000:80", &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "\"70000:80\": host port must be 1-65535");
}

/* A failed parse leaves the output untouched; a tiny buffer is truncated, not overrun. */
static void test_out_untouched_and_small_buffer(void **state)
{
	struct publish p;
	char err[8];

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(publish_parse("abc", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(p.host_port, 0xa5a5);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(publish_parse("abc", &p, NULL, 0), -EINVAL);
	assert_int_equal(publish_parse(NULL, &p, err, sizeof(err)), -EINVAL);
}

/* Where a published port leads: the listener's address, and the sandbox's own address of the
 * same family with SANDBOX_PORT (what libslirp and the fast path both connect to). */
static void test_addrs(void **state)
{
	struct publish p;
	struct publish_addrs a;
	char err[200], text[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(publish_parse("0.0.0.0:8080:80", &p, err, sizeof(err)), 0);
	publish_addrs(&p, &a);
	assert_int_equal(a.host_len, sizeof(struct sockaddr_in));
	assert_int_equal(a.sandbox_len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.host)->sin_port), 8080);
	assert_int_equal(((struct sockaddr_in *)&a.host)->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.sandbox)->sin_port), 80);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&a.sandbox)->sin_addr, text, sizeof(text));
	assert_string_equal(text, "10.0.2.100");

	assert_int_equal(publish_parse("[::1]:8443:443", &p, err, sizeof(err)), 0);
	publish_addrs(&p, &a);
	assert_int_equal(a.host.ss_family, AF_INET6);
	assert_int_equal(a.sandbox.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.host)->sin6_port), 8443);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.sandbox)->sin6_port), 443);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a.sandbox)->sin6_addr, text, sizeof(text));
	assert_string_equal(text, "fd00::100");
}

static void test_describe_and_count(void **state)
{
	struct publish p[3];
	char err[200], text[80];

	(void)state;
	assert_int_equal(publish_parse("8080:80", &p[0], err, sizeof(err)), 0);
	assert_int_equal(publish_parse("[::1]:53:53/udp", &p[1], err, sizeof(err)), 0);
	assert_int_equal(publish_parse("10.1.2.3:1:2/tcp", &p[2], err, sizeof(err)), 0);
	publish_describe(&p[0], text, sizeof(text));
	assert_string_equal(text, "publish 127.0.0.1:8080/tcp");
	publish_describe(&p[1], text, sizeof(text));
	assert_string_equal(text, "publish [::1]:53/udp");
	publish_describe(&p[2], text, 12);
	assert_string_equal(text, "publish 10.");
	assert_int_equal(publish_count_tcp(p, 3), 2);
	assert_int_equal(publish_count_tcp(&p[1], 1), 0);
	assert_int_equal(publish_count_tcp(p, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_message_exact),
		cmocka_unit_test(test_out_untouched_and_small_buffer),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_describe_and_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
