/* marks.c: the journal of the mount points made in a rootfs on disk, and their removal
 * (marks.h has the files and the format). */
#include "config.h"

#include "marks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "registry.h"
#include "util.h"

#define MARKS_SUBDIR "marks"
#define JOURNAL_EXT ".journal"

bool marks_path_clean(const char *rel)
{
	const char *c = rel;

	if (!rel[0])
		return false;
	for (;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

int marks_parse(const char *buf, size_t len, const char **rootfs, const char ***recs, size_t *nrecs,
		char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0, cap = 0;
	const char **list = NULL;

	*recs = NULL;
	*nrecs = 0;
	if (len < 3 || buf[0] != 'R' || buf[1] != '/' || buf[len - 1] != '\0')
		return err_set(err, errlen, -EINVAL, "not a journal (no header, or a cut record)");
	*rootfs = buf + 1;
	p += strlen(p) + 1;
	for (; p < end; p += strlen(p) + 1) {
		if ((p[0] != 'd' && p[0] != 'f' && p[0] != 'l') || !marks_path_clean(p + 1)) {
			free(list);
			return err_set(err, errlen, -EINVAL, "record %zu: not a kind and a clean relative path", n + 1);
		}
		if (n == cap) {
			const char **l = realloc(list, (cap = cap ? cap * 2 : 16) * sizeof(*l));
			if (!l) {
				free(list);
				return err_set(err, errlen, ENOMEM, "journal");
			}
			list = l;
		}
		list[n++] = p;
	}
	*recs = list;
	*nrecs = n;
	return 0;
}

/* --- the child: recording ----------------------------------------------------------------- */

static int resolve_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0 || (size_t)n >= len - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Where pfd is below rootfd, without symlinks and on the root's own mount: its path relative
 * to the root ("" for the root itself) in rel, or -1. */
static int relative_dir(int rootfd, int pfd, char *rel, size_t len)
{
	char root[PATH_MAX], dir[PATH_MAX];
	const char *r;
	size_t rl;

	if (fd_path(rootfd, root, sizeof(root)) < 0 || fd_path(pfd, dir, sizeof(dir)) < 0)
		return -1;
	rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strcmp(dir, root) == 0)
		r = "";
	else if (strncmp(dir, root, rl) == 0 && dir[rl] == '/')
		r = dir + rl + 1;
	else
		return -1;
	if (strlen(r) >= len)
		return -1;
	strcpy(rel, r);
	/* The text of a path proves nothing (a rename, a mount over it): the inode does. */
	_cleanup_close_ int check = r[0] ? resolve_beneath(rootfd, r, O_PATH | O_DIRECTORY) : -1;
	if (r[0] && check < 0)
		return -1;
	return same_inode(r[0] ? check : rootfd, pfd) ? 0 : -1;
}

off_t marks_record(int journal, int rootfd, int pfd, const char *name, char kind)
{
	char rel[PATH_MAX], rec[PATH_MAX + 2];
	off_t at;
	int n;

	if (journal < 0 || relative_dir(rootfd, pfd, rel, sizeof(rel)) < 0)
		return -1;
	n = snprintf(rec, sizeof(rec), "%c%s%s%s", kind, rel, rel[0] ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(rec) || !marks_path_clean(rec + 1))
		return -1;
	at = lseek(journal, 0, SEEK_END);
	if (at < 0 || write_all(journal, rec, (size_t)n + 1) < 0) {
		debug("marks: cannot record %s: %s", rec + 1, strerror(errno));
		return -1;
	}
	return at;
}

void marks_undo(int journal, off_t at)
{
	if (journal >= 0 && at >= 0 && ftruncate(journal, at) < 0)
		debug("marks: cannot take back a record: %s", strerror(errno));
}

/* --- the supervisor: removing ---------------------------------------------------------------- */

/* Remove one mark if it is still what we made: an empty directory, an empty file, a symlink.
 * The parent is reached without any symlink and without leaving the rootfs's mount, and the
 * last component is never followed (rmdir and unlink act on the entry itself). */
static void remove_mark(int rootfd, const char *rec)
{
	char parent[PATH_MAX];
	const char *rel = rec + 1, *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	_cleanup_close_ int pfd = -1;
	struct stat st;
	int r = 0;

	if (slash) {
		if ((size_t)(slash - rel) >= sizeof(parent))
			return;
		memcpy(parent, rel, (size_t)(slash - rel));
		parent[slash - rel] = '\0';
		pfd = resolve_beneath(rootfd, parent, O_PATH | O_DIRECTORY);
		if (pfd < 0)
			return; /* gone, or now behind a symlink: not ours to follow */
	}
	int dfd = slash ? pfd : rootfd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (rec[0] == 'd' && S_ISDIR(st.st_mode))
		r = unlinkat(dfd, name, AT_REMOVEDIR);
	else if ((rec[0] == 'f' && S_ISREG(st.st_mode) && st.st_size == 0) || (rec[0] == 'l' && S_ISLNK(st.st_mode)))
		r = unlinkat(dfd, name, 0);
	if (r < 0)
		debug("marks: %s stays: %s", rel, strerror(errno)); /* not empty: COMMAND's now */
}

/* The journal into buf: 0, -EFBIG when it fills cap, or -errno. */
static int read_journal(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n = read_all(fd, buf, cap);

	if (n < 0)
		return (int)n;
	*len = (size_t)n;
	return *len == cap ? -EFBIG : 0;
}

/* Remove what a dead sandbox's journal lists, newest first (children before their parents),
 * in the rootfs it names if that is still the directory of the key; then the journal. */
static void clean_journal(int dirfd, const char *name, const char *key)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **recs = NULL;
	const char *rootfs;
	size_t len = 0, n;
	char err[256], k[64];
	struct stat st;
	int r;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return; /* gone, or its sandbox still runs */
	/* Its size and one byte more (which tells a full buffer from a larger file), not the
	 * largest journal: most are a few lines. */
	size_t cap = fstat(fd, &st) == 0 && st.st_size >= 0 && (size_t)st.st_size < MARKS_JOURNAL_MAX ?
			     (size_t)st.st_size + 1 : MARKS_JOURNAL_MAX;
	buf = malloc(cap);
	if (!buf)
		return;
	err[0] = '\0';
	if ((r = read_journal(fd, buf, cap, &len)) < 0 ||
	    (r = marks_parse(buf, len, &rootfs, &recs, &n, err, sizeof(err))) < 0) {
		debug("marks: journal %s unreadable (%s), removed", name, err[0] ? err : strerror(-r));
		(void)unlinkat(dirfd, name, 0);
		return;
	}
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0 && fstat(rootfd, &st) == 0) {
		snprintf(k, sizeof(k), "%llx-%llx", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		if (strcmp(k, key) == 0)
			while (n > 0)
				remove_mark(rootfd, recs[--n]);
	}
	if (unlinkat(dirfd, name, 0) < 0)
		debug("marks: remove journal %s: %s", name, strerror(errno));
}

