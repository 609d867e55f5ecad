/* Unit tests for mount_open_in_root(): paths resolved inside a temporary tree as if it were
 * "/", with openat2(RESOLVE_IN_ROOT); no privileges needed. Every test checks by inode that
 * the fd is the tree's object, not the host's of the same name. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount.h"
#include "util.h"

struct fixture {
	char tree[64];
	char outside[64]; /* a host directory the tree's links point at */
	int rootfd;
};

static void mkpath(const struct fixture *fx, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", fx->tree, rel);
	if (mkdir(p, 0755) < 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void mklink(const struct fixture *fx, const char *target, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", fx->tree, rel);
	if (symlink(target, p) < 0)
		fail_msg("symlink %s: %s", p, strerror(errno));
}

/* lstat of a path inside the tree (host view), or of an absolute host path. */
static int stat_in(const struct fixture *fx, const char *rel, struct stat *st)
{
	char p[PATH_MAX];
	if (rel[0] == '/')
		snprintf(p, sizeof(p), "%s", rel);
	else
		snprintf(p, sizeof(p), "%s/%s", fx->tree, rel);
	return lstat(p, st);
}

static void assert_fd_is(int fd, const struct fixture *fx, const char *rel)
{
	struct stat a, b;

	if (fd < 0)
		fail_msg("expected the tree's %s, got %d (%s)", rel, fd, strerror(-fd));
	assert_int_equal(fstat(fd, &a), 0);
	if (stat_in(fx, rel, &b) < 0)
		fail_msg("%s: %s", rel, strerror(errno));
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail_msg("fd is not the tree's %s (ino %lu, want %lu)", rel, (unsigned long)a.st_ino,
			 (unsigned long)b.st_ino);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->tree, "/tmp/test_resolve.XXXXXX");
	strcpy(fx->outside, "/tmp/test_resolve_out.XXXXXX");
	if (!mkdtemp(fx->tree) || !mkdtemp(fx->outside))
		return -1;
	fx->rootfd = open(fx->tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fx->rootfd < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];
	int r;

	close(fx->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' '%s'", fx->tree, fx->outside);
	r = system(cmd);
	free(fx);
	return r == 0 ? 0 : -1;
}

/* etc -> /etc-target: absolute links are resolved against the tree. */
static void test_absolute_symlink(void **state)
{
	struct fixture *fx = *state;
	struct stat host_etc, st;
	int fd;

	mkpath(fx, "etc-target");
	mklink(fx, "/etc-target", "etc");
	fd = mount_open_in_root(fx->rootfd, "/etc", false, false);
	assert_fd_is(fd, fx, "etc-target");
	assert_int_equal(stat("/etc", &host_etc), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_false(st.st_ino == host_etc.st_ino && st.st_dev == host_etc.st_dev);
	close(fd);

	/* hostetc -> /etc with the tree's own etc absent: not the host's /etc. */
	mklink(fx, "/etc", "hostetc");
	fd = mount_open_in_root(fx->rootfd, "/hostetc", false, false);
	/* /etc is itself a link to /etc-target inside the tree. */
	assert_fd_is(fd, fx, "etc-target");
	close(fd);

	/* A link to an absolute host path that the tree lacks: -ENOENT, even though it exists
	 * on the host. */
	mklink(fx, fx->outside, "out");
	assert_int_equal(mount_open_in_root(fx->rootfd, "/out", false, false), -ENOENT);
}

static void test_dotdot_clamped(void **state)
{
	struct fixture *fx = *state;
	int fd;

	mkpath(fx, "etc");
	static const char *const roots[] = { "/", "/..", "/../../..", "..", "../../../../../../..", "/./../." };
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		fd = mount_open_in_root(fx->rootfd, roots[i], false, false);
		assert_fd_is(fd, fx, ".");
		close(fd);
	}
	fd = mount_open_in_root(fx->rootfd, "/../../../etc", false, false);
	assert_fd_is(fd, fx, "etc");
	close(fd);
	fd = mount_open_in_root(fx->rootfd, "/etc/../../etc/./", false, false);
	assert_fd_is(fd, fx, "etc");
	close(fd);
}

/* A relative link climbing out with "..": clamped at the tree's root. */
static void test_relative_symlink_escape(void **state)
{
	struct fixture *fx = *state;
	char target[PATH_MAX];
	int fd;

	mkpath(fx, "sub");
	mkpath(fx, "tmp");
	mklink(fx, "../../../../../../..", "sub/up");
	fd = mount_open_in_root(fx->rootfd, "/sub/up", false, false);
	assert_fd_is(fd, fx, ".");
	close(fd);
	mklink(fx, "../../../../../../../tmp", "sub/tmplink");
	fd = mount_open_in_root(fx->rootfd, "/sub/tmplink", false, false);
	assert_fd_is(fd, fx, "tmp");
	close(fd);

	/* To the outside directory through ".." and its host path: not reached. */
	snprintf(target, sizeof(target), "../../../../../../..%s", fx->outside);
	mklink(fx, target, "sub/esc");
	assert_int_equal(mount_open_in_root(fx->rootfd, "/sub/esc", false, false), -ENOENT);
	/* Creating through it makes nothing outside. */
	assert_true(mount_open_in_root(fx->rootfd, "/sub/esc/x", true, false) < 0);
	assert_true(mount_open_in_root(fx->rootfd, "/sub/esc/f", true, true) < 0);
	struct stat st;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/x", fx->outside);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/f", fx->outside);
	assert_int_equal(lstat(p, &st), -1);
}

static void test_create_dirs(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd;

	assert_int_equal(mount_open_in_root(fx->rootfd, "/a/b/c", false, false), -ENOENT);
	fd = mount_open_in_root(fx->rootfd, "/a/b/c", true, false);
	assert_fd_is(fd, fx, "a/b/c");
	close(fd);
	assert_int_equal(stat_in(fx, "a", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat_in(fx, "a/b/c", &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* Existing: the same directory again, nothing changed. */
	fd = mount_open_in_root(fx->rootfd, "/a/b/c", true, false);
	assert_fd_is(fd, fx, "a/b/c");
	close(fd);

	/* Relative to the tree and with redundant parts. */
	fd = mount_open_in_root(fx->rootfd, "a//b/./d", true, false);
	assert_fd_is(fd, fx, "a/b/d");
	close(fd);

	/* Through an absolute link to a directory of the tree. */
	mklink(fx, "/a", "alink");
	fd = mount_open_in_root(fx->rootfd, "/alink/new", true, false);
	assert_fd_is(fd, fx, "a/new");
	close(fd);

	/* Under a regular file: -ENOTDIR. */
	fd = mount_open_in_root(fx->rootfd, "/file", true, true);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mount_open_in_root(fx->rootfd, "/file/sub", true, false), -ENOTDIR);
}

static void test_create_file(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd;

	fd = mount_open_in_root(fx->rootfd, "/etc/resolv.conf", true, true);
	assert_fd_is(fd, fx, "etc/resolv.conf");
	close(fd);
	assert_int_equal(stat_in(fx, "etc", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat_in(fx, "etc/resolv.conf", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);

	/* An existing file keeps its contents. */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/etc/hosts", fx->tree);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs("127.0.0.1 localhost\n", f);
	fclose(f);
	fd = mount_open_in_root(fx->rootfd, "/etc/hosts", true, true);
	assert_fd_is(fd, fx, "etc/hosts");
	close(fd);
	assert_int_equal(stat_in(fx, "etc/hosts", &st), 0);
	assert_int_equal(st.st_size, 20);

	/* Without create: -ENOENT, and nothing made. */
	assert_int_equal(mount_open_in_root(fx->rootfd, "/etc/none", false, true), -ENOENT);
	assert_int_equal(stat_in(fx, "etc/none", &st), -1);
}

/* A dangling link as the last component: an error, and nothing created at its target,
 * neither in the tree nor on the host. */
static void test_dangling_symlink(void **state)
{
	struct fixture *fx = *state;
	char target[PATH_MAX], p[PATH_MAX];
	struct stat st;

	snprintf(target, sizeof(target), "%s/victim", fx->outside);
	mklink(fx, target, "dang");
	mklink(fx, "nothing-here", "dang-rel");

	assert_int_equal(mount_open_in_root(fx->rootfd, "/dang", true, true), -ENOENT);
	assert_int_equal(mount_open_in_root(fx->rootfd, "/dang", true, false), -ENOENT);
	assert_int_equal(mount_open_in_root(fx->rootfd, "/dang-rel", true, true), -ENOENT);
	assert_int_equal(mount_open_in_root(fx->rootfd, "/dang-rel", true, false), -ENOENT);

	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat_in(fx, "nothing-here", &st), -1);
	snprintf(p, sizeof(p), "%s%s", fx->tree, fx->outside);
	assert_int_equal(lstat(p, &st), -1);
	/* The links are still links. */
	assert_int_equal(stat_in(fx, "dang", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

/* A link loop: -ELOOP, not a hang. */
static void test_symlink_loop(void **state)
{
	struct fixture *fx = *state;

	mklink(fx, "/loop2", "loop1");
	mklink(fx, "/loop1", "loop2");
	assert_int_equal(mount_open_in_root(fx->rootfd, "/loop1", false, false), -ELOOP);
	assert_int_equal(mount_open_in_root(fx->rootfd, "/loop1/x", true, false), -ELOOP);
}

int main(void)
{
	/* openat2 needs Linux 5.6; without it there is nothing to test. A whole-file skip, since
	 * cmocka 1.1's TAP output reports skip() as "not ok". */
	if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) < 0 && errno == ENOSYS) {
		const char *out = getenv("CMOCKA_MESSAGE_OUTPUT");
		if (out && strcasecmp(out, "TAP") == 0) {
			puts("1..0 # SKIP openat2 is not available (Linux < 5.6)");
			return 0;
		}
		fputs("test_resolve: openat2 is not available (Linux < 5.6): skipped\n", stderr);
		return 77;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absolute_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_clamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_symlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dangling_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
