/* Unit tests for log.c: the escaper every message goes through. */
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

static void test_escape_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain /path/to rootfs", "plain /path/to rootfs" },
		/* a terminal title sequence, as in issue #8 */
		{ "\033]0;x\arootfs", "\\033]0;x\\arootfs" },
		{ "a\nb\tc\rd\be\ff\vg", "a\\nb\\tc\\rd\\be\\ff\\vg" },
		{ "\001\037\177", "\\001\\037\\177" },
		/* backslashes pass as they are: only bytes a terminal acts on are escaped */
		{ "a\\b", "a\\b" },
		/* UTF-8 text passes; C1 controls (CSI U+009B) and invalid bytes do not */
		{ "r\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80", "r\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "\xc2\x9b" "31m", "\\302\\23331m" },
		{ "\x9b" "31m", "\\23331m" },
		{ "\xff\xfe", "\\377\\376" },
		{ "\xc3", "\\303" },		       /* truncated sequence */
		{ "\xc0\xaf", "\\300\\257" },	       /* overlong '/' */
		{ "\xed\xa0\x80", "\\355\\240\\200" }, /* a surrogate */
		{ "\xf4\x90\x80\x80", "\\364\\220\\200\\200" }, /* beyond U+10FFFF */
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = log_escape(buf, sizeof(buf), cases[i].in);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, buf, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
}

/* A full buffer never cuts an escape or a character in half, and is always terminated. */
static void test_escape_truncation(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(log_escape(buf, 6, "ab\033cd"), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(log_escape(buf, 7, "ab\033cd"), 6);
	assert_string_equal(buf, "ab\\033");
	assert_int_equal(log_escape(buf, 4, "a\xe2\x82\xac"), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(log_escape(buf, 1, "abc"), 0);
	assert_string_equal(buf, "");
	assert_int_equal(log_escape(buf, 0, "abc"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_escape_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