/* Take KEY.lock with op (a cleaner removes it while holding it exclusively). The fd, or
 * -errno. */
static int lock_key(int dirfd, const char *key, int op)
{
	char name[96];

	snprintf(name, sizeof(name), "%s.lock", key);
	return lock_file_at(dirfd, name, op, NULL);
}

/* When no sandbox runs on the key's rootfs: clean every journal of it, and the lock. */
static void clean_key(int dirfd, const char *key)
{
	_cleanup_close_ int lock = lock_key(dirfd, key, LOCK_EX | LOCK_NB);
	_cleanup_close_ int scan = -1;
	DIR *dir;
	struct dirent *d;
	char name[96];
	size_t kl = strlen(key);

	if (lock < 0)
		return; /* in use, or the directory is not writable */
	scan = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = scan >= 0 ? fdopendir(scan) : NULL;
	if (!dir)
		return;
	scan = -1;
	while ((d = readdir(dir)))
		if (strncmp(d->d_name, key, kl) == 0 && d->d_name[kl] == '.' && strstr(d->d_name, JOURNAL_EXT))
			clean_journal(dirfd, d->d_name, key);
	closedir(dir);
	snprintf(name, sizeof(name), "%s.lock", key);
	(void)unlinkat(dirfd, name, 0);
}

