/* copytree.c: a directory's content copied into another, fd to fd (tmpcopyup). */
#include "config.h"

#include "copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Deeper than any image's tree; the bound keeps a hostile one from exhausting the stack. */
#define MAX_DEPTH 64

/* Owner, then mode (chown clears set-id bits), then times of the entry name in dir. An owner
 * this user namespace does not map (stat shows the overflow id) cannot be given: the copy
 * keeps ours. */
static int copy_attrs(int dir, const char *name, const struct stat *st)
{
	const struct timespec times[2] = { st->st_atim, st->st_mtim };

	if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (write_all(out, buf, (size_t)n) < 0)
			return -errno;
	}
	return 0;
}

static int copy_link(int sdir, int ddir, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	return symlinkat(target, ddir, name) < 0 ? -errno : 0;
}

static int copy_dir(int sdir, int ddir, int depth, char *path, size_t pathlen, char *err, size_t errlen);

/* One entry; path holds its name below the top for the error. */
static int copy_entry(int sdir, int ddir, const char *name, int depth, char *path, size_t pathlen, char *err,
		      size_t errlen)
{
	struct stat st;
	int r = 0;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errlen, errno, "tmpcopyup %s: stat", path);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		r = copy_file(sdir, ddir, name, &st);
		break;
	case S_IFLNK:
		r = copy_link(sdir, ddir, name);
		break;
	case S_IFIFO:
		r = mkfifoat(ddir, name, st.st_mode & 0777) < 0 ? -errno : 0;
		break;
	case S_IFSOCK:
		return 0;
	case S_IFDIR: {
		if (depth >= MAX_DEPTH)
			return err_set(err, errlen, -ELOOP, "tmpcopyup %s: more than %d levels deep", path, MAX_DEPTH);
		if (mkdirat(ddir, name, 0700) < 0)
			return err_set(err, errlen, errno, "tmpcopyup %s: mkdir", path);
		_cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return err_set(err, errlen, errno, "tmpcopyup %s: open", path);
		r = copy_dir(s, d, depth + 1, path, pathlen, err, errlen);
		if (r < 0)
			return r;
		break;
	}
	default:
		return err_set(err, errlen, -EPERM, "tmpcopyup %s: a device node cannot be copied", path);
	}
	if (r < 0)
		return err_set(err, errlen, -r, "tmpcopyup %s: copy", path);
	r = copy_attrs(ddir, name, &st);
	return r < 0 ? err_set(err, errlen, -r, "tmpcopyup %s: owner, mode and times", path) : 0;
}

static int copy_dir(int sdir, int ddir, int depth, char *path, size_t pathlen, char *err, size_t errlen)
{
	int fd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	size_t len = strlen(path);
	int r = 0;

	if (!d) {
		r = err_set(err, errlen, errno, "tmpcopyup %s: read the directory", path[0] ? path : "/");
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* The dup shares its offset with sdir, which may have been read before. */
	rewinddir(d);
	while (r == 0) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				r = err_set(err, errlen, errno, "tmpcopyup %s: read the directory", path[0] ? path : "/");
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path + len, pathlen - len, "/%s", e->d_name) >= pathlen - len) {
			r = err_set(err, errlen, -ENAMETOOLONG, "tmpcopyup %s: path too long", path);
			break;
		}
		r = copy_entry(sdir, ddir, e->d_name, depth, path, pathlen, err, errlen);
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

int copytree(int src, int dst, char *err, size_t errlen)
{
	char path[PATH_MAX] = "";

	return copy_dir(src, dst, 0, path, sizeof(path), err, errlen);
}
