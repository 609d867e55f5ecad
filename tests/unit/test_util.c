/* Unit tests for util.c: the number parsers, EINTR-safe I/O over pipes, fd helpers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static void test_parse_uint(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		unsigned long long max;
		int ret;
		unsigned long long want;
	} cases[] = {
		{ "0", 10, 0, 0 },
		{ "7", 10, 0, 7 },
		{ "10", 10, 0, 10 },
		{ "007", 10, 0, 7 },
		{ "11", 10, -ERANGE, 0 },
		{ "4294967295", UINT32_MAX, 0, UINT32_MAX },
		{ "4294967296", UINT32_MAX, -ERANGE, 0 },
		{ "18446744073709551615", ULLONG_MAX, 0, ULLONG_MAX },
		{ "18446744073709551616", ULLONG_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", ULLONG_MAX, -ERANGE, 0 },
		{ "0", 0, 0, 0 },
		{ "1", 0, -ERANGE, 0 },
		{ "", 10, -EINVAL, 0 },
		{ "+1", 10, -EINVAL, 0 },
		{ "-1", 10, -EINVAL, 0 },
		{ "-0", 10, -EINVAL, 0 },
		{ " 1", 10, -EINVAL, 0 },
		{ "\t1", 10, -EINVAL, 0 },
		{ "1 ", 10, -EINVAL, 0 },
		{ "1\n", 10, -EINVAL, 0 },
		{ "1a", 10, -EINVAL, 0 },
		{ "0x1", 10, -EINVAL, 0 },
		{ "1.0", 10, -EINVAL, 0 },
		{ "1e3", 10000, -EINVAL, 0 },
		{ "abc", 10, -EINVAL, 0 },
		/* Garbage is reported before range: the whole string must be a number. */
		{ "99999999999999999999999x", ULLONG_MAX, -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long long v = 12345;
		int r = parse_uint(cases[i].s, cases[i].max, &v);
		if (r != cases[i].ret)
			fail_msg("parse_uint('%s', %llu): got %d, want %d", cases[i].s, cases[i].max, r,
				 cases[i].ret);
		if (r == 0 && v != cases[i].want)
			fail_msg("parse_uint('%s'): got %llu, want %llu", cases[i].s, v, cases[i].want);
		if (r < 0 && v != 12345)
			fail_msg("parse_uint('%s'): output changed on error", cases[i].s);
	}
	unsigned long long v;
	assert_int_equal(parse_uint(NULL, 10, &v), -EINVAL);
}

