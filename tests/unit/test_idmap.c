/* Unit tests for idmap.c: building, formatting and parsing id maps; the newuidmap argv. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "idmap.h"
#include "util.h"

static void assert_range(const struct idmap_range *r, uint32_t inside, uint32_t outside, uint32_t count)
{
	if (r->inside != inside || r->outside != outside || r->count != count)
		fail_msg("range {%u %u %u}, want {%u %u %u}", r->inside, r->outside, r->count, inside, outside,
			 count);
}

static void test_single(void **state)
{
	(void)state;
	struct idmap m;

	memset(&m, 0xaa, sizeof(m));
	idmap_single(1000, &m);
	assert_int_equal(m.n, 1);
	assert_range(&m.r[0], 0, 1000, 1);
	idmap_single(0, &m);
	assert_int_equal(m.n, 1);
	assert_range(&m.r[0], 0, 0, 1);
	idmap_single(UINT32_MAX - 1, &m);
	assert_range(&m.r[0], 0, UINT32_MAX - 1, 1);
}

/* Run build(own, range) on a poisoned map; false when it failed as expected (the map then must
 * be untouched, so the caller's fallback starts clean), true when m holds a map to check. */
static bool build_case(int (*build)(uint32_t, const struct subid_span *, struct idmap *), size_t i,
		       uint32_t own, uint32_t start, uint32_t count, int want, struct idmap *m)
{
	struct subid_span span = { start, count };
	struct idmap before;
	int r;

	memset(m, 0x5a, sizeof(*m));
	before = *m;
	r = build(own, &span, m);
	if (r != want)
		fail_msg("case %zu (own %u, %u+%u): got %d, want %d", i, own, start, count, r, want);
	if (r < 0) {
		assert_memory_equal(m, &before, sizeof(*m));
		return false;
	}
	return true;
}

