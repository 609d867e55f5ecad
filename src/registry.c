/* registry.c: named sandboxes. See registry.h for the layout of the state directory and why
 * a held flock(2) is what says a sandbox runs: pids are reused, a lock dies with its holder. */
#include "config.h"

#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

static int fail(char *err, size_t errlen, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

int registry_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > REGISTRY_NAME_MAX || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (!isascii((unsigned char)*p) ||
		    !(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
			return -EINVAL;
	return 0;
}

/* --- encoding ---------------------------------------------------------------------------- */

static int put_key_string(char *buf, size_t len, size_t *used, const char *key, const char *s)
{
	if (buf_appendf(buf, len, used, ", \"%s\": ", key) < 0)
		return -ENOSPC;
	if (!s)
		return buf_appendf(buf, len, used, "null");
	return json_append_string(buf, len, used, s);
}

static int put_key_array(char *buf, size_t len, size_t *used, const char *key, char *const *v)
{
	if (buf_appendf(buf, len, used, ", \"%s\": [", key) < 0)
		return -ENOSPC;
	for (size_t i = 0; v && v[i]; i++)
		if ((i && buf_appendf(buf, len, used, ", ") < 0) || json_append_string(buf, len, used, v[i]) < 0)
			return -ENOSPC;
	return buf_appendf(buf, len, used, "]");
}

int registry_encode(const struct registry_entry *e, char *buf, size_t len)
{
	size_t used = 0;

	if (buf_appendf(buf, len, &used, "{\"name\": ") < 0 || json_append_string(buf, len, &used, e->name) < 0 ||
	    buf_appendf(buf, len, &used,
		", \"pid\": %d, \"init_pid\": %d, \"init_start\": %llu, \"command_pid\": %d, "
		"\"command_start\": %llu, \"created\": %lld",
		(int)e->pid, (int)e->init_pid, e->init_start, (int)e->cmd_pid, e->cmd_start, e->created) < 0 ||
	    put_key_string(buf, len, &used, "rootfs", e->rootfs) < 0 ||
	    put_key_array(buf, len, &used, "command", e->command) < 0 ||
	    buf_appendf(buf, len, &used, ", \"host_mode\": %s", e->host_mode ? "true" : "false") < 0)
		return -ENOSPC;
	if (e->user_set ? buf_appendf(buf, len, &used, ", \"uid\": %u, \"gid\": %u", (unsigned)e->uid, (unsigned)e->gid) < 0
			: buf_appendf(buf, len, &used, ", \"uid\": null, \"gid\": null") < 0)
		return -ENOSPC;
	if (put_key_array(buf, len, &used, "caps", e->caps) < 0 ||
	    buf_appendf(buf, len, &used, ", \"seccomp\": %s", e->seccomp ? "\"default\"" : "\"none\"") < 0 ||
	    put_key_string(buf, len, &used, "workdir", e->workdir) < 0 ||
	    buf_appendf(buf, len, &used, ", \"workdir_set\": %s", e->workdir_set ? "true" : "false") < 0 ||
	    put_key_string(buf, len, &used, "hostname", e->hostname) < 0 ||
	    buf_appendf(buf, len, &used, ", \"own_net\": %s", e->own_net ? "true" : "false") < 0 ||
	    put_key_array(buf, len, &used, "env", e->env) < 0 ||
	    put_key_array(buf, len, &used, "rlimits", e->rlimits) < 0 ||
	    put_key_string(buf, len, &used, "cgroup", e->cgroup) < 0 || buf_appendf(buf, len, &used, "}\n") < 0)
		return -ENOSPC;
	return (int)used;
}

/* --- decoding: the subset registry_encode writes ------------------------------------------ */

struct parser {
	const char *p;
	char *err;
	size_t errlen;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A JSON string into a new heap string. \uXXXX is decoded to UTF-8 (no surrogate pairs:
 * we never write them). NUL is refused: our strings are C strings. */
static int parse_string(struct parser *ps, char **out)
{
	size_t cap = 32, n = 0;
	char *s;

	skip_ws(ps);
	if (*ps->p != '"')
		return fail(ps->err, ps->errlen, EINVAL, "expected a string");
	ps->p++;
	s = malloc(cap);
	if (!s)
		return -ENOMEM;
	for (;;) {
		unsigned c = (unsigned char)*ps->p++;
		char enc[4];
		size_t k = 0;

		if (c == '\0' || c < 0x20) {
			free(s);
			return fail(ps->err, ps->errlen, EINVAL, "unterminated string");
		}
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*ps->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 0; i < 4; i++) {
					int h = hexval(ps->p[i]);
					if (h < 0) {
						free(s);
						return fail(ps->err, ps->errlen, EINVAL, "bad \\u escape");
					}
					v = v * 16 + (unsigned)h;
				}
				ps->p += 4;
				if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
					free(s);
					return fail(ps->err, ps->errlen, EINVAL, "unsupported \\u escape");
				}
				if (v < 0x80) {
					enc[k++] = (char)v;
				} else if (v < 0x800) {
					enc[k++] = (char)(0xc0 | (v >> 6));
					enc[k++] = (char)(0x80 | (v & 0x3f));
				} else {
					enc[k++] = (char)(0xe0 | (v >> 12));
					enc[k++] = (char)(0x80 | ((v >> 6) & 0x3f));
					enc[k++] = (char)(0x80 | (v & 0x3f));
				}
				break;
			}
			default:
				free(s);
				return fail(ps->err, ps->errlen, EINVAL, "bad escape");
			}
		}
		if (k == 0)
			enc[k++] = (char)c;
		if (n + k + 1 > cap) {
			char *t = realloc(s, cap *= 2);
			if (!t) {
				free(s);
				return -ENOMEM;
			}
			s = t;
		}
		memcpy(s + n, enc, k);
		n += k;
	}
	s[n] = '\0';
	*out = s;
	return 0;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int parse_strv(struct parser *ps, char ***out)
{
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	int r;

	if (!v)
		return -ENOMEM;
	skip_ws(ps);
	if (*ps->p++ != '[') {
		free(v);
		return fail(ps->err, ps->errlen, EINVAL, "expected an array");
	}
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		*out = v;
		return 0;
	}
	for (;;) {
		char **t = realloc(v, (n + 2) * sizeof(*v));
		if (!t) {
			free_strv(v);
			return -ENOMEM;
		}
		v = t;
		v[n + 1] = NULL;
		r = parse_string(ps, &v[n]);
		if (r < 0) {
			v[n] = NULL;
			free_strv(v);
			return r;
		}
		n++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ == ']')
			break;
		free_strv(v);
		return fail(ps->err, ps->errlen, EINVAL, "expected ',' or ']'");
	}
	*out = v;
	return 0;
}

