/* Unit tests for rlimit.c: names as in prlimit(1), the NAME=SOFT[:HARD] grammar, and applying
 * limits (in forked children, so the test runner keeps its own). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rlimit.h"
#include "util.h"

/* Every name prlimit(1) knows. */
static const struct {
	const char *name;
	int resource;
} all_names[] = {
	{ "AS", RLIMIT_AS },
	{ "CORE", RLIMIT_CORE },
	{ "CPU", RLIMIT_CPU },
	{ "DATA", RLIMIT_DATA },
	{ "FSIZE", RLIMIT_FSIZE },
	{ "LOCKS", RLIMIT_LOCKS },
	{ "MEMLOCK", RLIMIT_MEMLOCK },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "NICE", RLIMIT_NICE },
	{ "NOFILE", RLIMIT_NOFILE },
	{ "NPROC", RLIMIT_NPROC },
	{ "RSS", RLIMIT_RSS },
	{ "RTPRIO", RLIMIT_RTPRIO },
	{ "RTTIME", RLIMIT_RTTIME },
	{ "SIGPENDING", RLIMIT_SIGPENDING },
	{ "STACK", RLIMIT_STACK },
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(all_names); i++) {
		char lower[32], mixed[32], prefixed[64], lprefixed[64];
		const char *n = all_names[i].name;
		size_t k;

		for (k = 0; n[k]; k++) {
			lower[k] = (char)(n[k] - 'A' + 'a');
			mixed[k] = k % 2 ? lower[k] : n[k];
		}
		lower[k] = mixed[k] = '\0';
		snprintf(prefixed, sizeof(prefixed), "RLIMIT_%s", n);
		snprintf(lprefixed, sizeof(lprefixed), "rlimit_%s", lower);
		const char *const forms[] = { n, lower, mixed, prefixed, lprefixed };
		for (size_t f = 0; f < ARRAY_SIZE(forms); f++)
			if (rlimit_by_name(forms[f]) != all_names[i].resource)
				fail_msg("'%s': got %d, want %d", forms[f], rlimit_by_name(forms[f]),
					 all_names[i].resource);
	}
	static const char *const bad[] = {
		"", "FOO", "RLIMIT_", "RLIMIT_FOO", "NOFILES", "NOFIL", " NOFILE", "NOFILE ", "RLIMIT_RLIMIT_NOFILE",
		"RLIMITNOFILE", "RLIMIT-NOFILE", "7", "NO_FILE", "OFILE", "NOFILE=1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (rlimit_by_name(bad[i]) != -1)
			fail_msg("'%s' accepted as %d", bad[i], rlimit_by_name(bad[i]));
}

