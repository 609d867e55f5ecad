/* Unit tests for caps.c: name parsing and the planner (pure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "caps.h"
#include "options.h" /* struct cap_change */

#define BIT(c) (UINT64_C(1) << (c))

static void test_parse_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int ret;
		cap_value_t cap;
	} cases[] = {
		{ "cap_chown", 0, CAP_CHOWN },
		{ "CAP_CHOWN", 0, CAP_CHOWN },
		{ "CHOWN", 0, CAP_CHOWN },
		{ "chown", 0, CAP_CHOWN },
		{ "Chown", 0, CAP_CHOWN },
		{ "cAp_ChOwN", 0, CAP_CHOWN },
		{ "NET_BIND_SERVICE", 0, CAP_NET_BIND_SERVICE },
		{ "sys_admin", 0, CAP_SYS_ADMIN },
		{ "CAP_SETFCAP", 0, CAP_SETFCAP },
		{ "ALL", 0, CAPS_ALL },
		{ "all", 0, CAPS_ALL },
		{ "All", 0, CAPS_ALL },
		{ "CAP_ALL", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "CAP_", -EINVAL, 0 },
		{ "cap_", -EINVAL, 0 },
		{ "bogus", -EINVAL, 0 },
		{ "CAP_BOGUS", -EINVAL, 0 },
		{ "0", -EINVAL, 0 },
		{ "12", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "CAP_0", -EINVAL, 0 },
		{ " chown", -EINVAL, 0 },
		{ "chown ", -EINVAL, 0 },
		{ "chown,kill", -EINVAL, 0 },
		{ "cap_cap_chown", -EINVAL, 0 },
		{ "ch\xc3\xb6wn", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap_value_t c = 12345;
		int r = caps_parse_name(cases[i].name, &c);
		if (r != cases[i].ret)
			fail_msg("'%s': got %d, want %d", cases[i].name, r, cases[i].ret);
		if (r == 0 && c != cases[i].cap)
			fail_msg("'%s': got cap %d, want %d", cases[i].name, c, cases[i].cap);
	}
	assert_int_equal(caps_parse_name(NULL, &(cap_value_t){ 0 }), -EINVAL);
}

/* Every capability libcap names round-trips through its own name. */
static void test_parse_every_cap(void **state)
{
	(void)state;
	for (cap_value_t c = 0; c <= CAPS_LAST; c++) {
		char *n = cap_to_name(c);
		assert_non_null(n);
		cap_value_t got = -2;
		assert_int_equal(caps_parse_name(n, &got), 0);
		assert_int_equal(got, c);
		cap_free(n);
	}
}

/* The set a user gets from the changes: caps_plan, then caps_set_for. */
static int plan_set(const struct cap_change *c, size_t n, bool root, uint64_t *set, char *err, size_t errlen)
{
	uint64_t add, drop;
	int r = caps_plan(c, n, &add, &drop, err, errlen);

	if (r == 0)
		*set = caps_set_for(add, drop, root);
	return r;
}

static void test_plan_default(void **state)
{
	(void)state;
	uint64_t set = 1;
	char err[128] = "";
	assert_int_equal(plan_set(NULL, 0, true, &set, err, sizeof(err)), 0);
	uint64_t want = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) | BIT(CAP_FSETID) |
			BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETFCAP) |
			BIT(CAP_SETGID) | BIT(CAP_SETPCAP) | BIT(CAP_SETUID) | BIT(CAP_SYS_CHROOT);
	assert_int_equal(set, want);
	assert_int_equal(caps_default_root, want);

	char buf[512];
	assert_string_equal(caps_format(set, buf, sizeof(buf)),
			    "chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,"
			    "net_bind_service,sys_chroot,setfcap");

	assert_int_equal(plan_set(NULL, 0, false, &set, err, sizeof(err)), 0);
	assert_int_equal(set, 0);
}

static void test_plan_changes(void **state)
{
	(void)state;
	uint64_t set;
	char err[128] = "";

	/* drop one, add one */
	struct cap_change a[] = { { false, "chown" }, { true, "CAP_SYS_ADMIN" } };
	assert_int_equal(plan_set(a, 2, true, &set, err, sizeof(err)), 0);
	assert_int_equal(set, (caps_default_root & ~BIT(CAP_CHOWN)) | BIT(CAP_SYS_ADMIN));

	/* drop ALL then add: only the added */
	struct cap_change b[] = { { false, "ALL" }, { true, "net_raw" }, { true, "Kill" } };
	assert_int_equal(plan_set(b, 3, true, &set, err, sizeof(err)), 0);
	assert_int_equal(set, BIT(CAP_NET_RAW) | BIT(CAP_KILL));

	/* order matters: add then drop ALL is empty */
	struct cap_change c[] = { { true, "net_raw" }, { false, "all" } };
	assert_int_equal(plan_set(c, 2, true, &set, err, sizeof(err)), 0);
	assert_int_equal(set, 0);

	/* add ALL: every capability this build knows */
	struct cap_change d[] = { { true, "all" } };
	assert_int_equal(plan_set(d, 1, false, &set, err, sizeof(err)), 0);
	assert_int_equal(set, CAPS_MASK_ALL);
	assert_true(set & BIT(CAP_SYS_ADMIN));
	assert_true(set & BIT(CAPS_LAST));

	/* non-root user: nothing unless added; dropping what is not there is fine */
	struct cap_change e[] = { { false, "chown" }, { true, "chown" }, { true, "chown" } };
	assert_int_equal(plan_set(e, 3, false, &set, err, sizeof(err)), 0);
	assert_int_equal(set, BIT(CAP_CHOWN));

	/* drop of a default twice */
	struct cap_change f[] = { { false, "kill" }, { false, "CAP_KILL" } };
	assert_int_equal(plan_set(f, 2, true, &set, err, sizeof(err)), 0);
	assert_int_equal(set, caps_default_root & ~BIT(CAP_KILL));
}

static void test_plan_unknown(void **state)
{
	(void)state;
	uint64_t set = 42;
	char err[128] = "";

	struct cap_change a[] = { { true, "chown" }, { true, "bogus" } };
	assert_int_equal(plan_set(a, 2, true, &set, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--cap-add: unknown capability 'bogus'");
	assert_int_equal(set, 42); /* untouched on error */

	struct cap_change b[] = { { false, "CAP_" } };
	assert_int_equal(plan_set(b, 1, true, &set, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--cap-drop: unknown capability 'CAP_'");

	struct cap_change c[] = { { false, "" } };
	assert_int_equal(plan_set(c, 1, false, &set, err, sizeof(err)), -EINVAL);

	/* a tiny error buffer is truncated, not overrun */
	char small[8];
	assert_int_equal(plan_set(a, 2, true, &set, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), 7);
}

static void test_format(void **state)
{
	(void)state;
	char buf[16];
	assert_string_equal(caps_format(0, buf, sizeof(buf)), "");
	assert_string_equal(caps_format(BIT(CAP_KILL), buf, sizeof(buf)), "kill");
	/* truncation drops whole names */
	assert_string_equal(caps_format(BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE), buf, sizeof(buf)),
			    "chown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names),  cmocka_unit_test(test_parse_every_cap),
		cmocka_unit_test(test_plan_default), cmocka_unit_test(test_plan_changes),
		cmocka_unit_test(test_plan_unknown), cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
