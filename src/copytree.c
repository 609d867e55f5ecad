/* copytree.c: a directory's content copied into another, fd to fd (tmpcopyup). */
#include "config.h"

#include "copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Deeper than any image's tree; the bound keeps a hostile one from exhausting the stack. */
#define MAX_DEPTH 64
/* The kernel's own bounds on a name list and on one value (XATTR_LIST_MAX, XATTR_SIZE_MAX). */
#define XATTR_BUF 65536

struct copy {
	int top;			/* the destination's top, where hard links point */
	char path[PATH_MAX];		/* the entry below the top, "/a/b", for links and errors */
	struct copytree_nodes links;	/* first copies of inodes with more than one name */
	struct copytree_nodes *devices; /* placeholders of device nodes, or NULL to refuse them */
	char *names, *value;		/* XATTR_BUF each */
	char *err;
	size_t errlen;
};

static int nodes_add(struct copytree_nodes *nodes, const char *path, const struct stat *st)
{
	if (nodes->n == nodes->cap) {
		size_t cap = nodes->cap ? nodes->cap * 2 : 16;
		struct copytree_node *v = reallocarray(nodes->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		nodes->v = v;
		nodes->cap = cap;
	}
	nodes->v[nodes->n].path = strdup(path);
	if (!nodes->v[nodes->n].path)
		return -ENOMEM;
	nodes->v[nodes->n].dev = st->st_dev;
	nodes->v[nodes->n].ino = st->st_ino;
	nodes->v[nodes->n].rdev = st->st_rdev;
	nodes->n++;
	return 0;
}

static const struct copytree_node *nodes_find(const struct copytree_nodes *nodes, const struct stat *st)
{
	for (size_t i = 0; i < nodes->n; i++)
		if (nodes->v[i].dev == st->st_dev && nodes->v[i].ino == st->st_ino)
			return &nodes->v[i];
	return NULL;
}

void copytree_nodes_free(struct copytree_nodes *nodes)
{
	for (size_t i = 0; i < nodes->n; i++)
		free(nodes->v[i].path);
	free(nodes->v);
	*nodes = (struct copytree_nodes){ 0 };
}

/* Refused in a user namespace rather than failed: trusted.* and most security.* need the
 * initial namespace's CAP_SYS_ADMIN (EPERM), the tmpfs may not know the namespace (ENOTSUP),
 * and an ACL naming an id this namespace does not map reads back as -1 (EINVAL), as an owner
 * not mapped here is not kept either. */
static bool xattr_refused(const char *name, int e)
{
	return e == EPERM || e == ENOTSUP ||
	       (e == EINVAL && strncmp(name, "system.posix_acl_", strlen("system.posix_acl_")) == 0);
}

/* After the owner (a chown clears security.capability), before the mode (an ACL sets the
 * group bits, which the mode then restores as they were). */
static int copy_xattrs(struct copy *c, int in, int out)
{
	ssize_t len = flistxattr(in, c->names, XATTR_BUF);

	if (len < 0)
		return errno == ENOTSUP ? 0 : err_set(c->err, c->errlen, errno, "tmpcopyup %s: list xattrs", c->path);
	for (const char *name = c->names; name < c->names + len; name += strlen(name) + 1) {
		ssize_t n = fgetxattr(in, name, c->value, XATTR_BUF);
		if (n < 0 && errno != ENODATA)
			return err_set(c->err, c->errlen, errno, "tmpcopyup %s: read xattr %s", c->path, name);
		if (n < 0)
			continue; /* removed since the list */
		if (fsetxattr(out, name, c->value, (size_t)n, 0) < 0) {
			if (!xattr_refused(name, errno))
				return err_set(c->err, c->errlen, errno, "tmpcopyup %s: set xattr %s", c->path, name);
			debug("tmpcopyup %s: xattr %s left out: %s", c->path, name, strerror(errno));
		}
	}
	return 0;
}

/* Owner, xattrs (files and directories: in, out >= 0), mode (chown clears set-id bits), then
 * times of the entry name in dir. An owner this user namespace does not map (stat shows the
 * overflow id) cannot be given: the copy keeps ours. */
static int copy_attrs(struct copy *c, int dir, const char *name, const struct stat *st, int in, int out)
{
	const struct timespec times[2] = { st->st_atim, st->st_mtim };
	int r;

	if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: owner", c->path);
	if (in >= 0 && out >= 0 && (r = copy_xattrs(c, in, out)) < 0)
		return r;
	if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: mode", c->path);
	if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: times", c->path);
	return 0;
}

static int copy_file(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: open", c->path);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
	if (out < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: create", c->path);
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0)
			return err_set(c->err, c->errlen, errno, "tmpcopyup %s: copy", c->path);
	}
	return copy_attrs(c, ddir, name, st, in, out);
}

