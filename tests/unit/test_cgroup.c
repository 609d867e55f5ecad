/* Unit tests for cgroup.c: /proc/self/cgroup and mountinfo parsing (hybrid and v2 hosts),
 * controller lists, the walk to the delegated cgroup on a fake cgroupfs tree, cpu.max. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

static void test_parse_self(void **state)
{
	(void)state;
	char p[256];

	assert_int_equal(cgroup_parse_self("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n", p,
					   sizeof(p)),
			 0);
	assert_string_equal(p, "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope");
	/* A hybrid host: v1 lines first, the v2 line last. */
	assert_int_equal(cgroup_parse_self("9:name=systemd:/\n4:memory:/a/b\n1:cpu:/\n0::/\n", p, sizeof(p)), 0);
	assert_string_equal(p, "/");
	/* Only v1. */
	assert_int_equal(cgroup_parse_self("4:memory:/a\n1:cpu:/\n", p, sizeof(p)), -ENOENT);
	assert_int_equal(cgroup_parse_self("", p, sizeof(p)), -ENOENT);
	/* Too long for the buffer. */
	assert_int_equal(cgroup_parse_self("0::/abcdef\n", p, 4), -ENOENT);
}

static void test_parse_mountinfo(void **state)
{
	(void)state;
	char m[256];
	const char *hybrid = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
			     "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
			     "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	const char *v2 = "24 1 0:22 / / rw - ext4 /dev/sda1 rw\n"
			 "29 24 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
	const char *escaped = "29 24 0:26 / /mnt/c\\040g rw - cgroup2 none rw\n";
	const char *v1 = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
	const char *subroot = "29 24 0:26 /x /c rw - cgroup2 none rw\n";

	assert_int_equal(cgroup_parse_mountinfo(hybrid, m, sizeof(m)), 0);
	assert_string_equal(m, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup_parse_mountinfo(v2, m, sizeof(m)), 0);
	assert_string_equal(m, "/sys/fs/cgroup");
	assert_int_equal(cgroup_parse_mountinfo(escaped, m, sizeof(m)), 0);
	assert_string_equal(m, "/mnt/c g");
	assert_int_equal(cgroup_parse_mountinfo(v1, m, sizeof(m)), -ENOENT);
	assert_int_equal(cgroup_parse_mountinfo(subroot, m, sizeof(m)), -ENOENT);
	assert_int_equal(cgroup_parse_mountinfo("", m, sizeof(m)), -ENOENT);

	/* Any cgroup2 mount says the host has cgroup v2, also one of a cgroup below the root
	 * (a sandbox in a sandbox sees its parent's /sys/fs/cgroup that way). */
	assert_true(cgroup_v2_mounted(hybrid));
	assert_true(cgroup_v2_mounted(v2));
	assert_true(cgroup_v2_mounted(subroot));
	assert_false(cgroup_v2_mounted(v1));
	assert_false(cgroup_v2_mounted(""));
	assert_false(cgroup_v2_mounted("29 24 0:26 / /c rw - cgroup2fs none rw\n"));
	assert_false(cgroup_v2_mounted("29 24 0:26 / /cgroup2 rw - ext4 cgroup2 rw\n"));
}

static void test_has(void **state)
{
	(void)state;
	const char *missing = NULL;

	assert_int_equal(cgroup_has("cpuset cpu io memory pids\n", CGROUP_MEMORY | CGROUP_PIDS | CGROUP_CPU, &missing), 1);
	assert_int_equal(cgroup_has("cpuset io memory pids\n", CGROUP_CPU, &missing), 0);
	assert_string_equal(missing, "cpu"); /* "cpuset" is not "cpu" */
	assert_int_equal(cgroup_has("hugetlb\n", CGROUP_MEMORY | CGROUP_PIDS, &missing), 0);
	assert_string_equal(missing, "memory");
	assert_int_equal(cgroup_has("memory\n", CGROUP_MEMORY | CGROUP_PIDS, &missing), 0);
	assert_string_equal(missing, "pids");
	assert_int_equal(cgroup_has("", 0, &missing), 1);
}