static int parse_number(struct parser *ps, long long *out)
{
	char *end;

	skip_ws(ps);
	if (*ps->p != '-' && !isdigit((unsigned char)*ps->p))
		return fail(ps->err, ps->errlen, EINVAL, "expected a number");
	errno = 0;
	*out = strtoll(ps->p, &end, 10);
	if (errno || end == ps->p)
		return fail(ps->err, ps->errlen, EINVAL, "bad number");
	ps->p = end;
	return 0;
}

static bool parse_word(struct parser *ps, const char *w)
{
	skip_ws(ps);
	if (strncmp(ps->p, w, strlen(w)) != 0)
		return false;
	ps->p += strlen(w);
	return true;
}

static int parse_bool(struct parser *ps, bool *out)
{
	if (parse_word(ps, "true"))
		*out = true;
	else if (parse_word(ps, "false"))
		*out = false;
	else
		return fail(ps->err, ps->errlen, EINVAL, "expected true or false");
	return 0;
}

/* A string or null. */
static int parse_opt_string(struct parser *ps, char **out)
{
	if (parse_word(ps, "null")) {
		*out = NULL;
		return 0;
	}
	return parse_string(ps, out);
}

/* Skip any value (for keys a later version may add). */
static int skip_value(struct parser *ps)
{
	long long n;
	char *s;
	char **v;

	skip_ws(ps);
	if (*ps->p == '"') {
		int r = parse_string(ps, &s);
		free(r == 0 ? s : NULL);
		return r;
	}
	if (*ps->p == '[') {
		int r = parse_strv(ps, &v);
		if (r == 0)
			free_strv(v);
		return r;
	}
	if (parse_word(ps, "true") || parse_word(ps, "false") || parse_word(ps, "null"))
		return 0;
	return parse_number(ps, &n);
}

static int parse_pid(struct parser *ps, pid_t *out)
{
	long long v;
	int r = parse_number(ps, &v);

	if (r < 0)
		return r;
	if (v < 0 || v > INT32_MAX)
		return fail(ps->err, ps->errlen, EINVAL, "pid out of range");
	*out = (pid_t)v;
	return 0;
}

static int parse_ull(struct parser *ps, unsigned long long *out)
{
	long long v;
	int r = parse_number(ps, &v);

	if (r < 0)
		return r;
	if (v < 0)
		return fail(ps->err, ps->errlen, EINVAL, "negative number");
	*out = (unsigned long long)v;
	return 0;
}

