/* Unit tests for status.c: JSON string escaping and the --status-fd lines, including every
 * too-small buffer (with canary bytes past its end). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

#define CANARY 0xa5
#define NCANARY 16

static void test_json_string(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "\\", "\"\\\\\"" },
		{ "\\\"", "\"\\\\\\\"\"" },
		{ "\n", "\"\\n\"" },
		{ "\t", "\"\\t\"" },
		{ "\r", "\"\\r\"" },
		{ "a\nb\tc", "\"a\\nb\\tc\"" },
		{ "\x01", "\"\\u0001\"" },
		{ "\x08", "\"\\u0008\"" },
		{ "\x0c", "\"\\u000c\"" },
		{ "\x1b[0m", "\"\\u001b[0m\"" },
		{ "\x1f", "\"\\u001f\"" },
		{ "\x7f", "\"\\u007f\"" },
		{ " ~", "\" ~\"" },
		{ "/", "\"/\"" },
		{ "'", "\"'\"" },
		/* UTF-8 passes through byte for byte. */
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		/* So do bytes that are not UTF-8 (the line is then not strict JSON). */
		{ "\x80\xff", "\"\x80\xff\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[64];
		size_t used = 0;
		int r = json_append_string(buf, sizeof(buf), &used, cases[i].in);
		if (r != 0)
			fail_msg("case %zu: got %d", i, r);
		if (used != strlen(cases[i].out) || strcmp(buf, cases[i].out) != 0)
			fail_msg("case %zu: got '%s' (%zu), want '%s'", i, buf, used, cases[i].out);
	}
}

/* It appends at *used, after what is there. */
static void test_json_append(void **state)
{
	(void)state;
	char buf[64];
	size_t used;

	strcpy(buf, "[1, ");
	used = 4;
	assert_int_equal(json_append_string(buf, sizeof(buf), &used, "x"), 0);
	assert_int_equal(used, 7);
	assert_string_equal(buf, "[1, \"x\"");
	assert_int_equal(json_append_string(buf, sizeof(buf), &used, "y"), 0);
	assert_string_equal(buf, "[1, \"x\"\"y\"");
	assert_int_equal(used, 10);

	/* Full: -ENOSPC, and with used at the end, nothing written at all. */
	used = sizeof(buf);
	memset(buf, '#', sizeof(buf));
	assert_int_equal(json_append_string(buf, sizeof(buf), &used, ""), -ENOSPC);
	assert_int_equal(used, sizeof(buf));
	for (size_t k = 0; k < sizeof(buf); k++)
		assert_int_equal(buf[k], '#');
}

/* Every length that cannot hold out plus its NUL: -ENOSPC, nothing past len. */
static void check_every_cut(const char *want, int (*fn)(char *buf, size_t len, const void *arg),
			    const void *arg)
{
	size_t full = strlen(want);
	unsigned char *buf = malloc(full + 1 + NCANARY);

	assert_non_null(buf);
	for (size_t len = 0; len <= full + 1; len++) {
		memset(buf, CANARY, full + 1 + NCANARY);
		int r = fn((char *)buf, len, arg);
		if (len <= full && r != -ENOSPC)
			fail_msg("len %zu of %zu: got %d, want -ENOSPC", len, full, r);
		if (len == full + 1) {
			if (r != (int)full)
				fail_msg("len %zu: got %d, want %zu", len, r, full);
			assert_string_equal((char *)buf, want);
		}
		for (size_t k = len; k < full + 1 + NCANARY; k++)
			if (buf[k] != CANARY)
				fail_msg("len %zu: byte %zu written", len, k);
		/* Whatever it wrote is a terminated string inside the buffer. */
		if (len > 0 && !memchr(buf, '\0', len))
			fail_msg("len %zu: not terminated", len);
	}
	free(buf);
}

static int json_fn(char *buf, size_t len, const void *arg)
{
	size_t used = 0;
	int r = json_append_string(buf, len, &used, arg);
	if (r == 0 && used > len)
		fail_msg("used %zu past len %zu", used, len);
	return r < 0 ? r : (int)used;
}

static void test_json_every_cut(void **state)
{
	(void)state;
	check_every_cut("\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"", json_fn, "a\"b\\c\n\x01\xc3\xa9");
	check_every_cut("\"\"", json_fn, "");
}

struct started {
	pid_t pid;
	const char *ip;
	bool net_policy;
	char *const *argv;
};

static int started_fn(char *buf, size_t len, const void *arg)
{
	const struct started *s = arg;
	return status_started(buf, len, s->pid, s->ip, s->net_policy, s->argv);
}

