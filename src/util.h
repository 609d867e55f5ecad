/* util.h: what every part shares: cleanup attributes and ownership hand-off, the error reason
 * (err_set), EINTR-safe I/O, small parsers, string vectors, and fd, signal, clone and
 * pivot_root helpers. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

/* Hand ownership out of a cleanup variable. */
#define steal_ptr(pp)                          \
	({                                     \
		__typeof__(*(pp)) _stolen = *(pp); \
		*(pp) = NULL;                  \
		_stolen;                       \
	})

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* The one way pure code sets the reason it hands back to the one place that prints it.
 * e > 0, a system error: "WHAT: strerror(e)", returns -e. e < 0, a reason of our own (bad
 * input, a refusal): "WHAT" alone, returns e. err may be NULL. */
int err_set(char *err, size_t errlen, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* err_set for a function that takes its own format and arguments (chan_fail). */
int err_vset(char *err, size_t errlen, int e, const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* Put "WHERE" in front of the reason a callee set (give the separator in fmt). Returns r, the
 * callee's -errno, unchanged. */
int err_prefix(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Put more after the reason a callee set, e.g. what the user can do about it. Returns r. */
int err_append(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Write all of buf, retrying EINTR and short writes. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read up to len bytes, retrying EINTR and short reads until EOF. Bytes read or -errno. */
ssize_t read_all(int fd, void *buf, size_t len);
/* Write text to the existing file at path (relative to dirfd; not created, not truncated, no
 * symlink followed: /proc and cgroup files). 0 or -errno. */
int write_file_at(int dirfd, const char *path, const char *text);
/* Take flock(op) on name in dirfd (created 0600 when missing), and make sure the file locked is
 * still the one of that name: a holder may unlink it while it holds it, and the lock of that
 * orphan inode would count for nothing. The fd, or -errno. With LOCK_NB, a lock held by
 * another is -EWOULDBLOCK, or -EBUSY with that file's fd in *busy_fd when busy_fd is not NULL
 * (to read who holds it). */
int lock_file_at(int dirfd, const char *name, int op, int *busy_fd);
/* Parse a decimal unsigned integer that must fit in max; whole string. 0 or -EINVAL/-ERANGE. */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* Numeric field n (3 or more, counted as proc(5) does) of a /proc/PID/stat text; the command
 * name (field 2) may hold spaces and ')'. 0 or -EINVAL. */
int proc_stat_field(const char *stat_text, int n, unsigned long long *out);
/* Parse BYTES[k|m|g] (powers of 1024). 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, unsigned long long *out);
/* The smallest integer >= v, for 0 <= v < 2^63 (no libm: one shared library less to load). */
static inline unsigned long long ceil_u64(double v)
{
	unsigned long long i = (unsigned long long)v;
	return (double)i < v ? i + 1 : i;
}
/* NULL-terminated string vectors: the count; a deep copy (NULL gives an empty one) or NULL;
 * free each string and the vector (NULL is fine). */
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
void strv_free(char **v);
/* A helper program (sandbox-net, sandbox-image...) next to our own binary (the build tree, a
 * relocated install), else where `make install` put it. */
void helper_path(const char *name, char *buf, size_t len);
/* Close every fd >= from. 0 or -errno. */
int close_fds_from(int from);
/* Close every fd >= from but the nkeep fds in keep (any order). 0 or -errno. */
int close_fds_except(int from, const int *keep, size_t nkeep);
/* Every signal back to its default action, none blocked: what a process about to run other
 * code (COMMAND, libslirp) must not inherit from the one that forked it. */
void reset_signals(void);
/* Make the current directory, a mount point, the root: pivot_root(".", ".") stacks the old root
 * on the new one and detaching "." drops it, with no directory in the new root to name for it;
 * then chdir("/"). 0 or -errno with the step in err. */
int pivot_root_here(char *err, size_t errlen);
/* The namespaces a sandbox has: user, mount, pid, uts, ipc, cgroup, and net when it has its
 * own (the supervisor creates them, exec joins them). */
unsigned long long sandbox_ns_flags(bool own_net);
/* clone3 with flags, a pidfd into *pidfd, and born in the cgroup cgfd when >= 0 (so the child
 * runs nothing before it is limited). As fork: 0 in the child, its pid, or -1 with errno. */
pid_t clone_pidfd(unsigned long long flags, int *pidfd, int cgfd);
/* Set or clear O_CLOEXEC / O_NONBLOCK. 0 or -errno. */
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);
