/* Unit tests for registry.c: the entry's round trip (any byte, a long command line), the
 * decoder on truncated and malformed input, the list --json line, name validation, /proc/PID/stat start time, the state directory's checks and the
 * lock protocol (in a temp dir). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

static char *cmd[] = { "sh", "-c", "echo \"hi\"\n\t\\ \x01 caf\xc3\xa9", NULL };
static char *env[] = { "A=b c", "EMPTY=", NULL };
static struct rlimit_setting rl[] = { { .resource = 7, .soft = 10, .hard = 20, .hard_set = true },
				      { .resource = 1, .soft = RLIM_INFINITY, .hard = 0, .hard_set = false } };
static char *none[] = { NULL };

static struct registry_entry sample(void)
{
	return (struct registry_entry){
		.name = "web-1.x",
		.pid = 100,
		.init_pid = 101,
		.init_start = 123456789ULL,
		.cmd_pid = 102,
		.cmd_start = 123456790ULL,
		.created = 1700000000,
		.rootfs = "/tmp/a \"root\"",
		.own_net = true,
		.cgroup = NULL,
		.cmd = {
			.argv = cmd,
			.inherit_env = false,
			.env = env,
			.user_set = true,
			.uid = 1000,
			.gid = 100,
			.caps_add = 1ULL << 13,
			.caps_drop = ~0ULL >> 1,
			.caps = 1ULL << 13,
			.seccomp = true,
			.rlimits = rl,
			.nrlimits = 2,
			.workdir = "/w",
			.workdir_fallback = false,
		},
	};
}

static void assert_strv_equal(char **a, char **b)
{
	size_t i = 0;
	for (; a[i] && b[i]; i++)
		assert_string_equal(a[i], b[i]);
	assert_null(a[i]);
	assert_null(b[i]);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct registry_entry in = sample(), out;
	_cleanup_free_ char *buf = NULL;
	char err[128];
	size_t n;

	assert_int_equal(registry_encode(&in, &buf, &n), 0);
	assert_int_equal(registry_decode(buf, n, &out, err, sizeof(err)), 0);
	assert_string_equal(out.name, in.name);
	assert_int_equal(out.pid, 100);
	assert_int_equal(out.init_pid, 101);
	assert_true(out.init_start == in.init_start);
	assert_int_equal(out.cmd_pid, 102);
	assert_true(out.cmd_start == in.cmd_start);
	assert_true(out.created == in.created);
	assert_string_equal(out.rootfs, in.rootfs);
	assert_true(out.own_net);
	assert_false(out.net_policy);
	assert_null(out.cgroup);
	assert_strv_equal(out.cmd.argv, in.cmd.argv);
	assert_false(out.cmd.inherit_env);
	assert_strv_equal(out.cmd.env, in.cmd.env);
	assert_true(out.cmd.user_set);
	assert_int_equal(out.cmd.uid, 1000);
	assert_int_equal(out.cmd.gid, 100);
	assert_true(out.cmd.caps_add == in.cmd.caps_add);
	assert_true(out.cmd.caps_drop == in.cmd.caps_drop);
	assert_true(out.cmd.caps == in.cmd.caps);
	assert_true(out.cmd.seccomp);
	assert_int_equal(out.cmd.nrlimits, 2);
	assert_memory_equal(out.cmd.rlimits, rl, sizeof(rl));
	assert_string_equal(out.cmd.workdir, "/w");
	assert_false(out.cmd.workdir_fallback);
	registry_entry_free(&out);
	free(buf);
	buf = NULL;

	/* The other values of the flags, empty arrays, a cgroup. */
	in.own_net = false;
	in.net_policy = true;
	in.cgroup = "/sys/fs/cgroup/u/sandbox-100";
	in.cmd.user_set = false;
	in.cmd.seccomp = false;
	in.cmd.inherit_env = true;
	in.cmd.workdir_fallback = true;
	in.cmd.env = none;
	in.cmd.nrlimits = 0;
	assert_int_equal(registry_encode(&in, &buf, &n), 0);
	assert_int_equal(registry_decode(buf, n, &out, err, sizeof(err)), 0);
	assert_false(out.cmd.user_set);
	assert_false(out.cmd.seccomp);
	assert_true(out.cmd.inherit_env);
	assert_true(out.cmd.workdir_fallback);
	assert_false(out.own_net);
	assert_true(out.net_policy);
	assert_null(out.cmd.env[0]);
	assert_int_equal(out.cmd.nrlimits, 0);
	assert_string_equal(out.cgroup, in.cgroup);
	registry_entry_free(&out);
}

/* The bug that a text format with three size limits had: a long command line (70 KB here, up
 * to REGISTRY_ENTRY_MAX) comes back whole; beyond the limit the writer refuses. */
