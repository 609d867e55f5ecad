/* Unit tests for marks.c: the journal's format, the paths it accepts, and a whole cycle on a
 * scratch rootfs (record, make, remove at the end), including what must never be removed. */
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

#include "marks.h"
#include "util.h"

static void test_path_clean(void **state)
{
	(void)state;
	assert_true(marks_path_clean("proc"));
	assert_true(marks_path_clean("mnt/a/b"));
	assert_true(marks_path_clean("..x/.y"));
	assert_false(marks_path_clean(""));
	assert_false(marks_path_clean("/proc"));
	assert_false(marks_path_clean("proc/"));
	assert_false(marks_path_clean("a//b"));
	assert_false(marks_path_clean("a/./b"));
	assert_false(marks_path_clean("a/../../etc"));
	assert_false(marks_path_clean(".."));
}

static void test_parse(void **state)
{
	static const char good[] = "R/srv/root\0dproc\0dmnt/x\0fetc/f\0lw/l";
	const char *rootfs, **recs;
	size_t n;
	char err[128];

	(void)state;
	assert_int_equal(marks_parse(good, sizeof(good), &rootfs, &recs, &n, err, sizeof(err)), 0);
	assert_string_equal(rootfs, "/srv/root");
	assert_int_equal(n, 4);
	assert_string_equal(recs[0], "dproc");
	assert_string_equal(recs[3], "lw/l");
	free(recs);
	/* Only the header: no marks. */
	assert_int_equal(marks_parse("R/r", 4, &rootfs, &recs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(recs);
	/* A cut last record (a crash in the middle of a write) is refused, so is a relative rootfs,
	 * an unknown kind, and a path that could leave the rootfs. */
	assert_int_equal(marks_parse("R/r\0dpro", 8, &rootfs, &recs, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(marks_parse("Rr\0dproc", 9, &rootfs, &recs, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(marks_parse("R/r\0xproc", 10, &rootfs, &recs, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(marks_parse("R/r\0d../etc", 12, &rootfs, &recs, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "record 1"));
	assert_int_equal(marks_parse("", 0, &rootfs, &recs, &n, err, sizeof(err)), -EINVAL);
}

static char scratch[64];

static int setup(void **state)
{
	char xdg[96];

	(void)state;
	strcpy(scratch, "/tmp/test_marks.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	snprintf(xdg, sizeof(xdg), "%s/run", scratch);
	if (mkdir(xdg, 0700) < 0)
		return -1;
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* Make name in dir as the child does: recorded first. */
static void make(int journal, int rootfd, const char *dir, const char *name, char kind)
{
	int pfd = dir[0] ? openat(rootfd, dir, O_PATH | O_DIRECTORY) : dup(rootfd);
	off_t at;

	assert_true(pfd >= 0);
	at = marks_record(journal, rootfd, pfd, name, kind);
	assert_true(at >= 0);
	if (kind == 'd')
		assert_int_equal(mkdirat(pfd, name, 0755), 0);
	else if (kind == 'f')
		close(openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY, 0644));
	else
		assert_int_equal(symlinkat("/nowhere", pfd, name), 0);
	close(pfd);
}

static bool exists(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	return lstat(path, &st) == 0;
}

static void test_cycle(void **state)
{
	struct marks m = MARKS_INIT;
	char root[96], err[256], path[192];
	int rootfd;

	(void)state;
	snprintf(root, sizeof(root), "%s/rootfs", scratch);
	assert_int_equal(mkdir(root, 0755), 0);
	snprintf(path, sizeof(path), "%s/rootfs/bin", scratch);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", scratch);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside/keep", scratch);
	assert_int_equal(mkdir(path, 0755), 0);

	assert_int_equal(marks_begin(&m, root, err, sizeof(err)), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY);
	assert_true(rootfd >= 0);
	make(m.journal, rootfd, "", "proc", 'd');
	make(m.journal, rootfd, "", "mnt", 'd');
	make(m.journal, rootfd, "mnt", "x", 'd');
	make(m.journal, rootfd, "mnt", "y", 'd');
	make(m.journal, rootfd, "", "f", 'f');
	make(m.journal, rootfd, "", "l", 'l');
	make(m.journal, rootfd, "", "used", 'd');
	/* A creation that failed is taken back: bin was there before. */
	{
		off_t at = marks_record(m.journal, rootfd, rootfd, "bin", 'd');
		assert_true(at >= 0);
		assert_int_equal(mkdirat(rootfd, "bin", 0755), -1);
		marks_undo(m.journal, at);
	}
	/* What COMMAND did afterwards: a file in one mark, and mnt/y made a symlink to a
	 * directory outside whose empty subdirectory must survive. */
	snprintf(path, sizeof(path), "%s/rootfs/used/by-command", scratch);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/rootfs/mnt/y", scratch);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("../../outside/keep", path), 0);
	close(rootfd);

	marks_end(&m);
	assert_false(exists("rootfs/proc"));
	assert_false(exists("rootfs/mnt/x"));
	assert_false(exists("rootfs/f"));
	assert_false(exists("rootfs/l"));
	assert_true(exists("rootfs/bin"));
	assert_true(exists("rootfs/used/by-command"));
	assert_true(exists("rootfs/mnt/y")); /* COMMAND's symlink: its write, it stays */
	assert_true(exists("rootfs/mnt"));   /* so its parent is not empty */
	assert_true(exists("outside/keep"));
	/* Nothing is left in the state directory. */
	snprintf(path, sizeof(path), "rmdir '%s/run/sandbox/marks'", scratch);
	assert_int_equal(system(path), 0);
}

/* A journal whose supervisor died (nobody holds its lock) is cleaned by the next start. */
static void test_dead_sandbox(void **state)
{
	struct marks m = MARKS_INIT, next = MARKS_INIT;
	char root[96], err[256], name[320];
	int rootfd, keep;

	(void)state;
	snprintf(root, sizeof(root), "%s/rootfs2", scratch);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(marks_begin(&m, root, err, sizeof(err)), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY);
	make(m.journal, rootfd, "", "dev", 'd');
	close(rootfd);
	/* A SIGKILL: the locks go, the files stay. Keep the journal around under another fd to
	 * see that it is gone afterwards. */
	snprintf(name, sizeof(name), "%s/run/sandbox/marks/%s", scratch, m.name);
	keep = open(name, O_RDONLY);
	assert_true(keep >= 0);
	close(m.journal);
	close(m.lockfd);
	close(m.dirfd);
	assert_true(exists("rootfs2/dev"));

	assert_int_equal(marks_begin(&next, root, err, sizeof(err)), 0);
	assert_false(exists("rootfs2/dev"));
	assert_int_equal(access(name, F_OK), -1);
	marks_end(&next);
	close(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_sandbox, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