static void test_started(void **state)
{
	(void)state;
	char buf[512];
	char *const argv[] = { "/bin/sh", "-c", "echo \"hi\"\\n\n\t\x01", "", NULL };
	char *const one[] = { "true", NULL };
	char *const none[] = { NULL };
	const char *want = "{\"pid\": 42, \"ip\": \"10.0.2.100\", \"net_policy\": true, \"command\": [\"/bin/sh\", \"-c\", "
			   "\"echo \\\"hi\\\"\\\\n\\n\\t\\u0001\", \"\"]}\n";

	assert_int_equal(status_started(buf, sizeof(buf), 42, "10.0.2.100", true, argv), (int)strlen(want));
	assert_string_equal(buf, want);

	assert_int_equal(status_started(buf, sizeof(buf), 1, NULL, false, one), 65);
	assert_string_equal(buf, "{\"pid\": 1, \"ip\": null, \"net_policy\": false, \"command\": [\"true\"]}\n");

	assert_int_equal(status_started(buf, sizeof(buf), 2147483647, NULL, false, none), 68);
	assert_string_equal(buf, "{\"pid\": 2147483647, \"ip\": null, \"net_policy\": false, \"command\": []}\n");
	assert_int_equal(status_started(buf, sizeof(buf), 7, "fd00::100", false, NULL), 66);
	assert_string_equal(buf, "{\"pid\": 7, \"ip\": \"fd00::100\", \"net_policy\": false, \"command\": []}\n");
}

static void test_started_every_cut(void **state)
{
	(void)state;
	char *const argv[] = { "/bin/sh", "-c", "echo \"hi\"\n", NULL };
	char *const none[] = { NULL };
	struct started a = { 4242, "10.0.2.100", true, argv };
	struct started b = { 1, NULL, false, none };

	check_every_cut("{\"pid\": 4242, \"ip\": \"10.0.2.100\", \"net_policy\": true, \"command\": [\"/bin/sh\", \"-c\", "
			"\"echo \\\"hi\\\"\\n\"]}\n",
			started_fn, &a);
	check_every_cut("{\"pid\": 1, \"ip\": null, \"net_policy\": false, \"command\": []}\n", started_fn, &b);
}

static int exited_fn(char *buf, size_t len, const void *arg)
{
	return status_exited(buf, len, *(const int *)arg);
}

static void test_exited(void **state)
{
	(void)state;
	static const struct {
		int status;
		const char *want;
	} cases[] = {
		{ 0, "{\"exit_code\": 0}\n" },
		{ 3 << 8, "{\"exit_code\": 3}\n" },
		{ 125 << 8, "{\"exit_code\": 125}\n" },
		{ 255 << 8, "{\"exit_code\": 255}\n" },
		{ SIGKILL, "{\"signal\": 9}\n" },
		{ SIGTERM, "{\"signal\": 15}\n" },
		{ SIGSEGV | 0x80, "{\"signal\": 11}\n" }, /* with a core dump */
		{ SIGHUP, "{\"signal\": 1}\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[64];
		int r = status_exited(buf, sizeof(buf), cases[i].status);
		if (r != (int)strlen(cases[i].want) || strcmp(buf, cases[i].want) != 0)
			fail_msg("status 0x%x: got %d '%s', want '%s'", cases[i].status, r, buf, cases[i].want);
		check_every_cut(cases[i].want, exited_fn, &cases[i].status);
	}
}

static int timed_out_fn(char *buf, size_t len, const void *arg)
{
	(void)arg;
	return status_timed_out(buf, len);
}

/* The end record of a sandbox that --timeout killed: 124, as sandbox exits, and why. */
static void test_timed_out(void **state)
{
	(void)state;
	const char *want = "{\"exit_code\": 124, \"timeout\": true}\n";
	char buf[64];

	assert_int_equal(status_timed_out(buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
	check_every_cut(want, timed_out_fn, NULL);
}

/* The same from real wait statuses. */
static void test_exited_real(void **state)
{
	(void)state;
	char buf[64];
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status_exited(buf, sizeof(buf), status), 17);
	assert_string_equal(buf, "{\"exit_code\": 3}\n");

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status_exited(buf, sizeof(buf), status), 14);
	assert_string_equal(buf, "{\"signal\": 9}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_string),	  cmocka_unit_test(test_json_append),
		cmocka_unit_test(test_json_every_cut),	  cmocka_unit_test(test_started),
		cmocka_unit_test(test_started_every_cut), cmocka_unit_test(test_exited),
		cmocka_unit_test(test_exited_real),	  cmocka_unit_test(test_timed_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