static void test_large(void **state)
{
	(void)state;
	struct registry_entry in = sample(), out;
	_cleanup_free_ char *buf = NULL, *big = malloc(70000), *huge = malloc(REGISTRY_ENTRY_MAX);
	char *argv[] = { "sh", big, NULL }, err[128];
	size_t n;

	assert_non_null(big);
	assert_non_null(huge);
	memset(big, '"', 69999);
	big[69999] = '\0';
	in.cmd.argv = argv;
	assert_int_equal(registry_encode(&in, &buf, &n), 0);
	assert_int_equal(registry_decode(buf, n, &out, err, sizeof(err)), 0);
	assert_string_equal(out.cmd.argv[1], big);
	registry_entry_free(&out);

	memset(huge, 'x', REGISTRY_ENTRY_MAX - 1);
	huge[REGISTRY_ENTRY_MAX - 1] = '\0';
	argv[1] = huge;
	free(buf);
	buf = NULL;
	assert_int_equal(registry_encode(&in, &buf, &n), -E2BIG);
	assert_null(buf);
}

static void put(char *buf, size_t *at, uint16_t tag, const void *data, uint32_t n)
{
	memcpy(buf + *at, &tag, 2);
	memcpy(buf + *at + 2, &n, 4);
	memcpy(buf + *at + 6, data, n);
	*at += 6 + n;
}

