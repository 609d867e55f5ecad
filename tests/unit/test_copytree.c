/* Unit tests for copytree.c (tmpcopyup) on scratch directories: names of one inode stay links
 * of one inode, user.* extended attributes of files and directories and a file capability are
 * copied, and a device node becomes an empty placeholder listed for the caller (or is refused
 * without a list). */
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
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copytree.h"
#include "util.h"

static char scratch[64];
static int src = -1, dst = -1;

static int setup(void **state)
{
	char path[128];

	(void)state;
	strcpy(scratch, "/tmp/test_copytree.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	snprintf(path, sizeof(path), "%s/src", scratch);
	if (mkdir(path, 0755) < 0 || (src = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dst", scratch);
	if (mkdir(path, 0755) < 0 || (dst = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(src);
	close(dst);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static ino_t ino_of(int dir, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_ino;
}

static void test_hardlinks(void **state)
{
	struct copytree_nodes devices = { 0 };
	char err[256] = "";
	struct stat st;

	(void)state;
	write_file(src, "a", "one inode\n");
	assert_int_equal(mkdirat(src, "sub", 0755), 0);
	assert_int_equal(linkat(src, "a", src, "b", 0), 0);
	assert_int_equal(linkat(src, "a", src, "sub/c", 0), 0);
	write_file(src, "alone", "x");
	assert_int_equal(mkfifoat(src, "fifo", 0600), 0);
	assert_int_equal(linkat(src, "fifo", src, "sub/fifo2", 0), 0);

	assert_int_equal(copytree(src, dst, &devices, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(ino_of(dst, "a"), ino_of(dst, "b"));
	assert_int_equal(ino_of(dst, "a"), ino_of(dst, "sub/c"));
	assert_int_not_equal(ino_of(dst, "a"), ino_of(src, "a"));
	assert_int_equal(fstatat(dst, "b", &st, 0), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(st.st_size, strlen("one inode\n"));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_not_equal(ino_of(dst, "alone"), ino_of(dst, "a"));
	assert_int_equal(ino_of(dst, "fifo"), ino_of(dst, "sub/fifo2"));
	assert_int_equal(devices.n, 0);
}

static void test_xattrs(void **state)
{
	char err[256] = "", value[64];
	ssize_t n;

	(void)state;
	write_file(src, "f", "x");
	assert_int_equal(mkdirat(src, "d", 0750), 0);
	if (fsetxattr(src, "user.probe", "1", 1, 0) < 0 && errno == ENOTSUP)
		skip(); /* the scratch filesystem has no user xattrs */
	{
		char path[128];
		snprintf(path, sizeof(path), "%s/src/f", scratch);
		assert_int_equal(setxattr(path, "user.test", "file value", 10, 0), 0);
		snprintf(path, sizeof(path), "%s/src/d", scratch);
		assert_int_equal(setxattr(path, "user.test", "dir value", 9, 0), 0);
	}
	assert_int_equal(copytree(src, dst, NULL, err, sizeof(err)), 0);
	{
		int f = openat(dst, "f", O_RDONLY), d = openat(dst, "d", O_RDONLY | O_DIRECTORY);
		struct stat st;
		assert_true(f >= 0 && d >= 0);
		n = fgetxattr(f, "user.test", value, sizeof(value));
		assert_int_equal(n, 10);
		assert_memory_equal(value, "file value", 10);
		n = fgetxattr(d, "user.test", value, sizeof(value));
		assert_int_equal(n, 9);
		assert_memory_equal(value, "dir value", 9);
		assert_int_equal(fstat(d, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0750);
		close(f);
		close(d);
	}
}

/* A file capability survives: the owner is given first (a chown drops security.capability),
 * then the xattrs, then the mode (with its set-id bit, which the chown would drop too). */
static void test_capability(void **state)
{
	/* VFS_CAP_REVISION_2, effective: CAP_NET_BIND_SERVICE (10) permitted. */
	const uint32_t cap[5] = { 0x02000001, 1u << 10, 0, 0, 0 };
	uint32_t back[5] = { 0 };
	char err[256] = "";
	struct stat st;
	int fd;

	(void)state;
	write_file(src, "ping", "x");
	fd = openat(src, "ping", O_RDWR);
	assert_true(fd >= 0);
	if (fsetxattr(fd, "security.capability", cap, sizeof(cap), 0) < 0) {
		close(fd);
		skip(); /* not root of the initial user namespace, or no file capabilities */
	}
	assert_int_equal(fchmod(fd, 04755), 0);
	close(fd);
	assert_int_equal(copytree(src, dst, NULL, err, sizeof(err)), 0);
	fd = openat(dst, "ping", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fgetxattr(fd, "security.capability", back, sizeof(back)), sizeof(cap));
	assert_memory_equal(back, cap, sizeof(cap));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	close(fd);
}

static void test_device(void **state)
{
	struct copytree_nodes devices = { 0 };
	char err[256] = "";
	struct stat st;

	(void)state;
	if (mknodat(src, "null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		skip(); /* not root of the initial user namespace */
	assert_int_equal(mkdirat(src, "sub", 0755), 0);
	assert_int_equal(mknodat(src, "sub/zero", S_IFCHR | 0666, makedev(1, 5)), 0);

	assert_int_equal(copytree(src, dst, NULL, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "a device node cannot be copied"));

	{
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/dst'/*", scratch);
		assert_int_equal(system(cmd), 0);
	}
	err[0] = '\0';
	assert_int_equal(copytree(src, dst, &devices, err, sizeof(err)), 0);
	assert_int_equal(devices.n, 2);
	for (size_t i = 0; i < devices.n; i++) {
		bool is_null = strcmp(devices.v[i].path, "null") == 0;
		assert_true(is_null || strcmp(devices.v[i].path, "sub/zero") == 0);
		assert_int_equal(devices.v[i].rdev, makedev(1, is_null ? 3 : 5));
		assert_int_equal(devices.v[i].ino, ino_of(src, devices.v[i].path));
		assert_int_equal(fstatat(dst, devices.v[i].path, &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_size, 0);
	}
	copytree_nodes_free(&devices);
	assert_int_equal(devices.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hardlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