static void test_with_range(void **state)
{
	(void)state;
	static const struct {
		uint32_t own, start, count;
		int ret;
		uint32_t want_count; /* of r[1] */
	} cases[] = {
		{ 1000, 100000, 65536, 0, 65536 },
		{ 1000, 1001, 1, 0, 1 },
		{ 1000, 999, 1, 0, 1 },
		/* The own id inside the range, at the first, a middle and the last id. */
		{ 100000, 100000, 65536, -EINVAL, 0 },
		{ 120000, 100000, 65536, -EINVAL, 0 },
		{ 165535, 100000, 65536, -EINVAL, 0 },
		/* Just outside it on either side. */
		{ 165536, 100000, 65536, 0, 65536 },
		{ 99999, 100000, 65536, 0, 65536 },
		{ 1000, 100000, 0, -EINVAL, 0 },
		{ 0, UINT32_MAX, 2, -EINVAL, 0 },
		{ 0, 2, UINT32_MAX, -EINVAL, 0 },
		{ 0, UINT32_MAX, 1, 0, 1 },
		/* Inside ids 1..count must stay below 2^32-1: the count is clamped. */
		{ UINT32_MAX, 0, UINT32_MAX, 0, UINT32_MAX - 1 },
		{ 0, 1, UINT32_MAX - 1, 0, UINT32_MAX - 1 },
		{ 0, 1, UINT32_MAX - 2, 0, UINT32_MAX - 2 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct idmap m;

		if (!build_case(idmap_with_range, i, cases[i].own, cases[i].start, cases[i].count, cases[i].ret, &m))
			continue;
		assert_int_equal(m.n, 2);
		assert_range(&m.r[0], 0, cases[i].own, 1);
		assert_range(&m.r[1], 1, cases[i].start, cases[i].want_count);
	}
}

static void test_keep_id(void **state)
{
	(void)state;
	static const struct {
		uint32_t own, start, count;
		int ret;
		size_t n;
		struct idmap_range want[IDMAP_MAX];
	} cases[] = {
		/* The usual: own id below the range's count, so 0..count all exist inside. */
		{ 1000, 100000, 65536, 0, 3, { { 0, 100000, 1000 }, { 1000, 1000, 1 }, { 1001, 101000, 64536 } } },
		/* A range smaller than own: 0..count-1, then own. */
		{ 1000, 100000, 10, 0, 2, { { 0, 100000, 10 }, { 1000, 1000, 1 } } },
		{ 1000, 100000, 1000, 0, 2, { { 0, 100000, 1000 }, { 1000, 1000, 1 } } },
		{ 1000, 100000, 1001, 0, 3, { { 0, 100000, 1000 }, { 1000, 1000, 1 }, { 1001, 101000, 1 } } },
		/* Own id 0 (root calling): nothing below. */
		{ 0, 100000, 65536, 0, 2, { { 0, 0, 1 }, { 1, 100000, 65536 } } },
		/* The own id inside the range, or a broken range. */
		{ 100000, 100000, 65536, -EINVAL, 0, { { 0 } } },
		{ 165535, 100000, 65536, -EINVAL, 0, { { 0 } } },
		{ 1000, 100000, 0, -EINVAL, 0, { { 0 } } },
		{ 0, UINT32_MAX, 2, -EINVAL, 0, { { 0 } } },
		/* Inside ids stay below 2^32-1. */
		{ UINT32_MAX - 1, 0, UINT32_MAX - 1, 0, 2, { { 0, 0, UINT32_MAX - 1 }, { UINT32_MAX - 1, UINT32_MAX - 1, 1 } } },
		{ 5, 10, UINT32_MAX - 10, 0, 3, { { 0, 10, 5 }, { 5, 5, 1 }, { 6, 15, UINT32_MAX - 15 } } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct idmap m;

		if (!build_case(idmap_keep_id, i, cases[i].own, cases[i].start, cases[i].count, cases[i].ret, &m))
			continue;
		assert_int_equal(m.n, cases[i].n);
		for (size_t k = 0; k < m.n; k++)
			assert_range(&m.r[k], cases[i].want[k].inside, cases[i].want[k].outside, cases[i].want[k].count);
		/* Own id maps to itself. */
		assert_true(idmap_contains(&m, cases[i].own));
	}

	/* Without a range: own -> own only. */
	struct idmap m;
	assert_int_equal(idmap_keep_id(1000, NULL, &m), 0);
	assert_int_equal(m.n, 1);
	assert_range(&m.r[0], 1000, 1000, 1);
	assert_false(idmap_contains(&m, 0));
}

static void test_format(void **state)
{
	(void)state;
	struct idmap m;
	struct subid_span span = { 100000, 65536 };
	char buf[128];

	idmap_single(1000, &m);
	assert_int_equal(idmap_format(&m, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "0 1000 1\n");

	assert_int_equal(idmap_with_range(1000, &span, &m), 0);
	assert_int_equal(idmap_format(&m, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "0 1000 1\n1 100000 65536\n");

	m.n = 2;
	m.r[0] = (struct idmap_range){ 0, UINT32_MAX - 1, 1 };
	m.r[1] = (struct idmap_range){ 1, 0, UINT32_MAX - 1 };
	assert_int_equal(idmap_format(&m, buf, sizeof(buf)), 30);
	assert_string_equal(buf, "0 4294967294 1\n1 0 4294967294\n");

	m.n = 0;
	assert_int_equal(idmap_format(&m, buf, sizeof(buf)), 0);
}

/* Every buffer too small by any amount: -ENOSPC, and never a byte past the end. */
static void test_format_nospace(void **state)
{
	(void)state;
	struct idmap m;
	struct subid_span span = { 100000, 65536 };
	const char *want = "0 1000 1\n1 100000 65536\n";
	const size_t full = strlen(want);
	char buf[64];

	assert_int_equal(idmap_with_range(1000, &span, &m), 0);
	for (size_t len = 0; len <= full + 1; len++) {
		memset(buf, '#', sizeof(buf));
		int r = idmap_format(&m, buf, len);
		if (len <= full) {
			if (r != -ENOSPC)
				fail_msg("len %zu: got %d, want -ENOSPC", len, r);
		} else {
			assert_int_equal(r, (int)full);
			assert_string_equal(buf, want);
		}
		for (size_t k = len; k < sizeof(buf); k++)
			if (buf[k] != '#')
				fail_msg("len %zu: byte %zu written", len, k);
	}
}

static void test_parse_line(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int ret;
		uint32_t inside, outside, count;
	} cases[] = {
		/* As /proc/self/uid_map shows them. */
		{ "         0       1000          1", 0, 0, 1000, 1 },
		{ "         0       1000          1\n", 0, 0, 1000, 1 },
		{ "         1     100000      65536\n", 0, 1, 100000, 65536 },
		{ "         0          0 4294967295\n", 0, 0, 0, UINT32_MAX },
		{ "0 1000 1", 0, 0, 1000, 1 },
		{ "\t0\t1000\t1\t", 0, 0, 1000, 1 },
		{ " 0 \t 1000 \t 1 \n", 0, 0, 1000, 1 },
		{ "0 4294967295 1", 0, 0, UINT32_MAX, 1 },
		{ "4294967295 0 1", 0, UINT32_MAX, 0, 1 },
		{ "0 4294967294 2", 0, 0, UINT32_MAX - 1, 2 },
		{ "0 4294967295 2", -EINVAL, 0, 0, 0 },
		{ "4294967295 0 2", -EINVAL, 0, 0, 0 },
		{ "0 4294967296 1", -EINVAL, 0, 0, 0 },
		{ "4294967296 0 1", -EINVAL, 0, 0, 0 },
		{ "0 0 4294967296", -EINVAL, 0, 0, 0 },
		{ "0 0 99999999999999999999999", -EINVAL, 0, 0, 0 },
		{ "0 1000 0", -EINVAL, 0, 0, 0 },
		{ "", -EINVAL, 0, 0, 0 },
		{ "\n", -EINVAL, 0, 0, 0 },
		{ "   ", -EINVAL, 0, 0, 0 },
		{ "0", -EINVAL, 0, 0, 0 },
		{ "0 1000", -EINVAL, 0, 0, 0 },
		{ "0 1000\n", -EINVAL, 0, 0, 0 },
		{ "0 1000 1 5", -EINVAL, 0, 0, 0 },
		{ "0 1000 1 x", -EINVAL, 0, 0, 0 },
		{ "0 1000 1x", -EINVAL, 0, 0, 0 },
		{ "0 1000 1\r\n", -EINVAL, 0, 0, 0 },
		{ "0,1000,1", -EINVAL, 0, 0, 0 },
		{ "a b c", -EINVAL, 0, 0, 0 },
		{ "-1 1000 1", -EINVAL, 0, 0, 0 },
		{ "0 -1000 1", -EINVAL, 0, 0, 0 },
		{ "+0 1000 1", -EINVAL, 0, 0, 0 },
		{ "0x0 1000 1", -EINVAL, 0, 0, 0 },
		{ "garbage", -EINVAL, 0, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct idmap_range r = { 7, 7, 7 };
		int ret = idmap_parse_line(cases[i].line, &r);
		if (ret != cases[i].ret)
			fail_msg("'%s': got %d, want %d", cases[i].line, ret, cases[i].ret);
		if (ret == 0)
			assert_range(&r, cases[i].inside, cases[i].outside, cases[i].count);
		else
			assert_range(&r, 7, 7, 7);
	}
}

static void test_host_span(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int ret;
		uint32_t low, high;
	} cases[] = {
		/* own id, then the subordinate range above it: the usual sandbox map */
		{ "         0       1002          1\n         1     165536      65536\n", 0, 0, 65536 },
		/* own id above the subordinate range: no range spans both, the larger one wins */
		{ "0 200000 1\n1 100000 65536\n", 0, 1, 65536 },
		{ "0 1000 1\n", 0, 0, 0 },
		{ "0 0 4294967295\n", 0, 0, 4294967294u },
		{ "2 0 1\n3 10 3\n6 50 2\n", 0, 2, 7 },
		{ "5 10 3\n0 50 2\n2 0 1\n", 0, 5, 7 },
		{ "", -ENOENT, 0, 0 },
		{ "0 1000 1\ngarbage\n", -EINVAL, 0, 0 },
		{ "0 1000 0\n", -EINVAL, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t low = 7, high = 7;
		FILE *f = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
		assert_non_null(f);
		int ret = idmap_host_span(f, &low, &high);
		fclose(f);
		if (ret != cases[i].ret)
			fail_msg("case %zu: got %d, want %d", i, ret, cases[i].ret);
		if (ret == 0 && (low != cases[i].low || high != cases[i].high))
			fail_msg("case %zu: got %u %u, want %u %u", i, low, high, cases[i].low,
				 cases[i].high);
	}
}

static void test_contains(void **state)
{
	(void)state;
	struct idmap m;
	struct subid_span span = { 100000, 65536 };

	m.n = 0;
	assert_false(idmap_contains(&m, 0));

	idmap_single(1000, &m);
	assert_true(idmap_contains(&m, 0));
	assert_false(idmap_contains(&m, 1));
	assert_false(idmap_contains(&m, 1000)); /* inside ids, not outside ones */
	assert_false(idmap_contains(&m, UINT32_MAX));

	assert_int_equal(idmap_with_range(1000, &span, &m), 0);
	assert_true(idmap_contains(&m, 0));
	assert_true(idmap_contains(&m, 1));
	assert_true(idmap_contains(&m, 65535));
	assert_true(idmap_contains(&m, 65536));
	assert_false(idmap_contains(&m, 65537));
	assert_false(idmap_contains(&m, 100000));
	assert_false(idmap_contains(&m, UINT32_MAX));

	/* A range reaching 2^32: no wrap-around to 0. */
	m.n = 1;
	m.r[0] = (struct idmap_range){ 0xfffffff0u, 0, 0x10 };
	assert_false(idmap_contains(&m, 0));
	assert_false(idmap_contains(&m, 0xffffffefu));
	assert_true(idmap_contains(&m, 0xfffffff0u));
	assert_true(idmap_contains(&m, UINT32_MAX));
	m.r[0] = (struct idmap_range){ 1, 0, UINT32_MAX };
	assert_false(idmap_contains(&m, 0));
	assert_true(idmap_contains(&m, UINT32_MAX));
}

static void test_helper_argv(void **state)
{
	(void)state;
	struct idmap m;
	struct subid_span span = { 100000, 65536 };
	char store[256];
	char *argv[3 * IDMAP_MAX + 3];
	static const char *const want[] = { "newuidmap", "1234", "0", "1000", "1", "1", "100000", "65536" };

	assert_int_equal(idmap_with_range(1000, &span, &m), 0);
	assert_int_equal(idmap_helper_argv("newuidmap", 1234, &m, store, sizeof(store), argv), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[ARRAY_SIZE(want)]);

	idmap_single(0, &m);
	assert_int_equal(idmap_helper_argv("/usr/bin/newgidmap", 1, &m, store, sizeof(store), argv), 0);
	assert_string_equal(argv[0], "/usr/bin/newgidmap");
	assert_string_equal(argv[1], "1");
	assert_string_equal(argv[2], "0");
	assert_string_equal(argv[3], "0");
	assert_string_equal(argv[4], "1");
	assert_null(argv[5]);

	/* The largest values print in full. */
	m.n = 2;
	m.r[0] = (struct idmap_range){ 0, UINT32_MAX - 1, 1 };
	m.r[1] = (struct idmap_range){ 1, 0, UINT32_MAX - 1 };
	assert_int_equal(idmap_helper_argv("p", 2147483647, &m, store, sizeof(store), argv), 0);
	assert_string_equal(argv[1], "2147483647");
	assert_string_equal(argv[3], "4294967294");
	assert_string_equal(argv[7], "4294967294");
	assert_null(argv[8]);
}

/* "1234\0" "0\0" "1000\0" "1\0" "1\0" "100000\0" "65536\0" = 29 bytes; any less is -ENOSPC
 * and nothing is written past storelen. */
static void test_helper_argv_nospace(void **state)
{
	(void)state;
	struct idmap m;
	struct subid_span span = { 100000, 65536 };
	char store[64];
	char *argv[3 * IDMAP_MAX + 3];
	const size_t need = 29;

	assert_int_equal(idmap_with_range(1000, &span, &m), 0);
	for (size_t len = 0; len <= need; len++) {
		memset(store, '#', sizeof(store));
		int r = idmap_helper_argv("newuidmap", 1234, &m, store, len, argv);
		if (r != (len < need ? -ENOSPC : 0))
			fail_msg("storelen %zu: got %d", len, r);
		for (size_t k = len; k < sizeof(store); k++)
			if (store[k] != '#')
				fail_msg("storelen %zu: byte %zu written", len, k);
	}
	assert_string_equal(argv[7], "65536");
	assert_null(argv[8]);
}

static void layer_owner(unsigned long long count, bool dir, unsigned long long uid, unsigned long long gid,
			unsigned int mode, unsigned long long want_uid, unsigned long long want_gid, unsigned int want_mode)
{
	idmap_layer_owner(count, dir, &uid, &gid, &mode);
	if (uid != want_uid || gid != want_gid || mode != want_mode)
		fail_msg("count %llu: got %llu:%llu %o, want %llu:%llu %o", count, uid, gid, mode, want_uid, want_gid,
			 want_mode);
}

static void test_layer_owner(void **state)
{
	(void)state;
	/* Mapped owners stay, with every bit (Debian's setgid root:shadow programs, _apt's files). */
	layer_owner(65537, false, 0, 42, 02755, 0, 42, 02755);
	layer_owner(65537, false, 42, 65534, 04750, 42, 65534, 04750);
	layer_owner(65537, false, 65536, 65536, 06755, 65536, 65536, 06755);
	/* Beyond the map: owner 0, and no setuid/setgid root made of it. */
	layer_owner(65537, false, 65537, 0, 04755, 0, 0, 0755);
	layer_owner(65537, false, 0, 70000, 02755, 0, 0, 0755);
	layer_owner(65537, false, 70000, 70000, 07755, 0, 0, 01755);
	/* Only the bit of what changed goes. */
	layer_owner(65537, false, 70000, 5, 06755, 0, 5, 02755);
	layer_owner(65537, false, 5, 70000, 06755, 5, 0, 04755);
	/* The single mapping: only root's own bits survive. */
	layer_owner(1, false, 0, 0, 06755, 0, 0, 06755);
	layer_owner(1, false, 1000, 0, 04755, 0, 0, 0755);
	/* A directory keeps set-group-ID and sticky: they grant nothing. */
	layer_owner(1, true, 1000, 1000, 03777, 0, 0, 03777);
	/* A negative id in the tar arrives as a huge one. */
	layer_owner(65537, false, ULLONG_MAX, ULLONG_MAX, 06755, 0, 0, 0755);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_with_range),
		cmocka_unit_test(test_keep_id),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_nospace),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_host_span),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_helper_argv),
		cmocka_unit_test(test_helper_argv_nospace),
		cmocka_unit_test(test_layer_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