static void test_decode_garbage(void **state)
{
	(void)state;
	struct registry_entry in = sample(), e;
	_cleanup_free_ char *good = NULL, *bad = NULL;
	char err[128];
	size_t n, at;

	assert_int_equal(registry_encode(&in, &good, &n), 0);
	bad = malloc(n + 64);
	assert_non_null(bad);

	/* Every truncation of a good entry is refused, with a reason, and leaves e empty. */
	for (size_t len = 0; len < n; len++) {
		err[0] = '\0';
		assert_true(registry_decode(good, len, &e, err, sizeof(err)) < 0);
		assert_true(err[0] != '\0');
		assert_null(e.name);
		assert_null(e.cmd.argv);
	}
	/* Another magic (another version of sandbox). */
	memcpy(bad, good, n);
	bad[0] ^= 1;
	assert_int_equal(registry_decode(bad, n, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));

	/* A repeated field: refused, nothing leaks (the sanitizer build checks that). */
	memcpy(bad, good, n);
	at = n;
	put(bad, &at, 1, "again", 5);
	assert_int_equal(registry_decode(bad, at, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "repeated"));
	assert_null(e.name);

	/* An unknown field, a number of the wrong size, a bool out of range, a NUL in a string. */
	at = n;
	put(bad, &at, 999, "", 0);
	assert_int_equal(registry_decode(bad, at, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown"));

	static const struct {
		uint16_t tag;
		const char *data;
		uint32_t n;
	} cases[] = {
		{ 2, "\x01\x00\x00\x00", 4 },                         /* pid: 4 bytes */
		{ 2, "\x00\x00\x00\x00\x00\x00\x00\x00", 8 },         /* pid 0 */
		{ 9, "\x02\x00\x00\x00\x00\x00\x00\x00", 8 },         /* bool 2 */
		{ 15, "\xff\xff\xff\xff\x00\x00\x00\x00", 8 },        /* uid -1 */
		{ 1, "a\0b", 3 },                                     /* NUL in the name */
		{ 11, "sh\0-c", 5 },                                  /* an unterminated argument */
		{ 21, "\x01\x02\x03", 3 },                            /* a partial rlimit */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		at = 8;
		memcpy(bad, good, 8);
		put(bad, &at, cases[c].tag, cases[c].data, cases[c].n);
		err[0] = '\0';
		assert_int_equal(registry_decode(bad, at, &e, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "field"));
	}
	/* A missing field (only the name). */
	at = 8;
	put(bad, &at, 1, "x", 1);
	assert_int_equal(registry_decode(bad, at, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing"));
}

/* list --json: one line that a JSON reader takes, every byte escaped. */
static void test_json(void **state)
{
	(void)state;
	struct registry_entry in = sample();
	_cleanup_free_ char *line = NULL;

	in.cgroup = "/cg";
	in.net_policy = true;
	assert_int_equal(registry_format_json(&in, 1700000005, &line), 0);
	assert_string_equal(line, "{\"name\": \"web-1.x\", \"pid\": 100, \"init_pid\": 101, \"command_pid\": 102, "
				  "\"created\": 1700000000, \"age\": 5, \"rootfs\": \"/tmp/a \\\"root\\\"\", "
				  "\"cgroup\": \"/cg\", \"net_policy\": true, \"command\": [\"sh\", \"-c\", "
				  "\"echo \\\"hi\\\"\\n\\t\\\\ \\u0001 caf\xc3\xa9\"]}\n");
	free(line);
	/* The worst case of escaping still fits. */
	char ctl[4096];
	memset(ctl, 1, sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\0';
	char *argv[] = { ctl, NULL };
	in.cmd.argv = argv;
	in.name = ctl;
	in.rootfs = ctl;
	in.cgroup = ctl;
	assert_int_equal(registry_format_json(&in, 0, &line), 0);
	assert_non_null(strstr(line, "\\u0001\"]}\n"));
}

static void test_names(void **state)
{
	(void)state;
	static const char *good[] = { "x", "web-1", "a.b_c", "0", "A234567890123456789012345678901234567890123456789012345678901234" };
	static const char *bad[] = { "", ".x", "-x", "a/b", "a b", "caf\xc3\xa9", "a\n",
				     "A2345678901234567890123456789012345678901234567890123456789012345" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(registry_name_valid(good[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(registry_name_valid(bad[i]), -EINVAL);
}

static void test_start_time(void **state)
{
	(void)state;
	unsigned long long t;

	assert_int_equal(registry_parse_start_time("42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
						   "987654 1000 100\n",
						   &t),
			 0);
	assert_true(t == 987654);
	/* A command name with spaces and parentheses. */
	assert_int_equal(registry_parse_start_time("42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
						   "55 1000 100",
						   &t),
			 0);
	assert_true(t == 55);
	assert_true(registry_parse_start_time("42 (sh) S 1 2 3", &t) < 0);
	assert_true(registry_parse_start_time("garbage", &t) < 0);
	/* Our own, twice the same. */
	unsigned long long a, b;
	assert_int_equal(registry_start_time(getpid(), &a), 0);
	assert_int_equal(registry_start_time(getpid(), &b), 0);
	assert_true(a == b);
}

static void test_state_dir(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/test_registry.XXXXXX", err[256];
	int parent, fd;
	pid_t holder;

	assert_non_null(mkdtemp(tmpl));
	parent = open(tmpl, O_RDONLY | O_DIRECTORY);
	assert_true(parent >= 0);
	assert_int_equal(registry_open_dir_at(parent, "s", getuid(), false, err, sizeof(err)), -ENOENT);
	fd = registry_open_dir_at(parent, "s", getuid(), true, err, sizeof(err));
	assert_true(fd >= 0);

	/* The lock: a second taker is told who holds it; after unregister it is free. */
	int lock = registry_lock(fd, "x", &holder);
	assert_true(lock >= 0);
	assert_int_equal(registry_lock(fd, "x", &holder), -EBUSY);
	assert_int_equal(holder, getpid());
	struct registry_entry e = sample(), out;
	e.name = "x";
	e.init_pid = getpid();
	assert_int_equal(registry_start_time(getpid(), &e.init_start), 0);
	assert_int_equal(registry_write(fd, &e), 0);
	assert_int_equal(registry_load(fd, "x", &out, err, sizeof(err)), 0);
	assert_string_equal(out.name, "x");
	registry_entry_free(&out);
	registry_unregister(fd, "x", lock);
	assert_int_equal(faccessat(fd, "x.entry", F_OK, 0), -1);
	assert_int_equal(registry_load(fd, "x", &out, err, sizeof(err)), -ENOENT);

	/* A stale entry (its lock free) is removed by the next load. */
	lock = registry_lock(fd, "y", &holder);
	e.name = "y";
	assert_int_equal(registry_write(fd, &e), 0);
	close(lock);
	assert_int_equal(faccessat(fd, "y.entry", F_OK, 0), 0);
	assert_int_equal(registry_load(fd, "y", &out, err, sizeof(err)), -ENOENT);
	assert_int_equal(faccessat(fd, "y.entry", F_OK, 0), -1);
	close(fd);

	/* Wrong mode, a symlink: refused. */
	assert_int_equal(fchmodat(parent, "s", 0755, 0), 0);
	assert_int_equal(registry_open_dir_at(parent, "s", getuid(), false, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "0700"));
	assert_int_equal(symlinkat("s", parent, "l"), 0);
	assert_true(registry_open_dir_at(parent, "l", getuid(), false, err, sizeof(err)) < 0);
	assert_int_equal(registry_open_dir_at(parent, "s", getuid() + 1, false, err, sizeof(err)), -EPERM);

	unlinkat(parent, "l", 0);
	fd = openat(parent, "s", O_RDONLY | O_DIRECTORY);
	unlinkat(fd, "x.lock", 0);
	unlinkat(fd, "y.lock", 0);
	close(fd);
	unlinkat(parent, "s", AT_REMOVEDIR);
	close(parent);
	rmdir(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_large),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_decode_garbage), cmocka_unit_test(test_names),
		cmocka_unit_test(test_start_time),    cmocka_unit_test(test_state_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