static void test_parse_size(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ret;
		unsigned long long want;
	} cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "512", 0, 512 },
		{ "1k", 0, 1024 },
		{ "1K", 0, 1024 },
		{ "2m", 0, 2ULL << 20 },
		{ "2M", 0, 2ULL << 20 },
		{ "3g", 0, 3ULL << 30 },
		{ "3G", 0, 3ULL << 30 },
		{ "512m", 0, 512ULL << 20 },
		{ "0k", 0, 0 },
		{ "18446744073709551615", 0, ULLONG_MAX },
		{ "17179869183g", 0, 17179869183ULL << 30 },
		{ "17179869184g", -ERANGE, 0 }, /* 2^34 GiB = 2^64 */
		{ "18014398509481983k", 0, 18014398509481983ULL << 10 },
		{ "18014398509481984k", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999k", -ERANGE, 0 },
		{ "1kb", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1kk", -EINVAL, 0 },
		{ "k", -EINVAL, 0 },
		{ "m", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "1t", -EINVAL, 0 },
		{ "1b", -EINVAL, 0 },
		{ "1 k", -EINVAL, 0 },
		{ "1k ", -EINVAL, 0 },
		{ " 1k", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1.5g", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long long v = 12345;
		int r = parse_size(cases[i].s, &v);
		if (r != cases[i].ret)
			fail_msg("parse_size('%s'): got %d, want %d", cases[i].s, r, cases[i].ret);
		if (r == 0 && v != cases[i].want)
			fail_msg("parse_size('%s'): got %llu, want %llu", cases[i].s, v, cases[i].want);
		if (r < 0 && v != 12345)
			fail_msg("parse_size('%s'): output changed on error", cases[i].s);
	}
	unsigned long long v;
	assert_int_equal(parse_size(NULL, &v), -EINVAL);
}

static void test_io_small(void **state)
{
	(void)state;
	int p[2];
	char buf[64];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_all(p[1], "hello", 5), 0);
	assert_int_equal(write_all(p[1], "", 0), 0);
	assert_int_equal(write_all(p[1], " world", 6), 0);
	close(p[1]);
	memset(buf, 'X', sizeof(buf));
	/* Until EOF: fewer bytes than asked for. */
	assert_int_equal(read_all(p[0], buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "hello world", 11);
	assert_int_equal(buf[11], 'X');
	/* At EOF: 0. */
	assert_int_equal(read_all(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* Exactly len bytes when more are available. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_all(p[1], "abcdef", 6), 0);
	assert_int_equal(read_all(p[0], buf, 4), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(read_all(p[0], buf, 0), 0);
	close(p[1]);
	assert_int_equal(read_all(p[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "ef", 2);
	close(p[0]);
}

/* More than a pipe holds, written by another process in one call: both sides must loop. */
static void test_io_large(void **state)
{
	(void)state;
	const size_t len = 4u << 20;
	unsigned char *out = malloc(len), *in = malloc(len + 1);
	int p[2], status;
	pid_t pid;

	assert_non_null(out);
	assert_non_null(in);
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + (i >> 12));
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write_all(p[1], out, len) == 0 ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(read_all(p[0], in, len + 1), (ssize_t)len);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_memory_equal(in, out, len);
	free(out);
	free(in);
}

static void test_io_errors(void **state)
{
	(void)state;
	int p[2];
	char buf[4];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	assert_int_equal(write_all(-1, "x", 1), -EBADF);
	assert_int_equal(read_all(-1, buf, sizeof(buf)), -EBADF);

	/* Reading from the write end, writing to the read end. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(read_all(p[1], buf, sizeof(buf)), -EBADF);
	assert_int_equal(write_all(p[0], "x", 1), -EBADF);

	/* No reader: -EPIPE (with SIGPIPE ignored, as the callers run). */
	assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
	close(p[0]);
	assert_int_equal(write_all(p[1], "x", 1), -EPIPE);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
	close(p[1]);
}

static void test_write_file_at(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_util.XXXXXX";
	char path[PATH_MAX], buf[64];
	int dfd, fd;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);

	/* It never creates: the file must exist. */
	assert_int_equal(write_file_at(dfd, "f", "x"), -ENOENT);
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(write_file_at(dfd, "f", "0 1000 1\n"), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read_all(fd, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "0 1000 1\n", 9);
	close(fd);

	/* Not through a symlink in the last component. */
	snprintf(path, sizeof(path), "%s/l", dir);
	assert_int_equal(symlink("f", path), 0);
	assert_int_equal(write_file_at(dfd, "l", "x"), -ELOOP);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

/* The lock both the registry and the marks journal take: held, busy (with or without the
 * holder's fd), and never the lock of a file that was unlinked under it. */
static void test_lock_file_at(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_util.XXXXXX";
	char path[PATH_MAX];
	struct stat a, b;
	int dfd, held, again, busy = 7;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(path, sizeof(path), "%s/x.lock", dir);

	held = lock_file_at(dfd, "x.lock", LOCK_EX | LOCK_NB, &busy);
	assert_true(held >= 0);
	assert_int_equal(busy, -1);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0600);
	/* Held: busy, handing out the holder's file, or just busy. */
	assert_int_equal(lock_file_at(dfd, "x.lock", LOCK_EX | LOCK_NB, &busy), -EBUSY);
	assert_true(busy >= 0);
	assert_int_equal(fstat(busy, &b), 0);
	assert_true(a.st_ino == b.st_ino);
	close(busy);
	assert_int_equal(lock_file_at(dfd, "x.lock", LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	/* The holder unlinks it (a cleaner does): a new lock is a new file, not the orphan. */
	assert_int_equal(unlink(path), 0);
	again = lock_file_at(dfd, "x.lock", LOCK_EX | LOCK_NB, NULL);
	assert_true(again >= 0);
	assert_int_equal(fstat(again, &b), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_true(a.st_ino == b.st_ino);
	close(again);
	close(held);
	/* Shared locks share. */
	held = lock_file_at(dfd, "x.lock", LOCK_SH, NULL);
	again = lock_file_at(dfd, "x.lock", LOCK_SH | LOCK_NB, NULL);
	assert_true(held >= 0 && again >= 0);
	close(held);
	close(again);
	/* Not through a symlink. */
	unlink(path);
	assert_int_equal(symlink("elsewhere", path), 0);
	assert_int_equal(lock_file_at(dfd, "x.lock", LOCK_EX, NULL), -ELOOP);
	unlink(path);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

/* In a child, since it closes descriptors the test runner might hold. */
static void test_close_fds_from(void **state)
{
	(void)state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int keep = open("/dev/null", O_RDONLY);
		if (keep < 0 || keep >= 100)
			_exit(10);
		for (int fd = 100; fd < 105; fd++)
			if (dup2(keep, fd) != fd)
				_exit(11);
		if (dup2(keep, 1000) != 1000)
			_exit(12);
		if (close_fds_from(101) != 0)
			_exit(13);
		if (fcntl(keep, F_GETFD) < 0 || fcntl(100, F_GETFD) < 0)
			_exit(14); /* below the bound: still open */
		for (int fd = 101; fd < 105; fd++)
			if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
				_exit(15);
		if (fcntl(1000, F_GETFD) >= 0 || errno != EBADF)
			_exit(16);
		/* Nothing left to close: still 0. */
		if (close_fds_from(101) != 0)
			_exit(17);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The kept fds survive in any order, with neighbours on both sides closed. */
static void test_close_fds_except(void **state)
{
	(void)state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int keep[] = { 205, 201, -1, 205 };
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || null >= 200)
			_exit(10);
		for (int fd = 200; fd < 208; fd++)
			if (dup2(null, fd) != fd)
				_exit(11);
		if (close_fds_except(200, keep, 4) != 0)
			_exit(12);
		for (int fd = 200; fd < 208; fd++) {
			bool open_now = fcntl(fd, F_GETFD) >= 0;
			if (open_now != (fd == 201 || fd == 205))
				_exit(13);
		}
		if (fcntl(null, F_GETFD) < 0)
			_exit(14); /* below the bound */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Dispositions back to the default and the mask emptied, SIGKILL/SIGSTOP left alone. */
static void test_reset_signals(void **state)
{
	(void)state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		sigset_t set, now;
		struct sigaction sa;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		signal(SIGINT, SIG_IGN);
		sigprocmask(SIG_BLOCK, &set, NULL);
		reset_signals();
		if (sigaction(SIGINT, NULL, &sa) < 0 || sa.sa_handler != SIG_DFL)
			_exit(10);
		if (sigprocmask(SIG_SETMASK, NULL, &now) < 0 || sigismember(&now, SIGTERM))
			_exit(11);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_fd_flags(void **state)
{
	(void)state;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);

	assert_int_equal(fd_set_cloexec(p[0], true), 0);
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fd_set_cloexec(p[0], true), 0); /* idempotent */
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fd_set_cloexec(p[0], false), 0);
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);

	assert_int_equal(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(fd_set_nonblock(p[0], true), 0);
	assert_int_equal(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	/* Other status flags survive: the read end stays readable. */
	assert_int_equal(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	/* Non-blocking for real: an empty pipe reads -EAGAIN. */
	char c;
	assert_int_equal(read_all(p[0], &c, 1), -EAGAIN);
	assert_int_equal(fd_set_nonblock(p[0], false), 0);
	assert_int_equal(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	/* The other end is untouched. */
	assert_int_equal(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(fcntl(p[1], F_GETFD) & FD_CLOEXEC, 0);

	close(p[0]);
	close(p[1]);
	assert_int_equal(fd_set_cloexec(p[0], true), -EBADF);
	assert_int_equal(fd_set_nonblock(p[0], true), -EBADF);
	assert_int_equal(fd_set_cloexec(-1, false), -EBADF);
	assert_int_equal(fd_set_nonblock(-1, false), -EBADF);
}

static void test_cleanup_and_steal(void **state)
{
	(void)state;
	int fd;
	{
		_cleanup_close_ int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(a >= 0);
		fd = steal_fd(&a);
		assert_int_equal(a, -1);
	}
	/* Stolen: still open after the scope. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	{
		_cleanup_close_ int b = fd;
		(void)b;
	}
	assert_true(fcntl(fd, F_GETFD) < 0);
	assert_int_equal(errno, EBADF);

	char *p;
	{
		_cleanup_free_ char *s = strdup("x");
		assert_non_null(s);
		p = steal_ptr(&s);
		assert_null(s);
	}
	assert_string_equal(p, "x");
	free(p);

	/* cleanup_closep keeps errno, so error paths can close and still report it. */
	{
		_cleanup_close_ int c = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(c >= 0);
		errno = ENOTTY;
	}
	assert_int_equal(errno, ENOTTY);
}

static void test_err_set(void **state)
{
	char err[64];

	(void)state;
	assert_int_equal(err_set(err, sizeof(err), ENOENT, "open %s", "x"), -ENOENT);
	assert_string_equal(err, "open x: No such file or directory");
	assert_int_equal(err_set(err, sizeof(err), 0, "plain"), 0);
	assert_string_equal(err, "plain");
	/* Truncated, never overflowing, always terminated. */
	assert_int_equal(err_set(err, 8, EACCES, "a long step name"), -EACCES);
	assert_string_equal(err, "a long ");
	assert_int_equal(err_set(NULL, 0, EIO, "nowhere"), -EIO);
	/* A reason of our own: a negative errno, returned as it is, no strerror. */
	assert_int_equal(err_set(err, sizeof(err), -EINVAL, "--x: '%s' is not a number", "q"), -EINVAL);
	assert_string_equal(err, "--x: 'q' is not a number");
	assert_int_equal(err_set(NULL, 0, -EPERM, "nowhere"), -EPERM);
}

/* err_prefix: the caller's step in front of a callee's reason, the callee's value passed on. */
static void test_err_prefix(void **state)
{
	char err[32];

	(void)state;
	err_set(err, sizeof(err), ENOENT, "open x");
	assert_int_equal(err_prefix(err, sizeof(err), -ENOENT, "mount %s: ", "/a"), -ENOENT);
	assert_string_equal(err, "mount /a: open x: No such file ");
	/* Truncated at the end, the prefix kept, always terminated. */
	err_set(err, sizeof(err), -EINVAL, "bad");
	assert_int_equal(err_prefix(err, 8, -EINVAL, "a very long prefix: "), -EINVAL);
	assert_string_equal(err, "a very ");
	assert_int_equal(err_prefix(NULL, 0, -EIO, "x"), -EIO);
	/* A prefix longer than any staging buffer arrives whole, the reason after it. */
	{
		char big[600], word[400];

		memset(word, 'w', sizeof(word) - 1);
		word[sizeof(word) - 1] = '\0';
		err_set(big, sizeof(big), -EINVAL, "why");
		err_prefix(big, sizeof(big), -EINVAL, "\"%s\": ", word);
		assert_int_equal(strlen(big), 1 + 399 + 3 + 3);
		assert_string_equal(big + 1 + 399, "\": why");
		/* the reason cut, the prefix whole */
		err_set(big, sizeof(big), -EINVAL, "%s", word);
		err_prefix(big, sizeof(big), -EINVAL, "%s: ", word);
		assert_int_equal(strlen(big), sizeof(big) - 1);
		assert_int_equal(strncmp(big + 399, ": www", 5), 0);
	}
}

static void test_err_append(void **state)
{
	char err[16];

	(void)state;
	err_set(err, sizeof(err), -EINVAL, "bad");
	assert_int_equal(err_append(err, sizeof(err), -EINVAL, " (try %d)", 1), -EINVAL);
	assert_string_equal(err, "bad (try 1)");
	/* Truncated, always terminated. */
	assert_int_equal(err_append(err, sizeof(err), -EINVAL, " and a long tail"), -EINVAL);
	assert_string_equal(err, "bad (try 1) and");
	assert_int_equal(err_append(NULL, 0, -EIO, "x"), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),	   cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_io_small),	   cmocka_unit_test(test_io_large),
		cmocka_unit_test(test_io_errors),	   cmocka_unit_test(test_write_file_at),
		cmocka_unit_test(test_lock_file_at),
		cmocka_unit_test(test_close_fds_from),	   cmocka_unit_test(test_close_fds_except),
		cmocka_unit_test(test_reset_signals),	   cmocka_unit_test(test_fd_flags),
		cmocka_unit_test(test_cleanup_and_steal), cmocka_unit_test(test_err_set),
		cmocka_unit_test(test_err_prefix),	   cmocka_unit_test(test_err_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
