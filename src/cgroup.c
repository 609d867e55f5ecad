/* cgroup.c: cgroup v2 limits. See cgroup.h for how the delegated cgroup is found. */
#include "config.h"

#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const struct {
	unsigned bit;
	const char *name;
	const char *option;
} controllers[] = {
	{ CGROUP_MEMORY, "memory", "--memory" },
	{ CGROUP_PIDS, "pids", "--pids" },
	{ CGROUP_CPU, "cpu", "--cpus" },
};

unsigned cgroup_needed(const struct cgroup_limits *l)
{
	return (l->memory ? CGROUP_MEMORY : 0) | (l->pids ? CGROUP_PIDS : 0) |
	       (l->cpu_quota || l->cpu_weight ? CGROUP_CPU : 0);
}

int cgroup_parse_self(const char *text, char *path, size_t len)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n = strcspn(l, "\n");
		if (n >= 3 && !strncmp(l, "0::", 3) && l[3] == '/' && n - 3 < len) {
			memcpy(path, l + 3, n - 3);
			path[n - 3] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (s[i] == '\\' && i + 3 < n + 1 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* One mountinfo line: its root (field 4) and mount point (field 5), when it is a cgroup2 mount. */
static bool cgroup2_line(const char *l, size_t n, const char **root, size_t *rootlen, const char **mnt,
			 size_t *mntlen)
{
	const char *f[5], *sep, *p = l;
	size_t flen[5];

	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
	for (int i = 0; i < 5; i++) {
		while (p < l + n && *p == ' ')
			p++;
		f[i] = p;
		while (p < l + n && *p != ' ')
			p++;
		flen[i] = (size_t)(p - f[i]);
	}
	sep = strstr(p, " - ");
	if (!sep || sep >= l + n || flen[4] == 0 || strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return false;
	*root = f[3];
	*rootlen = flen[3];
	*mnt = f[4];
	*mntlen = flen[4];
	return true;
}

int cgroup_parse_mountinfo(const char *text, char *mnt, size_t len)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *root, *m;
		size_t rootlen, mlen;

		if (cgroup2_line(l, strcspn(l, "\n"), &root, &rootlen, &m, &mlen) && rootlen == 1 && root[0] == '/') {
			unescape(m, mlen, mnt, len);
			return 0;
		}
	}
	return -ENOENT;
}

bool cgroup_v2_mounted(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *root, *m;
		size_t rootlen, mlen;

		if (cgroup2_line(l, strcspn(l, "\n"), &root, &rootlen, &m, &mlen))
			return true;
	}
	return false;
}

bool cgroup_host_has_v2(void)
{
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 20;
	_cleanup_free_ char *text = malloc(cap);
	ssize_t n;

	if (fd < 0 || !text || (n = read_all(fd, text, cap - 1)) < 0)
		return false;
	text[n] = '\0';
	return cgroup_v2_mounted(text);
}

int cgroup_has(const char *list, unsigned need, const char **missing)
{
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		const char *p = list;
		size_t n = strlen(controllers[i].name);
		bool found = false;

		if (!(need & controllers[i].bit))
			continue;
		while (p && *p && !found) {
			p += strspn(p, " \t\n");
			size_t w = strcspn(p, " \t\n");
			found = w == n && !strncmp(p, controllers[i].name, n);
			p += w;
		}
		if (!found) {
			if (missing)
				*missing = controllers[i].name;
			return 0;
		}
	}
	return 1;
}

