/* Unit tests for registry.c: entry JSON round trip (escaping of any byte), the decoder on
 * garbage, name validation, /proc/PID/stat start time, the state directory's checks and the
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
static char *caps[] = { "+net_raw", "-ALL", NULL };
static char *env[] = { "A=b c", "EMPTY=", NULL };
static char *rl[] = { "7:10:20:1", NULL };
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
		.command = cmd,
		.host_mode = false,
		.user_set = true,
		.uid = 1000,
		.gid = 100,
		.caps = caps,
		.seccomp = true,
		.workdir = "/w",
		.workdir_set = true,
		.hostname = "h",
		.own_net = true,
		.env = env,
		.rlimits = rl,
		.cgroup = NULL,
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
	char buf[4096], err[128];
	int n = registry_encode(&in, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1)); /* one line */
	assert_int_equal(registry_decode(buf, &out, err, sizeof(err)), 0);
	assert_string_equal(out.name, in.name);
	assert_int_equal(out.pid, 100);
	assert_int_equal(out.init_pid, 101);
	assert_true(out.init_start == in.init_start);
	assert_int_equal(out.cmd_pid, 102);
	assert_true(out.cmd_start == in.cmd_start);
	assert_true(out.created == in.created);
	assert_string_equal(out.rootfs, in.rootfs);
	assert_strv_equal(out.command, in.command);
	assert_false(out.host_mode);
	assert_true(out.user_set);
	assert_int_equal(out.uid, 1000);
	assert_int_equal(out.gid, 100);
	assert_strv_equal(out.caps, in.caps);
	assert_true(out.seccomp);
	assert_string_equal(out.workdir, "/w");
	assert_true(out.workdir_set);
	assert_string_equal(out.hostname, "h");
	assert_true(out.own_net);
	assert_strv_equal(out.env, in.env);
	assert_strv_equal(out.rlimits, in.rlimits);
	assert_null(out.cgroup);
	registry_entry_free(&out);

	/* The other values of the flags, empty arrays, a cgroup. */
	in.user_set = false;
	in.seccomp = false;
	in.host_mode = true;
	in.own_net = false;
	in.caps = none;
	in.env = none;
	in.rlimits = none;
	in.cgroup = "/sys/fs/cgroup/u/sandbox-100";
	assert_true(registry_encode(&in, buf, sizeof(buf)) > 0);
	assert_int_equal(registry_decode(buf, &out, err, sizeof(err)), 0);
	assert_false(out.user_set);
	assert_false(out.seccomp);
	assert_true(out.host_mode);
	assert_false(out.own_net);
	assert_null(out.caps[0]);
	assert_null(out.env[0]);
	assert_string_equal(out.cgroup, in.cgroup);
	registry_entry_free(&out);
}

static void test_encode_small_buffers(void **state)
{
	(void)state;
	struct registry_entry in = sample();
	char buf[4096];
	int n = registry_encode(&in, buf, sizeof(buf));

	assert_true(n > 0);
	for (int len = 0; len <= n; len++) {
		char small[4096];
		memset(small, 0xa5, sizeof(small));
		assert_int_equal(registry_encode(&in, small, (size_t)len), -ENOSPC);
		for (size_t i = (size_t)len; i < sizeof(small); i++)
			assert_int_equal((unsigned char)small[i], 0xa5);
	}
	assert_int_equal(registry_encode(&in, buf, (size_t)n + 1), n);
}

static void test_decode_garbage(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"{",
		"[]",
		"{\"name\": \"x\"}", /* no command or pids */
		"{\"name\": \"x\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": []}",
		"{\"name\": \"x\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"]} x",
		"{\"name\": \"x\", \"pid\": -1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"]}",
		"{\"name\": \"x\", \"pid\": 99999999999, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"]}",
		"{\"name\": \"a\\u0000b\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"]}",
		"{\"name\": \"a\\q\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"]}",
		"{\"name\": \"unterminated, \"pid\": 1",
		"{\"name\" \"x\"}",
		"{\"name\": \"x\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\",]}",
		"{\"name\": \"x\", \"pid\": 1, \"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\"], \"host_mode\": yes}",
	};
	struct registry_entry e;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_true(registry_decode(bad[i], &e, err, sizeof(err)) < 0);
		assert_true(err[0] != '\0');
		assert_null(e.name);
	}
	/* Unknown keys of a later version are skipped. */
	assert_int_equal(registry_decode("{\"future\": [\"x\"], \"name\": \"x\", \"n\": 5, \"b\": true, \"pid\": 1, "
					 "\"init_pid\": 2, \"command_pid\": 3, \"command\": [\"a\\u00e9\"]}",
					 &e, err, sizeof(err)),
			 0);
	assert_string_equal(e.command[0], "a\xc3\xa9");
	registry_entry_free(&e);
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
	assert_int_equal(faccessat(fd, "x.json", F_OK, 0), -1);
	assert_int_equal(registry_load(fd, "x", &out, err, sizeof(err)), -ENOENT);

	/* A stale entry (its lock free) is removed by the next load. */
	lock = registry_lock(fd, "y", &holder);
	e.name = "y";
	assert_int_equal(registry_write(fd, &e), 0);
	close(lock);
	assert_int_equal(faccessat(fd, "y.json", F_OK, 0), 0);
	assert_int_equal(registry_load(fd, "y", &out, err, sizeof(err)), -ENOENT);
	assert_int_equal(faccessat(fd, "y.json", F_OK, 0), -1);
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
		cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_encode_small_buffers),
		cmocka_unit_test(test_decode_garbage), cmocka_unit_test(test_names),
		cmocka_unit_test(test_start_time),    cmocka_unit_test(test_state_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