static void test_cpu_max(void **state)
{
	(void)state;
	char b[64];

	assert_true(cgroup_format_cpu_max(cgroup_cpus_quota(1), 0, b, sizeof(b)) > 0);
	assert_string_equal(b, "100000 100000");
	assert_true(cgroup_format_cpu_max(cgroup_cpus_quota(0.5), 0, b, sizeof(b)) > 0);
	assert_string_equal(b, "50000 100000");
	assert_true(cgroup_format_cpu_max(cgroup_cpus_quota(2.25), 0, b, sizeof(b)) > 0);
	assert_string_equal(b, "225000 100000");
	assert_true(cgroup_format_cpu_max(cgroup_cpus_quota(0.001), 0, b, sizeof(b)) > 0);
	assert_string_equal(b, "1000 100000"); /* the kernel's minimum quota */
	assert_true(cgroup_format_cpu_max(25000, 50000, b, sizeof(b)) > 0); /* linux.resources.cpu */
	assert_string_equal(b, "25000 50000");
	assert_int_equal(cgroup_format_cpu_max(100000, 0, b, 5), -ENOSPC);
}

/* A fake cgroupfs: DIR with cgroup.controllers, cgroup.subtree_control, cgroup.procs. */
static void mkcg(int root, const char *dir, const char *controllers, const char *subtree)
{
	char path[512];

	if (dir[0])
		assert_int_equal(mkdirat(root, dir, 0755), 0);
	snprintf(path, sizeof(path), "%s%scgroup.controllers", dir, dir[0] ? "/" : "");
	int fd = openat(root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, controllers, strlen(controllers)), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s%scgroup.subtree_control", dir, dir[0] ? "/" : "");
	fd = openat(root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, subtree, strlen(subtree)), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s%scgroup.procs", dir, dir[0] ? "/" : "");
	fd = openat(root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void test_find(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/test_cgroup.XXXXXX", rel[512], cmdline[600];
	const char *missing;
	uid_t me = getuid();
	int root;

	assert_non_null(mkdtemp(tmpl));
	root = open(tmpl, O_RDONLY | O_DIRECTORY);
	assert_true(root >= 0);
	mkcg(root, "", "cpuset cpu io memory pids\n", "cpu memory pids\n");
	mkcg(root, "user.slice", "cpu memory pids\n", "cpu memory pids\n");
	mkcg(root, "user.slice/u", "cpu memory pids\n", "memory pids\n");
	mkcg(root, "user.slice/u/app.slice", "memory pids\n", "memory pids\n");
	mkcg(root, "user.slice/u/app.slice/x.scope", "memory pids\n", "");
	mkcg(root, "user.slice/u/session.scope", "memory pids\n", "");

	/* The nearest ancestor that enables the controllers: not the scope we are in (it has
	 * processes, it enables nothing), but app.slice. */
	assert_int_equal(cgroup_find(root, "/user.slice/u/app.slice/x.scope", me, CGROUP_MEMORY | CGROUP_PIDS, rel,
				     sizeof(rel), &missing),
			 0);
	assert_string_equal(rel, "user.slice/u/app.slice");
	assert_int_equal(cgroup_find(root, "/user.slice/u/app.slice", me, CGROUP_MEMORY, rel, sizeof(rel), &missing), 0);
	assert_string_equal(rel, "user.slice/u/app.slice");

	if (me == 0) {
		/* Delegation ends at u: user.slice and the root belong to someone else. */
		assert_int_equal(fchownat(root, "", 4242, 4242, AT_EMPTY_PATH), 0);
		assert_int_equal(fchownat(root, "user.slice", 4242, 4242, 0), 0);
		/* cpu is enabled only above the boundary: refused, and cpu is what is missing. */
		assert_int_equal(cgroup_find(root, "/user.slice/u/app.slice/x.scope", me, CGROUP_CPU, rel, sizeof(rel),
					     &missing),
				 -ENOENT);
		assert_string_equal(missing, "cpu");
		/* The same for a uid that owns nothing: our cgroup is not delegated to it. */
		assert_int_equal(cgroup_find(root, "/user.slice/u/session.scope", 4343, CGROUP_MEMORY, rel, sizeof(rel),
					     &missing),
				 -ENOENT);
		assert_string_equal(missing, "memory");
	} else {
		/* Nothing above is ours to test a boundary with, unless we are root. */
		assert_int_equal(cgroup_find(root, "/user.slice/u/app.slice/x.scope", me + 1, CGROUP_MEMORY, rel,
					     sizeof(rel), &missing),
				 -ENOENT);
	}
	/* A hybrid host: the v2 root has no memory controller and is not ours. */
	assert_int_equal(cgroup_find(root, "/does/not/exist", 4343, CGROUP_MEMORY, rel, sizeof(rel), &missing), -ENOENT);
	assert_string_equal(missing, "memory");

	close(root);
	snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmdline), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_self), cmocka_unit_test(test_parse_mountinfo), cmocka_unit_test(test_has),
		cmocka_unit_test(test_cpu_max),    cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