static int parse_id(struct parser *ps, bool *set, unsigned *out)
{
	long long v;
	int r;

	if (parse_word(ps, "null"))
		return 0;
	r = parse_number(ps, &v);
	if (r < 0)
		return r;
	if (v < 0 || v > UINT32_MAX - 1)
		return fail(ps->err, ps->errlen, EINVAL, "id out of range");
	*set = true;
	*out = (unsigned)v;
	return 0;
}

static int parse_field(struct parser *ps, const char *key, struct registry_entry *e)
{
	long long n;
	unsigned id;
	char *s;
	int r;

	if (!strcmp(key, "name"))
		return parse_string(ps, &e->name);
	if (!strcmp(key, "pid"))
		return parse_pid(ps, &e->pid);
	if (!strcmp(key, "init_pid"))
		return parse_pid(ps, &e->init_pid);
	if (!strcmp(key, "init_start"))
		return parse_ull(ps, &e->init_start);
	if (!strcmp(key, "command_pid"))
		return parse_pid(ps, &e->cmd_pid);
	if (!strcmp(key, "command_start"))
		return parse_ull(ps, &e->cmd_start);
	if (!strcmp(key, "created")) {
		r = parse_number(ps, &n);
		e->created = n;
		return r;
	}
	if (!strcmp(key, "rootfs"))
		return parse_opt_string(ps, &e->rootfs);
	if (!strcmp(key, "command"))
		return parse_strv(ps, &e->command);
	if (!strcmp(key, "host_mode"))
		return parse_bool(ps, &e->host_mode);
	if (!strcmp(key, "uid")) {
		r = parse_id(ps, &e->user_set, &id);
		e->uid = (uid_t)id;
		return r;
	}
	if (!strcmp(key, "gid")) {
		bool set = false;
		r = parse_id(ps, &set, &id);
		e->gid = (gid_t)id;
		return r;
	}
	if (!strcmp(key, "caps"))
		return parse_strv(ps, &e->caps);
	if (!strcmp(key, "seccomp")) {
		r = parse_string(ps, &s);
		if (r < 0)
			return r;
		e->seccomp = strcmp(s, "none") != 0;
		free(s);
		return 0;
	}
	if (!strcmp(key, "workdir"))
		return parse_opt_string(ps, &e->workdir);
	if (!strcmp(key, "workdir_set"))
		return parse_bool(ps, &e->workdir_set);
	if (!strcmp(key, "hostname"))
		return parse_opt_string(ps, &e->hostname);
	if (!strcmp(key, "own_net"))
		return parse_bool(ps, &e->own_net);
	if (!strcmp(key, "env"))
		return parse_strv(ps, &e->env);
	if (!strcmp(key, "rlimits"))
		return parse_strv(ps, &e->rlimits);
	if (!strcmp(key, "cgroup"))
		return parse_opt_string(ps, &e->cgroup);
	return skip_value(ps);
}

int registry_decode(const char *text, struct registry_entry *e, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .err = err, .errlen = errlen };
	int r = 0;

	memset(e, 0, sizeof(*e));
	e->seccomp = true;
	skip_ws(&ps);
	if (*ps.p++ != '{') {
		r = fail(err, errlen, EINVAL, "expected an object");
		goto out;
	}
	skip_ws(&ps);
	if (*ps.p == '}') {
		ps.p++;
	} else {
		for (;;) {
			char *key;
			r = parse_string(&ps, &key);
			if (r < 0)
				goto out;
			skip_ws(&ps);
			if (*ps.p++ != ':') {
				free(key);
				r = fail(err, errlen, EINVAL, "expected ':'");
				goto out;
			}
			/* A repeated key would leak the first value: refuse it. */
			r = parse_field(&ps, key, e);
			free(key);
			if (r < 0)
				goto out;
			skip_ws(&ps);
			if (*ps.p == ',') {
				ps.p++;
				continue;
			}
			if (*ps.p++ == '}')
				break;
			r = fail(err, errlen, EINVAL, "expected ',' or '}'");
			goto out;
		}
	}
	skip_ws(&ps);
	if (*ps.p != '\0') {
		r = fail(err, errlen, EINVAL, "trailing characters");
		goto out;
	}
	if (!e->name || !e->command || !e->command[0] || e->pid <= 0 || e->init_pid <= 0 || e->cmd_pid <= 0) {
		r = fail(err, errlen, EINVAL, "missing name, command or pids");
		goto out;
	}
	return 0;
out:
	registry_entry_free(e);
	return r;
}