static void test_parse_ok(void **state)
{
	(void)state;
	static const struct {
		const char *spec;
		int resource;
		rlim_t soft, hard;
		bool hard_set;
	} cases[] = {
		{ "NOFILE=5", RLIMIT_NOFILE, 5, 0, false },
		{ "nofile=5", RLIMIT_NOFILE, 5, 0, false },
		{ "RLIMIT_NOFILE=5", RLIMIT_NOFILE, 5, 0, false },
		{ "rlimit_nofile=5", RLIMIT_NOFILE, 5, 0, false },
		{ "NOFILE=0", RLIMIT_NOFILE, 0, 0, false },
		{ "NOFILE=5:10", RLIMIT_NOFILE, 5, 10, true },
		{ "NOFILE=10:10", RLIMIT_NOFILE, 10, 10, true },
		{ "NOFILE=0:0", RLIMIT_NOFILE, 0, 0, true },
		{ "CORE=unlimited", RLIMIT_CORE, RLIM_INFINITY, 0, false },
		{ "CORE=UNLIMITED", RLIMIT_CORE, RLIM_INFINITY, 0, false },
		{ "CORE=infinity", RLIMIT_CORE, RLIM_INFINITY, 0, false },
		{ "CORE=Infinity", RLIMIT_CORE, RLIM_INFINITY, 0, false },
		{ "CORE=unlimited:unlimited", RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY, true },
		{ "CORE=0:unlimited", RLIMIT_CORE, 0, RLIM_INFINITY, true },
		{ "CORE=0:infinity", RLIMIT_CORE, 0, RLIM_INFINITY, true },
		{ "AS=18446744073709551614", RLIMIT_AS, 18446744073709551614ULL, 0, false },
		{ "STACK=8388608:unlimited", RLIMIT_STACK, 8388608, RLIM_INFINITY, true },
		{ "cpu=1:2", RLIMIT_CPU, 1, 2, true },
		{ "NICE=0", RLIMIT_NICE, 0, 0, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct rlimit_setting s;
		char err[256] = "";
		int r = rlimit_parse(cases[i].spec, &s, err, sizeof(err));
		if (r != 0)
			fail_msg("'%s': %d (%s)", cases[i].spec, r, err);
		if (s.resource != cases[i].resource || s.soft != cases[i].soft || s.hard != cases[i].hard ||
		    s.hard_set != cases[i].hard_set)
			fail_msg("'%s': got %d %llu:%llu set %d", cases[i].spec, s.resource,
				 (unsigned long long)s.soft, (unsigned long long)s.hard, s.hard_set);
	}
}

static void test_parse_refused(void **state)
{
	(void)state;
	static const struct {
		const char *spec;
		const char *needle;
	} cases[] = {
		{ "NOFILE=10:5", "NOFILE=10:5" },
		{ "NOFILE=unlimited:5", "NOFILE=unlimited:5" },
		{ "NOFILE=unlimited:18446744073709551614", "unlimited" },
		{ "NOFILE=", "NOFILE=" },
		{ "=5", "=5" },
		{ "=", "=" },
		{ "", "''" },
		{ "NOFILE=5:", "NOFILE=5:" },
		{ "NOFILE=:5", "NOFILE=:5" },
		{ "NOFILE=5:6:7", "NOFILE=5:6:7" },
		{ "NOFILE=abc", "NOFILE=abc" },
		{ "NOFILE=5x", "NOFILE=5x" },
		{ "NOFILE=5k", "NOFILE=5k" },
		{ "NOFILE=0x10", "0x10" },
		{ "FOO=1", "FOO" },
		{ "RLIMIT_=1", "RLIMIT_" },
		{ "NOFILE=-1", "NOFILE=-1" },
		{ "NOFILE=+1", "NOFILE=+1" },
		{ "NOFILE=1 ", "NOFILE=1 " },
		{ "NOFILE= 1", "NOFILE= 1" },
		{ "NOFILE =1", "NOFILE " },
		{ "NOFILE", "NOFILE" },
		{ "NOFILE:5", "NOFILE:5" },
		{ "NOFILE=5=6", "NOFILE=5=6" },
		{ "NOFILE=18446744073709551615", "NOFILE=18446744073709551615" }, /* RLIM_INFINITY as a number */
		{ "NOFILE=99999999999999999999", "NOFILE=99999999999999999999" },
		{ "NOFILE=unlimitedx", "unlimitedx" },
		{ "NOFILE=unlimit", "unlimit" },
		{ "AVERYLONGNAMETHATISNOTALIMITATALL=1", "AVERYLONGNAMETHATISNOTALIMITATALL" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct rlimit_setting s;
		char err[256] = "";
		int r = rlimit_parse(cases[i].spec, &s, err, sizeof(err));
		if (r != -EINVAL)
			fail_msg("'%s': got %d, want -EINVAL", cases[i].spec, r);
		if (err[0] == '\0')
			fail_msg("'%s': no reason", cases[i].spec);
		if (!strstr(err, cases[i].needle))
			fail_msg("'%s': reason '%s' does not mention '%s'", cases[i].spec, err, cases[i].needle);
	}
}

/* Run fn in a child; it returns 0 or writes why to stderr and returns 1. */
static void in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

#define CHILD_CHECK(cond)                                                                      \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: child check failed: %s\n", __FILE__, __LINE__, #cond); \
			return 1;                                                              \
		}                                                                              \
	} while (0)