static void sweep(int dirfd)
{
	_cleanup_close_ int scan = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = scan >= 0 ? fdopendir(scan) : NULL;
	struct dirent *d;
	char keys[16][64];
	size_t nkeys = 0;

	if (!dir)
		return;
	scan = -1;
	/* The keys of the journals first: clean_key changes the directory being read. */
	while ((d = readdir(dir)) && nkeys < ARRAY_SIZE(keys)) {
		size_t kl = strcspn(d->d_name, ".");
		if (d->d_name[0] == '.' || !strstr(d->d_name, JOURNAL_EXT) || kl >= sizeof(keys[0]))
			continue;
		memcpy(keys[nkeys], d->d_name, kl);
		keys[nkeys][kl] = '\0';
		/* One rootfs, many running sandboxes: its key once, room for the others'. */
		bool seen = false;
		for (size_t i = 0; i < nkeys && !seen; i++)
			seen = strcmp(keys[i], keys[nkeys]) == 0;
		if (!seen)
			nkeys++;
	}
	closedir(dir);
	for (size_t i = 0; i < nkeys; i++)
		clean_key(dirfd, keys[i]);
}

void marks_sweep(int state_dirfd)
{
	char err[256];
	_cleanup_close_ int dirfd = registry_open_dir_at(state_dirfd, MARKS_SUBDIR, getuid(), false, err, sizeof(err));

	if (dirfd >= 0)
		sweep(dirfd);
}

void marks_close_dirs(struct marks *m)
{
	if (m->lockfd >= 0)
		close(m->lockfd);
	if (m->dirfd >= 0)
		close(m->dirfd);
	m->lockfd = m->dirfd = -1;
}

static void release(struct marks *m)
{
	if (m->journal >= 0)
		close(m->journal);
	if (m->lockfd >= 0)
		close(m->lockfd);
	if (m->dirfd >= 0)
		close(m->dirfd);
	m->journal = m->lockfd = m->dirfd = -1;
}

int marks_begin(struct marks *m, const char *rootfs, char *err, size_t errlen)
{
	_cleanup_close_ int state = -1;
	char abs[PATH_MAX];
	struct stat st;
	struct timespec ts;
	int r;

	if (!realpath(rootfs, abs) || stat(abs, &st) < 0)
		return err_set(err, errlen, errno, "%s", rootfs);
	state = registry_open_dir(true, err, errlen);
	if (state < 0)
		return state;
	m->dirfd = registry_open_dir_at(state, MARKS_SUBDIR, getuid(), true, err, errlen);
	if (m->dirfd < 0)
		return m->dirfd;
	sweep(m->dirfd);
	snprintf(m->key, sizeof(m->key), "%llx-%llx", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	/* Shared before the journal exists: a cleaner (exclusive) never sees a live one. */
	m->lockfd = lock_key(m->dirfd, m->key, LOCK_SH);
	if (m->lockfd < 0) {
		r = err_set(err, errlen, -m->lockfd, "lock %s.lock", m->key);
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(m->name, sizeof(m->name), "%s.%d-%lx%s", m->key, (int)getpid(), (unsigned long)ts.tv_nsec, JOURNAL_EXT);
	m->journal = openat(m->dirfd, m->name, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (m->journal < 0 || flock(m->journal, LOCK_EX | LOCK_NB) < 0) {
		r = err_set(err, errlen, errno, "journal %s", m->name);
		goto fail;
	}
	if (write_all(m->journal, "R", 1) < 0 || write_all(m->journal, abs, strlen(abs) + 1) < 0) {
		r = err_set(err, errlen, errno, "journal %s", m->name);
		(void)unlinkat(m->dirfd, m->name, 0);
		goto fail;
	}
	return 0;
fail:
	release(m);
	return r;
}

void marks_end(struct marks *m)
{
	int dirfd = m->dirfd;

	if (dirfd < 0)
		return;
	m->dirfd = -1;
	/* Our locks go first: the child's copies are gone with it, and a sandbox still running
	 * on the rootfs keeps its own shared lock, which makes the cleanup its job. */
	release(m);
	clean_key(dirfd, m->key);
	close(dirfd);
}