void registry_entry_free(struct registry_entry *e)
{
	free(e->name);
	free(e->rootfs);
	free_strv(e->command);
	free_strv(e->caps);
	free(e->workdir);
	free(e->hostname);
	free_strv(e->env);
	free_strv(e->rlimits);
	free(e->cgroup);
	memset(e, 0, sizeof(*e));
}

/* --- processes ---------------------------------------------------------------------------- */

int registry_parse_start_time(const char *text, unsigned long long *out)
{
	/* "PID (COMM) S ppid ...": COMM may hold anything, so start after its last ')'. */
	const char *p = strrchr(text, ')');
	char *end;

	if (!p)
		return -EINVAL;
	p++;
	/* Field 3 (state) is the first after ')'; field 22 is the 20th. */
	for (int field = 3; field < 22; field++) {
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

int registry_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return registry_parse_start_time(buf, out);
}

/* --- the state directory ------------------------------------------------------------------ */

int registry_open_dir_at(int parent_fd, const char *sub, uid_t uid, bool create, char *err, size_t errlen)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (create && mkdirat(parent_fd, sub, 0700) < 0 && errno != EEXIST)
		return fail(err, errlen, errno, "create %s: %s", sub, strerror(errno));
	fd = openat(parent_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && !create)
			return -ENOENT;
		return fail(err, errlen, e, "%s: %s", sub,
			    e == ELOOP || e == ENOTDIR ? "not a directory (a symlink?)" : strerror(e));
	}
	if (fstat(fd, &st) < 0)
		return fail(err, errlen, errno, "%s: %s", sub, strerror(errno));
	if (st.st_uid != uid)
		return fail(err, errlen, EPERM, "%s: owned by uid %u, not by us (%u)", sub, (unsigned)st.st_uid,
			    (unsigned)uid);
	if ((st.st_mode & 07777) != 0700)
		return fail(err, errlen, EPERM, "%s: mode %04o, must be 0700", sub, (unsigned)(st.st_mode & 07777));
	return steal_fd(&fd);
}

int registry_open_dir(bool create, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char path[64];
	uid_t uid = getuid();

	if (xdg && xdg[0] == '/') {
		_cleanup_close_ int xfd = open(xdg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;

		/* Only a runtime directory that is really ours (pam_systemd makes it 0700). */
		if (xfd >= 0 && fstat(xfd, &st) == 0 && st.st_uid == uid && (st.st_mode & 077) == 0) {
			int r = registry_open_dir_at(xfd, "sandbox", uid, create, err, errlen);
			if (r < 0 && r != -ENOENT) {
				char inner[256];
				snprintf(inner, sizeof(inner), "%s", err);
				return fail(err, errlen, -r, "state directory %s/%s", xdg, inner);
			}
			return r;
		}
	}
	snprintf(path, sizeof(path), "sandbox-%u", (unsigned)uid);
	_cleanup_close_ int tfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return fail(err, errlen, errno, "state directory /tmp: %s", strerror(errno));
	int r = registry_open_dir_at(tfd, path, uid, create, err, errlen);
	if (r < 0 && r != -ENOENT) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", err);
		return fail(err, errlen, -r, "state directory /tmp/%s", inner);
	}
	return r;
}

/* --- locks and entries -------------------------------------------------------------------- */

static void file_name(char *buf, size_t len, const char *name, const char *ext)
{
	snprintf(buf, len, "%s.%s", name, ext);
}

/* Whether fd is still the file at name in dirfd: after a holder unlinks the lock file, a
 * process that opened it before must not count the lock of that orphan inode. */
static bool same_file(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Take the lock; the fd, or -EBUSY with the holder's fd open in *busy_fd, or -errno. */
static int take_lock(int dirfd, const char *name, int *busy_fd)
{
	char lname[REGISTRY_NAME_MAX + 8];

	file_name(lname, sizeof(lname), name, "lock");
	*busy_fd = -1;
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_close_ int fd = openat(dirfd, lname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK) {
				*busy_fd = steal_fd(&fd);
				return -EBUSY;
			}
			return -errno;
		}
		if (same_file(dirfd, lname, fd))
			return steal_fd(&fd);
	}
	return -EAGAIN;
}

static pid_t read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned long long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return parse_uint(buf, INT32_MAX, &v) == 0 ? (pid_t)v : 0;
}

static void remove_files(int dirfd, const char *name)
{
	char fname[REGISTRY_NAME_MAX + 8];

	file_name(fname, sizeof(fname), name, "json");
	(void)unlinkat(dirfd, fname, 0);
	file_name(fname, sizeof(fname), name, "lock");
	(void)unlinkat(dirfd, fname, 0);
}