static int copy_link(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

	if (n < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: read the symlink", c->path);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: symlink", c->path);
	return copy_attrs(c, ddir, name, st, -1, -1);
}

/* The node itself cannot be made here: an empty file takes its place until the caller binds
 * the source's node onto it. */
static int copy_device(struct copy *c, int ddir, const char *name, const struct stat *st)
{
	int fd;

	if (!c->devices)
		return err_set(c->err, c->errlen, -EPERM, "tmpcopyup %s: a device node cannot be copied", c->path);
	fd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: create the device node's place", c->path);
	close(fd);
	if (nodes_add(c->devices, c->path + 1, st) < 0)
		return err_set(c->err, c->errlen, ENOMEM, "tmpcopyup %s: remember the device node", c->path);
	return 0;
}

static int copy_dir(struct copy *c, int sdir, int ddir, int depth);

static int copy_subdir(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st, int depth)
{
	_cleanup_close_ int s = -1, d = -1;
	int r;

	if (depth >= MAX_DEPTH)
		return err_set(c->err, c->errlen, -ELOOP, "tmpcopyup %s: more than %d levels deep", c->path, MAX_DEPTH);
	if (mkdirat(ddir, name, 0700) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: mkdir", c->path);
	s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: open", c->path);
	r = copy_dir(c, s, d, depth + 1);
	return r < 0 ? r : copy_attrs(c, ddir, name, st, s, d);
}

/* Another name of an inode already copied becomes a link to that copy. */
static int copy_hardlink(struct copy *c, int ddir, const char *name, const struct copytree_node *first)
{
	if (linkat(c->top, first->path, ddir, name, 0) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: link to /%s", c->path, first->path);
	return 0;
}

/* One entry; c->path holds its name below the top. */
static int copy_entry(struct copy *c, int sdir, int ddir, const char *name, int depth)
{
	struct stat st;
	bool linked;
	int r;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(c->err, c->errlen, errno, "tmpcopyup %s: stat", c->path);
	linked = st.st_nlink > 1 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) || S_ISFIFO(st.st_mode));
	if (linked) {
		const struct copytree_node *first = nodes_find(&c->links, &st);
		if (first)
			return copy_hardlink(c, ddir, name, first);
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		r = copy_file(c, sdir, ddir, name, &st);
		break;
	case S_IFLNK:
		r = copy_link(c, sdir, ddir, name, &st);
		break;
	case S_IFIFO:
		if (mkfifoat(ddir, name, st.st_mode & 0777) < 0)
			return err_set(c->err, c->errlen, errno, "tmpcopyup %s: mkfifo", c->path);
		r = copy_attrs(c, ddir, name, &st, -1, -1);
		break;
	case S_IFSOCK:
		return 0;
	case S_IFDIR:
		return copy_subdir(c, sdir, ddir, name, &st, depth);
	case S_IFCHR:
	case S_IFBLK:
		return copy_device(c, ddir, name, &st);
	default:
		return err_set(c->err, c->errlen, -EINVAL, "tmpcopyup %s: a file of unknown type", c->path);
	}
	if (r == 0 && linked && nodes_add(&c->links, c->path + 1, &st) < 0)
		return err_set(c->err, c->errlen, ENOMEM, "tmpcopyup %s: remember the hard link", c->path);
	return r;
}

static int copy_dir(struct copy *c, int sdir, int ddir, int depth)
{
	int fd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	size_t len = strlen(c->path);
	int r = 0;

	if (!d) {
		r = err_set(c->err, c->errlen, errno, "tmpcopyup %s: read the directory", len ? c->path : "/");
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
				r = err_set(c->err, c->errlen, errno, "tmpcopyup %s: read the directory", len ? c->path : "/");
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(c->path + len, sizeof(c->path) - len, "/%s", e->d_name) >= sizeof(c->path) - len) {
			r = err_set(c->err, c->errlen, -ENAMETOOLONG, "tmpcopyup %s: path too long", c->path);
			break;
		}
		r = copy_entry(c, sdir, ddir, e->d_name, depth);
		c->path[len] = '\0';
	}
	closedir(d);
	return r;
}

int copytree(int src, int dst, struct copytree_nodes *devices, char *err, size_t errlen)
{
	struct copy c = { .top = dst, .devices = devices, .err = err, .errlen = errlen };
	int r;

	c.names = malloc(XATTR_BUF);
	c.value = malloc(XATTR_BUF);
	if (!c.names || !c.value)
		r = err_set(err, errlen, ENOMEM, "tmpcopyup: buffers");
	else
		r = copy_dir(&c, src, dst, 0);
	free(c.names);
	free(c.value);
	copytree_nodes_free(&c.links);
	return r;
}