static int read_text_at(int dirfd, const char *name, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read_all(fd, buf, len - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return 0;
}

int cgroup_find(int rootfd, const char *self_path, uid_t uid, unsigned need, char *rel, size_t len,
		const char **missing)
{
	char path[PATH_MAX], text[1024];
	bool first = true;

	*missing = NULL;
	while (*self_path == '/')
		self_path++;
	if (strlen(self_path) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(path, self_path);
	for (;;) {
		_cleanup_close_ int fd = openat(rootfd, path[0] ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;
		char *slash;

		if (fd < 0 || fstat(fd, &st) < 0)
			break;
		/* The controllers our own cgroup could get: the reason to name when we fail. */
		if (first && read_text_at(fd, "cgroup.controllers", text, sizeof(text)) == 0)
			(void)cgroup_has(text, need, missing);
		first = false;
		/* A delegation boundary: above it nothing is ours to create in. */
		if (st.st_uid != uid)
			break;
		if (read_text_at(fd, "cgroup.subtree_control", text, sizeof(text)) == 0 && cgroup_has(text, need, NULL) &&
		    faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == 0) {
			if (strlen(path) >= len)
				return -ENAMETOOLONG;
			strcpy(rel, path);
			return 0;
		}
		if (!path[0])
			break;
		slash = strrchr(path, '/');
		if (slash)
			*slash = '\0';
		else
			path[0] = '\0';
	}
	if (!*missing)
		cgroup_has("", need, missing);
	return -ENOENT;
}

unsigned long long cgroup_cpus_quota(double cpus)
{
	unsigned long long q = ceil_u64(cpus * 100000.0);

	return q < 1000 ? 1000 : q;
}

int cgroup_format_cpu_max(unsigned long long quota, unsigned long long period, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%llu %llu", quota, period ? period : 100000);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* What the messages call the limit of controller i: the option, or what l->names says. */
static const char *label(const struct cgroup_limits *l, size_t i)
{
	return l->names ? l->names[i] : controllers[i].option;
}

/* The limit to name: the one of controller, else the first one l needs. */
static const char *option_of(const struct cgroup_limits *l, const char *controller)
{
	unsigned need = cgroup_needed(l);

	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
		if (controller && !strcmp(controllers[i].name, controller))
			return label(l, i);
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
		if (need & controllers[i].bit)
			return label(l, i);
	return label(l, 0);
}

static int no_cgroup(char *err, size_t errlen, const struct cgroup_limits *l, const char *controller)
{
	if (!controller)
		cgroup_has("", cgroup_needed(l), &controller);
	return err_set(err, errlen, -ENOENT,
		       "%s: needs a delegated cgroup v2 (this host has no cgroup v2 with the %s controller "
		       "delegated to you; on systemd, run under `systemd-run --user --scope -p Delegate=yes`)",
		       option_of(l, controller), controller);
}

/* An absolute path: the same as read_text_at from the root. */
static int read_file_text(const char *path, char *buf, size_t len)
{
	return read_text_at(AT_FDCWD, path, buf, len);
}

/* rmdir a cgroup and the ones below it (COMMAND may make its own with --cgroupfs rw), deepest
 * first. A cgroup's files cannot be unlinked and need not be: rmdir takes them. rmdir refuses a
 * cgroup that still has processes (EBUSY), so a live one is never removed. */
static int remove_tree(int parentfd, const char *name, int depth)
{
	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		return -e;
	}
	while ((d = readdir(dir)))
		if (d->d_type == DT_DIR && strcmp(d->d_name, ".") && strcmp(d->d_name, "..") && depth < 32)
			(void)remove_tree(dirfd(dir), d->d_name, depth + 1);
	closedir(dir);
	return unlinkat(parentfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* Cgroups of supervisors that died by SIGKILL: their pid gone, their processes too. */
static void remove_stale(int parentfd)
{
	int dfd = openat(parentfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *d;
	DIR *dir;

	if (dfd < 0)
		return;
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return;
	}
	while ((d = readdir(dir))) {
		unsigned long long pid;
		if (strncmp(d->d_name, "sandbox-", 8) || parse_uint(d->d_name + 8, INT32_MAX, &pid) < 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH && remove_tree(parentfd, d->d_name, 0) == 0)
			debug("cgroup: removed the stale %s", d->d_name);
	}
	closedir(dir);
}

static int write_limit(int fd, const char *path, const char *file, const char *value, const char *opt, char *err,
		       size_t errlen)
{
	int r = write_file_at(fd, file, value);

	if (r < 0)
		return err_set(err, errlen, -r, "%s: write %s/%s", opt, path, file);
	debug("cgroup: %s/%s = %s", path, file, value);
	return 0;
}

/* The limits l into the cgroup fd (at path, for messages); pids.max gets extra_pids more. */
static int write_limits(int fd, const char *path, const struct cgroup_limits *l, unsigned long long extra_pids,
			char *err, size_t errlen)
{
	char value[64];
	int r;

	if (l->memory) {
		snprintf(value, sizeof(value), "%llu", l->memory);
		if ((r = write_limit(fd, path, "memory.max", value, label(l, 0), err, errlen)) < 0)
			return r;
		/* Without a swap limit the memory limit would only push the excess into swap. */
		if (l->swap < 0)
			snprintf(value, sizeof(value), "max");
		else
			snprintf(value, sizeof(value), "%lld", l->swap);
		r = write_file_at(fd, "memory.swap.max", value);
		if (r < 0 && l->swap != 0)
			return err_set(err, errlen, -r, "%s: write %s/memory.swap.max", label(l, 0), path);
		if (r < 0)
			debug("cgroup: memory.swap.max not set");
	}
	if (l->pids) {
		snprintf(value, sizeof(value), "%llu", l->pids + extra_pids);
		if ((r = write_limit(fd, path, "pids.max", value, label(l, 1), err, errlen)) < 0)
			return r;
	}
	if (l->cpu_quota) {
		if (cgroup_format_cpu_max(l->cpu_quota, l->cpu_period, value, sizeof(value)) < 0)
			return err_set(err, errlen, ENOSPC, "%s", label(l, 2));
		if ((r = write_limit(fd, path, "cpu.max", value, label(l, 2), err, errlen)) < 0)
			return r;
	}
	if (l->cpu_weight) {
		snprintf(value, sizeof(value), "%llu", l->cpu_weight);
		if ((r = write_limit(fd, path, "cpu.weight", value, label(l, 2), err, errlen)) < 0)
			return r;
	}
	return 0;
}

/* The cgroup name below dirfd (at dir, for messages), made (or left over by a dead process of
 * the same pid) and opened. */
static int make_cgroup(int dirfd, const char *dir, const char *name, const struct cgroup_limits *l, char *err,
		       size_t errlen)
{
	int fd;

	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return err_set(err, errlen, errno, "%s: create the cgroup %s/%s", option_of(l, NULL), dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(err, errlen, errno, "%s: open the cgroup %s/%s", option_of(l, NULL), dir, name);
	return fd;
}

/* The controllers of the limits in the top cgroup's subtree_control, so that its children can be
 * limited (and COMMAND can limit its own children with --cgroupfs rw); the others of the three
 * when the parent delegates them, so COMMAND sees memory.max, pids.max and cpu.max in any case. */
static int enable_controllers(int topfd, const char *path, const struct cgroup_limits *l, char *err, size_t errlen)
{
	unsigned need = cgroup_needed(l);

	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		char word[16];
		snprintf(word, sizeof(word), "+%s", controllers[i].name);
		int r = write_file_at(topfd, "cgroup.subtree_control", word);
		if (r < 0 && (need & controllers[i].bit))
			return err_set(err, errlen, -r, "%s: enable %s in %s/cgroup.subtree_control", label(l, i),
				       controllers[i].name, path);
	}
	return 0;
}

/* l->path below the delegated cgroup rel (both relative to the cgroup2 mount) into out: a
 * relative one as it is, an absolute one only when it lies below rel. Every component a plain
 * name (no "." or ".."). 0 or -EINVAL with the reason in err. */
static int place_path(const struct cgroup_limits *l, const char *rel, char *out, size_t len, char *err,
		      size_t errlen)
{
	const char *p = l->path;
	size_t n = strlen(rel);

	if (p[0] == '/') {
		p++;
		if (n && (strncmp(p, rel, n) != 0 || p[n] != '/'))
			return err_set(err, errlen, -EINVAL, "cgroup %s: not below /%s, the cgroup delegated to you",
				       l->path, rel);
		p += n + (n ? 1 : 0);
	}
	if (strlen(p) >= len)
		return err_set(err, errlen, -ENAMETOOLONG, "cgroup %s", l->path);
	for (const char *c = p;; c += strcspn(c, "/") + 1) {
		size_t w = strcspn(c, "/");
		if (w == 0 || (w == 1 && c[0] == '.') || (w == 2 && c[0] == '.' && c[1] == '.') || w > NAME_MAX)
			return err_set(err, errlen, -EINVAL, "cgroup %s: not a path of cgroup names", l->path);
		if (!c[w])
			break;
	}
	strcpy(out, p);
	return 0;
}

/* The parents of the cgroup name (below the delegated cgroup parentfd, at dir) made, with the
 * controllers the limits need handed down through them. */
static int make_parents(int parentfd, const char *dir, const char *name, const struct cgroup_limits *l, char *err,
			size_t errlen)
{
	char sub[PATH_MAX], at[PATH_MAX];
	int r;

	for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - name), name);
		if (snprintf(at, sizeof(at), "%s/%s", dir, sub) >= (int)sizeof(at))
			return err_set(err, errlen, ENAMETOOLONG, "%s: the cgroup path", option_of(l, NULL));
		_cleanup_close_ int fd = make_cgroup(parentfd, dir, sub, l, err, errlen);
		if (fd < 0)
			return fd;
		if ((r = enable_controllers(fd, at, l, err, errlen)) < 0)
			return r;
	}
	return 0;
}

int cgroup_setup(const struct cgroup_limits *l, struct cgroup *cg, char *err, size_t errlen)
{
	unsigned need = cgroup_needed(l);
	char self[PATH_MAX], mnt[PATH_MAX], rel[PATH_MAX], dir[PATH_MAX], text[1 << 16];
	const char *top = cg->top;
	const char *missing = NULL;
	_cleanup_close_ int rootfd = -1;
	int r;

	cg->dirfd = cg->netfd = cg->topfd = cg->parentfd = -1;
	cg->name[0] = cg->path[0] = cg->top[0] = '\0';
	if (!need)
		return 0;
	if (read_file_text("/proc/self/cgroup", text, sizeof(text)) < 0 ||
	    cgroup_parse_self(text, self, sizeof(self)) < 0)
		return no_cgroup(err, errlen, l, NULL);
	if (read_file_text("/proc/self/mountinfo", text, sizeof(text)) < 0 ||
	    cgroup_parse_mountinfo(text, mnt, sizeof(mnt)) < 0)
		return no_cgroup(err, errlen, l, NULL);
	rootfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return no_cgroup(err, errlen, l, NULL);
	if (cgroup_find(rootfd, self, getuid(), need, rel, sizeof(rel), &missing) < 0)
		return no_cgroup(err, errlen, l, missing);
	cg->parentfd = openat(rootfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (cg->parentfd < 0)
		return err_set(err, errlen, errno, "%s: open %s/%s", option_of(l, NULL), mnt, rel);
	remove_stale(cg->parentfd);
	r = snprintf(dir, sizeof(dir), "%s%s%s", mnt, rel[0] ? "/" : "", rel);
	if (r < 0 || (size_t)r >= sizeof(dir))
		return err_set(err, errlen, ENAMETOOLONG, "%s: the cgroup path", option_of(l, NULL));
	if (!l->path)
		snprintf(cg->name, sizeof(cg->name), "sandbox-%d", (int)getpid());
	else if ((r = place_path(l, rel, cg->name, sizeof(cg->name), err, errlen)) < 0 ||
		 (r = make_parents(cg->parentfd, dir, cg->name, l, err, errlen)) < 0)
		return err_prefix(err, errlen, r, "%s: ", option_of(l, NULL));
	r = snprintf(cg->top, sizeof(cg->top), "%s/%s", dir, cg->name);
	if (r < 0 || (size_t)r + sizeof("/main") > sizeof(cg->path)) {
		cg->name[0] = '\0';
		return err_set(err, errlen, ENAMETOOLONG, "%s: the cgroup path", option_of(l, NULL));
	}
	cg->topfd = make_cgroup(cg->parentfd, dir, cg->name, l, err, errlen);
	if (cg->topfd < 0)
		return cg->topfd;
	debug("cgroup %s", top);
	/* The top one bounds everything: COMMAND may raise main's limits through a writable
	 * /sys/fs/cgroup (without nsdelegate), never these. pids: one more for the helper. */
	if ((r = enable_controllers(cg->topfd, top, l, err, errlen)) < 0 ||
	    (r = write_limits(cg->topfd, top, l, l->net_helper ? 1 : 0, err, errlen)) < 0)
		return r;
	cg->dirfd = make_cgroup(cg->topfd, top, "main", l, err, errlen);
	if (cg->dirfd < 0)
		return cg->dirfd;
	if (snprintf(cg->path, sizeof(cg->path), "%s/main", top) >= (int)sizeof(cg->path))
		return err_set(err, errlen, ENAMETOOLONG, "%s: the cgroup path", option_of(l, NULL));
	if ((r = write_limits(cg->dirfd, cg->path, l, 0, err, errlen)) < 0)
		return r;
	if (l->net_helper) {
		cg->netfd = make_cgroup(cg->topfd, top, "net", l, err, errlen);
		if (cg->netfd < 0)
			return cg->netfd;
	}
	return 0;
}

/* Processes of a dead pid namespace take a moment to leave it; the network helper may be
 * delivering the sandbox's last data (its own deadline is 2 s). */
static int remove_when_empty(int parentfd, const char *name)
{
	int r = -EBUSY;

	for (int i = 0; i < 300 && r == -EBUSY; i++) {
		r = remove_tree(parentfd, name, 0);
		if (r == -EBUSY) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return r;
}

void cgroup_release(struct cgroup *cg)
{
	int *fds[] = { &cg->dirfd, &cg->netfd, &cg->topfd, &cg->parentfd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void cgroup_remove(struct cgroup *cg)
{
	int *fds[] = { &cg->dirfd, &cg->netfd, &cg->topfd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (cg->parentfd >= 0 && cg->name[0])
		(void)remove_when_empty(cg->parentfd, cg->name);
	cgroup_release(cg);
}

int cgroup_remove_path(const char *top)
{
	const char *slash = strrchr(top, '/');
	char dir[PATH_MAX];

	if (!slash || slash == top || !slash[1] || (size_t)(slash - top) >= sizeof(dir))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - top), top);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* What is left of the container (its processes outside its pid namespace, or without
	 * one) goes with it (Linux 5.14; before, rmdir waits for them and fails). */
	_cleanup_close_ int top_fd = openat(fd, slash + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (top_fd >= 0 && write_file_at(top_fd, "cgroup.kill", "1") < 0)
		debug("cgroup: %s/cgroup.kill not written", top);
	return remove_when_empty(fd, slash + 1);
}