int registry_lock(int dirfd, const char *name, pid_t *holder)
{
	char fname[REGISTRY_NAME_MAX + 8], pid[32];
	int busy = -1;
	int fd = take_lock(dirfd, name, &busy);
	int n;

	*holder = 0;
	if (fd == -EBUSY) {
		*holder = read_holder(busy);
		close(busy);
		return -EBUSY;
	}
	if (fd < 0)
		return fd;
	/* We hold it: whatever NAME.json says is the state of a dead sandbox. */
	file_name(fname, sizeof(fname), name, "json");
	if (unlinkat(dirfd, fname, 0) < 0 && errno != ENOENT) {
		int e = errno;
		close(fd);
		return -e;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int registry_write(int dirfd, const struct registry_entry *e)
{
	char tmp[REGISTRY_NAME_MAX + 32], fname[REGISTRY_NAME_MAX + 8];
	_cleanup_free_ char *buf = NULL;
	size_t len = 4096;
	int n, r;

	for (;;) {
		free(buf);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		n = registry_encode(e, buf, len);
		if (n >= 0)
			break;
		if (len >= (1u << 24))
			return -E2BIG;
		len *= 4;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", e->name, (int)getpid());
	file_name(fname, sizeof(fname), e->name, "json");
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, (size_t)n);
	if (r == 0 && renameat(dirfd, tmp, dirfd, fname) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

void registry_unregister(int dirfd, const char *name, int lockfd)
{
	/* Files first, lock last: whoever takes the lock after us finds no entry. */
	remove_files(dirfd, name);
	close(lockfd);
}

static int read_entry(int dirfd, const char *name, struct registry_entry *e, char *err, size_t errlen)
{
	char fname[REGISTRY_NAME_MAX + 8], buf[65536];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	file_name(fname, sizeof(fname), name, "json");
	fd = openat(dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, errno, "%s: %s", fname, strerror(errno));
	n = read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail(err, errlen, (int)-n, "%s: %s", fname, strerror((int)-n));
	buf[n] = '\0';
	return registry_decode(buf, e, err, errlen);
}

int registry_load(int dirfd, const char *name, struct registry_entry *e, char *err, size_t errlen)
{
	unsigned long long start;
	int busy = -1, r;
	int fd = take_lock(dirfd, name, &busy);

	memset(e, 0, sizeof(*e));
	if (fd >= 0) {
		/* Nobody holds it: nothing of that name runs; forget what a dead one left. */
		registry_unregister(dirfd, name, fd);
		return fail(err, errlen, ENOENT, "no sandbox of that name is running");
	}
	if (fd != -EBUSY)
		return fail(err, errlen, -fd, "lock: %s", strerror(-fd));
	close(busy);
	r = read_entry(dirfd, name, e, err, errlen);
	if (r == -ENOENT)
		return fail(err, errlen, EAGAIN, "it is still starting");
	if (r < 0)
		return r;
	/* The lock is held; also the init must be the one registered (pid reuse). */
	if (registry_start_time(e->init_pid, &start) < 0 || start != e->init_start) {
		registry_entry_free(e);
		return fail(err, errlen, ENOENT, "no sandbox of that name is running (its init is gone)");
	}
	return 0;
}

struct name_list {
	char **v;
	size_t n, cap;
};

static int add_name(struct name_list *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !strncmp(l->v[i], name, len))
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strndup(name, len);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int registry_foreach(int dirfd, void (*fn)(const struct registry_entry *e, void *data), void *data)
{
	struct name_list names = { 0 };
	struct dirent *d;
	DIR *dir;
	int dfd, r = 0;

	dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return -errno;
	dir = fdopendir(dfd);
	if (!dir) {
		r = -errno;
		close(dfd);
		return r;
	}
	rewinddir(dir);
	while ((d = readdir(dir))) {
		const char *dot = strrchr(d->d_name, '.');
		if (d->d_name[0] == '.' || !dot || (strcmp(dot, ".json") && strcmp(dot, ".lock")))
			continue;
		size_t len = (size_t)(dot - d->d_name);
		char name[REGISTRY_NAME_MAX + 1];
		if (len > REGISTRY_NAME_MAX)
			continue;
		memcpy(name, d->d_name, len);
		name[len] = '\0';
		if (registry_name_valid(name) < 0)
			continue;
		if ((r = add_name(&names, name, len)) < 0)
			break;
	}
	closedir(dir);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (size_t i = 0; i < names.n; i++) {
		struct registry_entry e;
		char err[256];
		if (r == 0 && registry_load(dirfd, names.v[i], &e, err, sizeof(err)) == 0) {
			fn(&e, data);
			registry_entry_free(&e);
		}
		free(names.v[i]);
	}
	free(names.v);
	return r;
}
