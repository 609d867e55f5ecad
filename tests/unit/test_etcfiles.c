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
#include "options.h"

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

static void test_dns_servers(void **state)
{
	static const char *const servers[] = { "192.0.2.53", "2001:db8::53" };
	char buf[512], got[512];
	int n;

	(void)state;
	n = etcfiles_resolv_conf_servers(buf, sizeof(buf), servers, 2);
	assert_int_equal((size_t)n, strlen(buf));
	body(buf, got, sizeof(got));
	assert_string_equal(got, "nameserver 192.0.2.53|nameserver 2001:db8::53");
	/* One byte short: nothing, never a cut server line. */
	assert_int_equal(etcfiles_resolv_conf_servers(buf, (size_t)n, servers, 2), -ENOSPC);
	assert_string_equal(buf, "");
}

static void test_check_ip(void **state)
{
	static const char *const good[] = { "10.0.2.3", "::1", "fd00::2", "2001:db8::1", "0.0.0.0" };
	static const char *const bad[] = { "", "10.0.2", "10.0.2.256", "example.org", "10.0.2.3 ",
					   "fe80::1%eth0", "[::1]", "1.2.3.4\n", "::g" };
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(etcfiles_check_ip(good[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (etcfiles_check_ip(bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_add_host(void **state)
{
	static const struct {
		const char *arg;
		int ret;
		const char *line; /* as it appears in hosts */
	} cases[] = {
		{ "db:192.0.2.7", 0, "192.0.2.7\tdb" },
		{ "db.example.org:2001:db8::7", 0, "2001:db8::7\tdb.example.org" },
		{ "v6:[::1]", 0, "::1\tv6" },
		{ "a:1.2.3.4:5", -EINVAL, NULL },
		{ ":1.2.3.4", -EINVAL, NULL },
		{ "noaddr", -EINVAL, NULL },
		{ "name:", -EINVAL, NULL },
		{ "two words:1.2.3.4", -EINVAL, NULL },
		{ "a#b:1.2.3.4", -EINVAL, NULL },
		{ "nl\nx:1.2.3.4", -EINVAL, NULL },
		{ "x:example.org", -EINVAL, NULL },
		{ "x:[1.2.3.4", -EINVAL, NULL },
		{ "x:1.2.3.4\n127.0.0.1 evil", -EINVAL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct add_host h;
		char err[256] = "", buf[128];
		int r = etcfiles_parse_add_host(cases[i].arg, &h, err, sizeof(err));

		if (r != cases[i].ret)
			fail_msg("'%s': %d, want %d", cases[i].arg, r, cases[i].ret);
		if (r < 0) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_int_equal(etcfiles_hosts_extra(buf, sizeof(buf), &h, 1), (int)strlen(cases[i].line) + 1);
		buf[strlen(buf) - 1] = '\0';
		assert_string_equal(buf, cases[i].line);
	}
}

/* The text a config gets: --dns replaces the default server, --add-host lines come last. */
static void test_text_of_config(void **state)
{
	char *argv[] = { "sandbox", "--dns", "192.0.2.53", "--add-host", "db:192.0.2.7", "--add-host",
			 "cache:2001:db8::9", "rootfs", NULL };
	struct config cfg;
	struct mountplan plan;
	char err[256], buf[1024], got[1024];

	(void)state;
	assert_int_equal(options_parse(8, argv, &cfg, err, sizeof(err)), 0);
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	assert_true(etcfiles_text(ETC_RESOLV_CONF, &plan, buf, sizeof(buf)) > 0);
	body(buf, got, sizeof(got));
	assert_string_equal(got, "nameserver 192.0.2.53");
	assert_true(etcfiles_text(ETC_HOSTS, &plan, buf, sizeof(buf)) > 0);
	body(buf, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1\tlocalhost|::1\tlocalhost ip6-localhost ip6-loopback|"
				 "10.0.2.100\tsandbox|fd00::100\tsandbox|192.0.2.7\tdb|2001:db8::9\tcache");
	/* Too small for the extra lines: an error, not a cut file. */
	int base = etcfiles_hosts(buf, sizeof(buf), "sandbox", NET_SLIRP);
	assert_int_equal(etcfiles_text(ETC_HOSTS, &plan, buf, (size_t)base + 10), -ENOSPC);
	mountplan_free(&plan);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_bad_hostnames),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_nospc),
		cmocka_unit_test(test_dns_servers),
		cmocka_unit_test(test_check_ip),
		cmocka_unit_test(test_add_host),
		cmocka_unit_test(test_text_of_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
