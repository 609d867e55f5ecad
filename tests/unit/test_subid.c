/* Unit tests for subid.c: the subuid/subgid text parser (via fmemopen) and the file lookup. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subid.h"
#include "util.h"

/* A user that exists nowhere, so that a libsubid build falls back to the file. */
#define NOUSER "no-such-user-xyz"

static int find_in(const char *text, const char *user, uint32_t id, struct subid_span *out)
{
	FILE *f;
	int r;

	/* fmemopen refuses a zero-length buffer: an empty file is an empty tmpfile(). */
	f = text[0] ? fmemopen((void *)text, strlen(text), "r") : tmpfile();
	assert_non_null(f);
	r = subid_find(f, user, id, out);
	fclose(f);
	return r;
}

static void test_find_table(void **state)
{
	(void)state;
	static const struct {
		const char *why;
		const char *text;
		const char *user;
		uint32_t id;
		int ret;
		uint32_t start, count;
	} cases[] = {
		{ "by name", "alice:100000:65536\n", "alice", 1000, 0, 100000, 65536 },
		{ "by numeric uid", "1000:200000:65536\n", "alice", 1000, 0, 200000, 65536 },
		{ "by uid, no name", "1000:200000:65536\n", NULL, 1000, 0, 200000, 65536 },
		{ "other uid", "1001:200000:65536\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "other name", "bob:100000:65536\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "no newline at the end", "alice:100000:65536", "alice", 1000, 0, 100000, 65536 },
		{ "skips other users", "bob:1:2\ncarol:3:4\nalice:5:6\n", "alice", 1000, 0, 5, 6 },
		{ "first match wins", "alice:1:10\nalice:100:10\n", "alice", 1000, 0, 1, 10 },
		{ "first match wins, uid before name", "1000:7:7\nalice:100:10\n", "alice", 1000, 0, 7, 7 },
		{ "first match wins, name before uid", "alice:100:10\n1000:7:7\n", "alice", 1000, 0, 100, 10 },
		{ "comment", "#alice:1:1\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "comment with space", "# alice:1:1\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "comment only", "# nothing here\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "blank lines", "\n\n\nalice:2:2\n\n", "alice", 1000, 0, 2, 2 },
		{ "two fields", "alice:1\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "one field", "alice\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "four fields", "alice:1:1:1\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "empty fourth field", "alice:1:1:\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "empty start", "alice::5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "empty count", "alice:5:\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "empty owner", ":1:1\n", "", 1000, -ENOENT, 0, 0 },
		{ "non-numeric start", "alice:x:5\nalice:3:3\n", "alice", 1000, 0, 3, 3 },
		{ "non-numeric count", "alice:5:x\nalice:3:3\n", "alice", 1000, 0, 3, 3 },
		{ "hex start", "alice:0x10:5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "negative start", "alice:-1:5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "negative count", "alice:1:-5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "plus sign", "alice:+1:5\n", "alice", 1000, -ENOENT, 0, 0 },
		/* Names are compared whole: a leading space makes another name. */
		{ "leading space before name", " alice:1:5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "space before start", "alice: 1:5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "space before count", "alice:1: 5\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "count 0", "alice:1:0\nalice:9:9\n", "alice", 1000, 0, 9, 9 },
		{ "last id 2^32-1", "alice:4294967295:1\n", "alice", 1000, 0, UINT32_MAX, 1 },
		{ "whole space from 1", "alice:1:4294967295\n", "alice", 1000, 0, 1, UINT32_MAX },
		{ "past 2^32", "alice:4294967295:2\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "past 2^32 by far", "alice:4294967000:1000\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "start above 32 bits", "alice:4294967296:1\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "count above 32 bits", "alice:1:4294967296\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "huge number", "alice:99999999999999999999999:1\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "trailing garbage", "alice:1:5x\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "trailing space", "alice:1:5 \n", "alice", 1000, -ENOENT, 0, 0 },
		{ "trailing tab", "alice:1:5\t\n", "alice", 1000, -ENOENT, 0, 0 },
		/* CRLF: the '\r' is trailing garbage in the count, so such a line is skipped, as a
		 * line with any other trailing byte is. */
		{ "CRLF line skipped", "alice:100000:65536\r\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "CRLF line skipped, next one used", "alice:1:1\r\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "name prefix of another", "alice:2:2\nal:1:1\n", "al", 1000, 0, 1, 1 },
		{ "name prefix, short name absent", "alice:2:2\n", "al", 1000, -ENOENT, 0, 0 },
		{ "name longer than in file", "al:1:1\nalice:2:2\n", "alice", 1000, 0, 2, 2 },
		{ "name longer, long one absent", "al:1:1\n", "alice", 1000, -ENOENT, 0, 0 },
		{ "case matters", "Alice:1:1\n", "alice", 1000, -ENOENT, 0, 0 },
		/* A numeric owner is a number: leading zeros still name that uid. */
		{ "uid with leading zeros", "01000:3:3\n", NULL, 1000, 0, 3, 3 },
		{ "uid prefix", "100:3:3\n", NULL, 1000, -ENOENT, 0, 0 },
		{ "uid 0", "0:3:3\n", NULL, 0, 0, 3, 3 },
		{ "uid above 32 bits", "4294968296:3:3\n", NULL, 1000, -ENOENT, 0, 0 },
		{ "empty file", "", "alice", 1000, -ENOENT, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct subid_span out = { 42, 42 };
		int r = find_in(cases[i].text, cases[i].user, cases[i].id, &out);
		if (r != cases[i].ret)
			fail_msg("%s: got %d, want %d", cases[i].why, r, cases[i].ret);
		if (r == 0 && (out.start != cases[i].start || out.count != cases[i].count))
			fail_msg("%s: got %u+%u, want %u+%u", cases[i].why, out.start, out.count, cases[i].start,
				 cases[i].count);
		if (r < 0 && (out.start != 42 || out.count != 42))
			fail_msg("%s: output changed without a match", cases[i].why);
	}
}

/* A line longer than any fixed buffer, then the real one. */
static void test_find_long_line(void **state)
{
	(void)state;
	size_t n = 100000;
	char *text = malloc(n + 64);
	struct subid_span out;

	assert_non_null(text);
	memset(text, 'a', n);
	strcpy(text + n, ":1:1\nalice:5:6\n");
	assert_int_equal(find_in(text, "alice", 1000, &out), 0);
	assert_int_equal(out.start, 5);
	assert_int_equal(out.count, 6);
	free(text);
}

/* A NUL byte inside a line ends the name there; the rest of the line is not a range. */
static void test_find_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "alice\0:1:1\nalice:2:2\n";
	struct subid_span out;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	assert_non_null(f);
	assert_int_equal(subid_find(f, "alice", 1000, &out), 0);
	assert_int_equal(out.start, 2);
	fclose(f);
}

/* It reads on from where f is: a caller can call it twice on one stream. */
static void test_find_continues(void **state)
{
	(void)state;
	static const char text[] = "alice:1:1\nalice:2:2\n";
	struct subid_span out;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	assert_non_null(f);
	assert_int_equal(subid_find(f, "alice", 1000, &out), 0);
	assert_int_equal(out.start, 1);
	assert_int_equal(subid_find(f, "alice", 1000, &out), 0);
	assert_int_equal(out.start, 2);
	assert_int_equal(subid_find(f, "alice", 1000, &out), -ENOENT);
	fclose(f);
}

static void test_lookup_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_subid.XXXXXX";
	static const char text[] = "# test\nroot:1:1\n" NOUSER ":300000:65536\n4242:500000:1000\n";
	struct subid_span out = { 0, 0 };
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);

	assert_int_equal(subid_lookup(path, NOUSER, 4243, SUBID_UIDS, &out), 0);
	assert_int_equal(out.start, 300000);
	assert_int_equal(out.count, 65536);
	out = (struct subid_span){ 0, 0 };
	assert_int_equal(subid_lookup(path, NOUSER, 4243, SUBID_GIDS, &out), 0);
	assert_int_equal(out.start, 300000);

	/* By uid when the name has no line (and no name at all). */
	assert_int_equal(subid_lookup(path, NOUSER "-2", 4242, SUBID_UIDS, &out), 0);
	assert_int_equal(out.start, 500000);
	assert_int_equal(out.count, 1000);
	assert_int_equal(subid_lookup(path, NULL, 4242, SUBID_UIDS, &out), 0);
	assert_int_equal(out.start, 500000);

	out = (struct subid_span){ 42, 42 };
	assert_int_equal(subid_lookup(path, NOUSER "-2", 4243, SUBID_UIDS, &out), -ENOENT);
	assert_int_equal(out.start, 42);
	unlink(path);
}

static void test_lookup_missing(void **state)
{
	(void)state;
	struct subid_span out = { 42, 42 };
	char dir[] = "/tmp/test_subid.XXXXXX";
	char path[PATH_MAX];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/subuid", dir);
	assert_int_equal(subid_lookup(path, NOUSER, 4243, SUBID_UIDS, &out), -ENOENT);
	assert_int_equal(subid_lookup(path, NULL, 4243, SUBID_GIDS, &out), -ENOENT);
	/* A missing directory on the way. */
	snprintf(path, sizeof(path), "%s/nodir/subuid", dir);
	assert_int_equal(subid_lookup(path, NOUSER, 4243, SUBID_UIDS, &out), -ENOENT);
	assert_int_equal(out.start, 42);
	assert_int_equal(out.count, 42);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_table),     cmocka_unit_test(test_find_long_line),
		cmocka_unit_test(test_find_nul_byte),  cmocka_unit_test(test_find_continues),
		cmocka_unit_test(test_lookup_file),    cmocka_unit_test(test_lookup_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