static int child_soft_only(void)
{
	struct rlimit before, after;
	char err[256] = "";

	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &before) == 0);
	CHILD_CHECK(before.rlim_max >= 64);
	struct rlimit_setting s = { RLIMIT_NOFILE, 64, 0, false };
	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == 0);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 64);
	CHILD_CHECK(after.rlim_max == before.rlim_max); /* hard untouched */
	CHILD_CHECK(err[0] == '\0');
	return 0;
}

static int child_soft_and_hard(void)
{
	struct rlimit after;
	char err[256] = "";
	struct rlimit_setting s[] = {
		{ RLIMIT_NOFILE, 32, 48, true },
		{ RLIMIT_CORE, 0, 0, false },
	};

	CHILD_CHECK(rlimit_apply(s, 2, err, sizeof(err)) == 0);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 32);
	CHILD_CHECK(after.rlim_max == 48);
	CHILD_CHECK(getrlimit(RLIMIT_CORE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 0);
	/* Nothing to apply. */
	CHILD_CHECK(rlimit_apply(NULL, 0, err, sizeof(err)) == 0);
	return 0;
}

/* A soft limit above the current hard one, without a new hard one: refused with a reason,
 * and the earlier settings stay applied. */
static int child_soft_above_hard(void)
{
	struct rlimit rl = { 50, 100 }, after;
	char err[256] = "";
	struct rlimit_setting s[] = {
		{ RLIMIT_CORE, 0, 0, false },
		{ RLIMIT_NOFILE, 200, 0, false },
	};

	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHILD_CHECK(rlimit_apply(s, 2, err, sizeof(err)) == -EINVAL);
	CHILD_CHECK(strstr(err, "NOFILE") != NULL);
	CHILD_CHECK(strstr(err, "hard") != NULL);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 50 && after.rlim_max == 100);
	CHILD_CHECK(getrlimit(RLIMIT_CORE, &after) == 0 && after.rlim_cur == 0);
	return 0;
}

/* What the kernel refuses comes back as its errno with the limit's name. NOFILE can never
 * be unlimited (fs.nr_open caps it), for root too. */
static int child_kernel_refuses(void)
{
	char err[256] = "";
	struct rlimit_setting s = { RLIMIT_NOFILE, RLIM_INFINITY, RLIM_INFINITY, true };

	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == -EPERM);
	CHILD_CHECK(strstr(err, "rlimit NOFILE") == err);
	CHILD_CHECK(strstr(err, strerror(EPERM)) != NULL);
	return 0;
}

/* Without CAP_SYS_RESOURCE, a hard limit cannot go back up. */
static int child_raise_hard(void)
{
	struct rlimit rl = { 10, 20 };
	char err[256] = "";
	struct rlimit_setting s = { RLIMIT_NOFILE, 10, 30, true };

	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == -EPERM);
	CHILD_CHECK(strstr(err, "NOFILE") != NULL);
	return 0;
}

static void test_apply(void **state)
{
	(void)state;
	in_child(child_soft_only);
	in_child(child_soft_and_hard);
	in_child(child_soft_above_hard);
	in_child(child_kernel_refuses);
	if (geteuid() != 0)
		in_child(child_raise_hard);
}

/* The parsed form applies as given. */
static int child_parse_then_apply(void)
{
	struct rlimit_setting s;
	struct rlimit after;
	char err[256] = "";

	CHILD_CHECK(rlimit_parse("nofile=40:60", &s, err, sizeof(err)) == 0);
	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == 0);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 40 && after.rlim_max == 60);
	CHILD_CHECK(rlimit_parse("NOFILE=30", &s, err, sizeof(err)) == 0);
	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == 0);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
	CHILD_CHECK(after.rlim_cur == 30 && after.rlim_max == 60);
	CHILD_CHECK(rlimit_parse("NOFILE=unlimited", &s, err, sizeof(err)) == 0);
	CHILD_CHECK(rlimit_apply(&s, 1, err, sizeof(err)) == -EINVAL);
	return 0;
}

static void test_parse_then_apply(void **state)
{
	(void)state;
	in_child(child_parse_then_apply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	      cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused), cmocka_unit_test(test_apply),
		cmocka_unit_test(test_parse_then_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
