/* util.c: the shared helpers of util.h. */
#include "config.h"

#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int err_set(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	e = err_vset(err, errlen, e, fmt, ap);
	va_end(ap);
	return e;
}

int err_vset(char *err, size_t errlen, int e, const char *fmt, va_list ap)
{
	size_t n;

	if (!err || !errlen)
		return e < 0 ? e : -e;
	vsnprintf(err, errlen, fmt, ap);
	n = strlen(err);
	if (e > 0 && n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(e));
	return e < 0 ? e : -e;
}

int err_prefix(char *err, size_t errlen, int r, const char *fmt, ...)
{
	size_t n, kept;
	va_list ap;
	char first;
	int len;

	if (!err || !errlen)
		return r;
	/* Formatted in place, however long (a quoted --net-allow spec is 300 bytes): the reason
	 * moves right by the prefix's length, its tail cut to fit. */
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len <= 0)
		return r;
	n = (size_t)len < errlen - 1 ? (size_t)len : errlen - 1;
	kept = strnlen(err, errlen - 1);
	if (kept > errlen - 1 - n)
		kept = errlen - 1 - n;
	memmove(err + n, err, kept);
	err[n + kept] = '\0';
	/* vsnprintf ends the prefix with a NUL on the reason's first byte: put that back. */
	first = err[n];
	va_start(ap, fmt);
	vsnprintf(err, n + 1, fmt, ap);
	va_end(ap);
	err[n] = first;
	return r;
}

int err_append(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err || !errlen)
		return r;
	n = strnlen(err, errlen - 1);
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return r;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int write_file_at(int dirfd, const char *path, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

int lock_file_at(int dirfd, const char *name, int op, int *busy_fd)
{
	if (busy_fd)
		*busy_fd = -1;
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_close_ int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		struct stat a, b;

		if (fd < 0)
			return -errno;
		if (flock(fd, op) < 0) {
			if (errno == EWOULDBLOCK && busy_fd) {
				*busy_fd = steal_fd(&fd);
				return -EBUSY;
			}
			return -errno;
		}
		if (fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return steal_fd(&fd);
	}
	return -EAGAIN;
}

int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	/* strtoull accepts leading blanks and a minus sign; the contract does not. */
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ULL << 10;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return -EINVAL;
	if (v > ULLONG_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

/* Close fds lo..hi: close_range(2), which needs no /proc (that matters after pivot_root), or one
 * by one on a kernel without it. */
static int close_span(unsigned lo, unsigned hi)
{
	long max;

	if (lo > hi)
		return 0;
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 65536)
		max = 65536;
	for (unsigned long fd = lo; fd <= hi && fd < (unsigned long)max; fd++)
		close((int)fd);
	return 0;
}

int close_fds_except(int from, const int *keep, size_t nkeep)
{
	unsigned lo = (unsigned)from;

	for (;;) {
		/* The next kept fd at or above lo: close up to it, step over it. */
		unsigned next = ~0U;
		bool found = false;
		int r;

		for (size_t i = 0; i < nkeep; i++) {
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (unsigned)keep[i] <= next) {
				next = (unsigned)keep[i];
				found = true;
			}
		}
		if (!found)
			return close_span(lo, ~0U);
		if (next > lo && (r = close_span(lo, next - 1)) < 0)
			return r;
		lo = next + 1;
	}
}

int close_fds_from(int from)
{
	return close_fds_except(from, NULL, 0);
}

void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int pivot_root_here(char *err, size_t errlen)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(err, errlen, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(err, errlen, errno, "pivot_root: detach the old root");
	if (chdir("/") < 0)
		return err_set(err, errlen, errno, "pivot_root: chdir /");
	return 0;
}

int fd_set_cloexec(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		return -errno;
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	if (fcntl(fd, F_SETFD, flags) < 0)
		return -errno;
	return 0;
}

int fd_set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, flags) < 0)
		return -errno;
	return 0;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **d = calloc(n + 1, sizeof(*d));

	for (size_t i = 0; d && i < n; i++) {
		if (!(d[i] = strdup(v[i]))) {
			strv_free(d);
			return NULL;
		}
	}
	return d;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void helper_path(const char *name, char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + 2 + strlen(name) <= len) {
			strcpy(slash + 1, name);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "%s/%s", PKGLIBEXECDIR, name);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

unsigned long long sandbox_ns_flags(bool own_net)
{
	return CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
	       (own_net ? CLONE_NEWNET : 0);
}

pid_t clone_pidfd(unsigned long long flags, int *pidfd, int cgfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int proc_stat_field(const char *text, int n, unsigned long long *out)
{
	/* "PID (COMM) S ppid ...": COMM may hold anything, so start after its last ')'. */
	const char *p = strrchr(text, ')');
	char *end;

	if (!p || n < 3)
		return -EINVAL;
	p++;
	/* Field 3 (state) is the first after ')'. */
	for (int field = 3; field < n; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			return -EINVAL;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	*out = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}
