/* test_etcfiles.c: the generated /etc texts, for every network mode, with buffer edge cases. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "etcfiles.h"

/* Lines of text that are not comments, joined by '|', to compare without the header wording. */
static void body(const char *text, char *out, size_t len)
{
	const char *line = text;

	out[0] = '\0';
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (n && line[0] != '#') {
			if (out[0])
				strncat(out, "|", len - strlen(out) - 1);
			strncat(out, line, n < len - strlen(out) - 1 ? n : len - strlen(out) - 1);
		}
		line += n + (nl ? 1 : 0);
	}
}

struct resolv_case {
	enum net_mode mode;
	const char *host_text;
	const char *want; /* non-comment lines */
};

static const struct resolv_case resolv_cases[] = {
	{ NET_SLIRP, NULL, "nameserver 10.0.2.3" },
	{ NET_SLIRP, "nameserver 192.0.2.1\n", "nameserver 10.0.2.3" }, /* host text ignored */
	{ NET_HOST, "nameserver 192.0.2.1\nsearch example.org\n",
	  "nameserver 192.0.2.1|search example.org" },
	{ NET_HOST, "nameserver 127.0.0.53", "nameserver 127.0.0.53" }, /* newline added */
	{ NET_HOST, NULL, "" },
	{ NET_HOST, "", "" },
	{ NET_NONE, NULL, "" },
	{ NET_NONE, "nameserver 192.0.2.1\n", "" },
};

static void test_resolv_conf(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(resolv_cases) / sizeof(resolv_cases[0]); i++) {
		char buf[512], got[512];
		int n = etcfiles_resolv_conf(buf, sizeof(buf), resolv_cases[i].mode,
					     resolv_cases[i].host_text);

		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(buf));
		assert_int_equal(buf[n - 1], '\n');
		body(buf, got, sizeof(got));
		assert_string_equal(got, resolv_cases[i].want);
	}
}

struct hosts_case {
	const char *hostname;
	enum net_mode mode;
	const char *want;
};

static const struct hosts_case hosts_cases[] = {
	{ "sandbox", NET_SLIRP,
	  "127.0.0.1\tlocalhost|::1\tlocalhost ip6-localhost ip6-loopback|"
	  "10.0.2.100\tsandbox|fd00::100\tsandbox" },
	{ "box.example", NET_NONE,
	  "127.0.0.1\tlocalhost|::1\tlocalhost ip6-localhost ip6-loopback|127.0.1.1\tbox.example" },
	{ "h", NET_HOST,
	  "127.0.0.1\tlocalhost|::1\tlocalhost ip6-localhost ip6-loopback|127.0.1.1\th" },
};

static void test_hosts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hosts_cases) / sizeof(hosts_cases[0]); i++) {
		char buf[512], got[512];
		int n = etcfiles_hosts(buf, sizeof(buf), hosts_cases[i].hostname, hosts_cases[i].mode);

		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(buf));
		body(buf, got, sizeof(got));
		assert_string_equal(got, hosts_cases[i].want);
	}
}

static const char *const bad_names[] = {
	"", "two words", "tab\there", "new\nline", "#comment", "a#b", "del\x7f", "cr\r", NULL,
};

static void test_bad_hostnames(void **state)
{
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(etcfiles_hosts(buf, sizeof(buf), bad_names[i], NET_SLIRP), -EINVAL);
		assert_int_equal(etcfiles_hostname(buf, sizeof(buf), bad_names[i]), -EINVAL);
	}
}

static void test_hostname(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(etcfiles_hostname(buf, sizeof(buf), "sandbox"), 8);
	assert_string_equal(buf, "sandbox\n");
}

/* Exactly fitting works; one byte short is -ENOSPC with an empty string, never a cut file. */
static void test_nospc(void **state)
{
	char buf[512];
	int need;

	(void)state;
	need = etcfiles_hosts(buf, sizeof(buf), "sandbox", NET_SLIRP);
	assert_true(need > 0);
	assert_int_equal(etcfiles_hosts(buf, (size_t)need + 1, "sandbox", NET_SLIRP), need);
	assert_int_equal(etcfiles_hosts(buf, (size_t)need, "sandbox", NET_SLIRP), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(etcfiles_hostname(buf, 8, "sandbox"), -ENOSPC);
	assert_int_equal(etcfiles_hostname(buf, 0, "sandbox"), -ENOSPC);
	need = etcfiles_resolv_conf(buf, sizeof(buf), NET_SLIRP, NULL);
	assert_int_equal(etcfiles_resolv_conf(buf, (size_t)need, NET_SLIRP, NULL), -ENOSPC);
	assert_int_equal(etcfiles_resolv_conf(buf, 4, NET_HOST, "nameserver 192.0.2.1\n"), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_bad_hostnames),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_nospc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
