/* registry.c: named sandboxes. See registry.h for the layout of the state directory and why
 * a held flock(2) is what says a sandbox runs: pids are reused, a lock dies with its holder. */
#include "config.h"

#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

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

/* --- the entry's file: a list of fields, written and read by this one table ----------------
 *
 * After an 8-byte magic, each field is TAG (u16), LENGTH (u32), then LENGTH bytes, in this
 * machine's byte order (the same binary reads what it wrote): integers as 8 bytes, a string
 * as its bytes (no NUL in it), a string list as NUL-terminated strings one after the other,
 * rlimits as records. Nothing is escaped or parsed as text, so a string of any length or
 * content comes back as it went in. The whole file is at most REGISTRY_ENTRY_MAX bytes; a
 * larger entry is refused when it is written, never truncated when it is read. */

static const char magic[8] = "sbxreg1\n";

enum field_kind { F_STR, F_STRV, F_BOOL, F_PID, F_ID, F_U64, F_I64, F_RLIMITS };

struct field {
	uint16_t tag;
	enum field_kind kind;
	size_t offset;
	bool optional; /* F_STR: absent when NULL */
};

#define FIELD(tag, kind, member) { tag, kind, offsetof(struct registry_entry, member), false }
static const struct field fields[] = {
	FIELD(1, F_STR, name),
	FIELD(2, F_PID, pid),
	FIELD(3, F_PID, init_pid),
	FIELD(4, F_U64, init_start),
	FIELD(5, F_PID, cmd_pid),
	FIELD(6, F_U64, cmd_start),
	FIELD(7, F_I64, created),
	FIELD(8, F_STR, rootfs),
	FIELD(9, F_BOOL, own_net),
	{ 10, F_STR, offsetof(struct registry_entry, cgroup), true },
	FIELD(11, F_STRV, cmd.argv),
	FIELD(12, F_BOOL, cmd.inherit_env),
	FIELD(13, F_STRV, cmd.env),
	FIELD(14, F_BOOL, cmd.user_set),
	FIELD(15, F_ID, cmd.uid),
	FIELD(16, F_ID, cmd.gid),
	FIELD(17, F_U64, cmd.caps_add),
	FIELD(18, F_U64, cmd.caps_drop),
	FIELD(19, F_U64, cmd.caps),
	FIELD(20, F_BOOL, cmd.seccomp),
	FIELD(21, F_RLIMITS, cmd.rlimits),
	FIELD(22, F_STR, cmd.workdir),
	FIELD(23, F_BOOL, cmd.workdir_fallback),
	FIELD(24, F_BOOL, cmd.clear_env),
	FIELD(25, F_BOOL, net_policy),
};
#undef FIELD

struct rlimit_record {
	int32_t resource;
	uint32_t hard_set;
	uint64_t soft, hard;
};

_Static_assert(sizeof(uid_t) == 4 && sizeof(gid_t) == 4, "F_ID fields are 32 bits");
_Static_assert(ARRAY_SIZE(fields) < 64, "the decoder's seen-mask holds 64 fields");

struct outbuf {
	char *p;
	size_t len, cap;
};

static int out_put(struct outbuf *o, const void *data, size_t n)
{
	if (n > REGISTRY_ENTRY_MAX - o->len)
		return -E2BIG;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap *= 2;
		char *p = realloc(o->p, cap);
		if (!p)
			return -ENOMEM;
		o->p = p;
		o->cap = cap;
	}
	if (n)
		memcpy(o->p + o->len, data, n);
	o->len += n;
	return 0;
}

static int put_header(struct outbuf *o, uint16_t tag, size_t n)
{
	uint32_t len = (uint32_t)n;
	int r;

	if (n > REGISTRY_ENTRY_MAX)
		return -E2BIG;
	r = out_put(o, &tag, sizeof(tag));
	return r < 0 ? r : out_put(o, &len, sizeof(len));
}

static int put_field(struct outbuf *o, uint16_t tag, const void *data, size_t n)
{
	int r = put_header(o, tag, n);

	return r < 0 ? r : out_put(o, data, n);
}

static size_t strv_bytes(char *const *v)
{
	size_t n = 0;

	for (size_t i = 0; v && v[i]; i++)
		n += strlen(v[i]) + 1;
	return n;
}

static int encode_field(struct outbuf *o, const struct field *f, const struct registry_entry *e)
{
	const void *at = (const char *)e + f->offset;
	uint64_t u;

	switch (f->kind) {
	case F_STR: {
		const char *s = *(char *const *)at;
		if (!s && f->optional)
			return 0;
		return s ? put_field(o, f->tag, s, strlen(s)) : -EINVAL;
	}
	case F_STRV: {
		char *const *v = *(char **const *)at;
		int r = put_header(o, f->tag, strv_bytes(v));
		for (size_t i = 0; r == 0 && v && v[i]; i++)
			r = out_put(o, v[i], strlen(v[i]) + 1);
		return r;
	}
	case F_RLIMITS: {
		const struct rlimit_setting *rl = *(struct rlimit_setting *const *)at;
		int r = put_header(o, f->tag, e->cmd.nrlimits * sizeof(struct rlimit_record));
		for (size_t i = 0; r == 0 && i < e->cmd.nrlimits; i++) {
			struct rlimit_record rec = { rl[i].resource, rl[i].hard_set, rl[i].soft, rl[i].hard };
			r = out_put(o, &rec, sizeof(rec));
		}
		return r;
	}
	case F_BOOL: u = *(const bool *)at; break;
	case F_PID: u = (uint64_t)*(const pid_t *)at; break;
	case F_ID: u = *(const uint32_t *)at; break;
	case F_U64: u = *(const uint64_t *)at; break;
	case F_I64: u = (uint64_t)*(const int64_t *)at; break;
	default: return -EINVAL;
	}
	return put_field(o, f->tag, &u, sizeof(u));
}

int registry_encode(const struct registry_entry *e, char **out, size_t *len)
{
	struct outbuf o = { 0 };
	int r = out_put(&o, magic, sizeof(magic));

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(fields); i++)
		r = encode_field(&o, &fields[i], e);
	if (r < 0) {
		free(o.p);
		return r;
	}
	*out = o.p;
	*len = o.len;
	return 0;
}

static int decode_field(const struct field *f, const char *data, size_t n, struct registry_entry *e,
			char *err, size_t errlen)
{
	void *at = (char *)e + f->offset;
	uint64_t u;

	switch (f->kind) {
	case F_STR:
		if (memchr(data, '\0', n))
			return err_set(err, errlen, -EINVAL, "field %u: a NUL in a string", f->tag);
		return (*(char **)at = strndup(data, n)) ? 0 : -ENOMEM;
	case F_STRV: {
		size_t count = 0;
		char **v;
		if (n && data[n - 1] != '\0')
			return err_set(err, errlen, -EINVAL, "field %u: an unterminated string", f->tag);
		for (size_t i = 0; i < n; i++)
			count += data[i] == '\0';
		v = calloc(count + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		*(char ***)at = v;
		for (size_t i = 0, k = 0; i < n; k++) {
			size_t l = strlen(data + i);
			if (!(v[k] = strndup(data + i, l)))
				return -ENOMEM;
			i += l + 1;
		}
		return 0;
	}
	case F_RLIMITS: {
		struct rlimit_setting *rl;
		size_t count = n / sizeof(struct rlimit_record);
		if (n % sizeof(struct rlimit_record))
			return err_set(err, errlen, -EINVAL, "field %u: a partial rlimit", f->tag);
		rl = calloc(count + 1, sizeof(*rl));
		if (!rl)
			return -ENOMEM;
		*(struct rlimit_setting **)at = rl;
		e->cmd.nrlimits = count;
		for (size_t i = 0; i < count; i++) {
			struct rlimit_record rec;
			memcpy(&rec, data + i * sizeof(rec), sizeof(rec));
			if (rec.resource < 0 || rec.hard_set > 1)
				return err_set(err, errlen, -EINVAL, "field %u: a bad rlimit", f->tag);
			rl[i] = (struct rlimit_setting){ .resource = rec.resource, .soft = (rlim_t)rec.soft,
							 .hard = (rlim_t)rec.hard, .hard_set = rec.hard_set };
		}
		return 0;
	}
	default:
		break;
	}
	if (n != sizeof(u))
		return err_set(err, errlen, -EINVAL, "field %u: %zu bytes, not 8", f->tag, n);
	memcpy(&u, data, sizeof(u));
	switch (f->kind) {
	case F_BOOL:
		if (u > 1)
			break;
		*(bool *)at = u;
		return 0;
	case F_PID:
		if (u == 0 || u > INT32_MAX)
			break;
		*(pid_t *)at = (pid_t)u;
		return 0;
	case F_ID:
		if (u >= UINT32_MAX)
			break;
		*(uint32_t *)at = (uint32_t)u;
		return 0;
	case F_U64:
		*(uint64_t *)at = u;
		return 0;
	case F_I64:
		*(int64_t *)at = (int64_t)u;
		return 0;
	default:
		break;
	}
	return err_set(err, errlen, -EINVAL, "field %u: out of range", f->tag);
}

static int decode(const char *buf, size_t len, struct registry_entry *e, char *err, size_t errlen)
{
	uint64_t seen = 0;
	size_t at = sizeof(magic);

	if (len > REGISTRY_ENTRY_MAX)
		return err_set(err, errlen, -EINVAL, "larger than %u bytes", REGISTRY_ENTRY_MAX);
	if (len < sizeof(magic) || memcmp(buf, magic, sizeof(magic)))
		return err_set(err, errlen, -EINVAL, "not an entry of this version of sandbox");
	while (at < len) {
		uint16_t tag;
		uint32_t n;
		size_t i;
		int r;

		if (len - at < sizeof(tag) + sizeof(n))
			return err_set(err, errlen, -EINVAL, "a truncated field");
		memcpy(&tag, buf + at, sizeof(tag));
		memcpy(&n, buf + at + sizeof(tag), sizeof(n));
		at += sizeof(tag) + sizeof(n);
		if (n > len - at)
			return err_set(err, errlen, -EINVAL, "field %u: truncated", tag);
		for (i = 0; i < ARRAY_SIZE(fields) && fields[i].tag != tag; i++)
			;
		if (i == ARRAY_SIZE(fields))
			return err_set(err, errlen, -EINVAL, "an unknown field %u", tag);
		if (seen & (1ULL << i))
			return err_set(err, errlen, -EINVAL, "field %u: repeated", tag);
		seen |= 1ULL << i;
		r = decode_field(&fields[i], buf + at, n, e, err, errlen);
		if (r < 0)
			return r;
		at += n;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!(seen & (1ULL << i)) && !fields[i].optional)
			return err_set(err, errlen, -EINVAL, "field %u: missing", fields[i].tag);
	if (!e->cmd.argv[0])
		return err_set(err, errlen, -EINVAL, "an empty command");
	return 0;
}

int registry_decode(const void *buf, size_t len, struct registry_entry *e, char *err, size_t errlen)
{
	int r;

	memset(e, 0, sizeof(*e));
	r = decode(buf, len, e, err, errlen);
	if (r == -ENOMEM)
		err_set(err, errlen, ENOMEM, "read the entry");
	if (r < 0)
		registry_entry_free(e);
	return r;
}

void registry_entry_free(struct registry_entry *e)
{
	free(e->name);
	free(e->rootfs);
	free(e->cgroup);
	cmdplan_free(&e->cmd);
	memset(e, 0, sizeof(*e));
}

/* --- list --json: the one JSON writer of an entry ----------------------------------------- */

int registry_format_json(const struct registry_entry *e, long long now, char **out)
{
	long long age = now - e->created;
	/* A byte is at most 6 when escaped (\u00XX); the rest of the line is small. */
	size_t len = 6 * (strlen(e->name) + strlen(e->rootfs) + (e->cgroup ? strlen(e->cgroup) : 0) +
			  strv_bytes(e->cmd.argv)) + 4 * strv_len(e->cmd.argv) + 256;
	size_t used = 0;
	_cleanup_free_ char *buf = malloc(len);

	if (!buf)
		return -ENOMEM;
	if (buf_appendf(buf, len, &used, "{\"name\": ") < 0 || json_append_string(buf, len, &used, e->name) < 0 ||
	    buf_appendf(buf, len, &used,
			", \"pid\": %d, \"init_pid\": %d, \"command_pid\": %d, \"created\": %lld, \"age\": %lld, "
			"\"rootfs\": ",
			(int)e->pid, (int)e->init_pid, (int)e->cmd_pid, e->created, age < 0 ? 0 : age) < 0 ||
	    json_append_string(buf, len, &used, e->rootfs) < 0)
		return -ENOSPC;
	if (e->cgroup && (buf_appendf(buf, len, &used, ", \"cgroup\": ") < 0 ||
			  json_append_string(buf, len, &used, e->cgroup) < 0))
		return -ENOSPC;
	if (buf_appendf(buf, len, &used, ", \"net_policy\": %s, \"command\": [",
			e->net_policy ? "true" : "false") < 0)
		return -ENOSPC;
	for (size_t i = 0; e->cmd.argv[i]; i++)
		if ((i && buf_appendf(buf, len, &used, ", ") < 0) ||
		    json_append_string(buf, len, &used, e->cmd.argv[i]) < 0)
			return -ENOSPC;
	if (buf_appendf(buf, len, &used, "]}\n") < 0)
		return -ENOSPC;
	*out = steal_ptr(&buf);
	return 0;
}

/* --- processes ---------------------------------------------------------------------------- */

int registry_parse_start_time(const char *text, unsigned long long *out)
{
	return proc_stat_field(text, 22, out);
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
		return err_set(err, errlen, errno, "create %s", sub);
	fd = openat(parent_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && !create)
			return -ENOENT;
		/* Someone else's private directory: say whose, not only "Permission denied". */
		if (e == EACCES && fstatat(parent_fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid != uid)
			return err_set(err, errlen, -EPERM, "%s: owned by uid %u, not by us (%u)", sub,
				       (unsigned)st.st_uid, (unsigned)uid);
		if (e == ELOOP || e == ENOTDIR)
			return err_set(err, errlen, -e, "%s: not a directory (a symlink?)", sub);
		return err_set(err, errlen, e, "%s", sub);
	}
	if (fstat(fd, &st) < 0)
		return err_set(err, errlen, errno, "%s", sub);
	if (st.st_uid != uid)
		return err_set(err, errlen, -EPERM, "%s: owned by uid %u, not by us (%u)", sub, (unsigned)st.st_uid,
			    (unsigned)uid);
	if ((st.st_mode & 07777) != 0700)
		return err_set(err, errlen, -EPERM, "%s: mode %04o, must be 0700", sub, (unsigned)(st.st_mode & 07777));
	return steal_fd(&fd);
}

/* mkdir -p of an absolute path, each missing directory 0700 (XDG's mode for its base
 * directories). 0 or -errno. */
static int make_dirs(char *path)
{
	for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
		int r, e;

		if (p)
			*p = '\0';
		r = mkdir(path, 0700);
		e = errno;
		if (p)
			*p = '/';
		if (r < 0 && e != EEXIST)
			return -e;
		if (!p)
			return 0;
	}
}

/* Whether path is a directory of uid's that no one else may write to. */
static bool dir_is_ours(const char *path, uid_t uid, mode_t forbidden)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == uid && (st.st_mode & forbidden) == 0;
}

/* Whether path, or its nearest existing ancestor, is on a read-only mount: a home that a
 * host-mode sandbox shows read-only, where a nested sandbox could keep no state. */
static bool on_readonly_mount(const char *path)
{
	char p[PATH_MAX];
	struct statvfs sv;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		if (statvfs(p, &sv) == 0)
			return (sv.f_flag & ST_RDONLY) != 0;
		char *slash = strrchr(p, '/');
		if (errno != ENOENT || !slash || slash == p)
			return false;
		*slash = '\0';
	}
}

/* Where the state directory lives (the directory it is made in, and its name there):
 * $XDG_RUNTIME_DIR/sandbox when that is a runtime directory of ours (pam_systemd makes it
 * 0700); else under XDG's state home, $XDG_STATE_HOME or ~/.local/state, where no other user
 * can take the name first as they can a fixed name in /tmp; /tmp/sandbox-UID only for a user
 * without a home of their own, or whose state home is on a read-only mount (inside a
 * host-mode sandbox, whose /tmp is its own). When in_home, the base is made on demand. */
static void state_location(uid_t uid, char *base, size_t baselen, char *sub, size_t sublen, bool *in_home)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	*in_home = false;
	snprintf(sub, sublen, "sandbox");
	if (xdg && xdg[0] == '/' && dir_is_ours(xdg, uid, 077)) {
		snprintf(base, baselen, "%s", xdg);
		return;
	}
	if (state && state[0] == '/') {
		snprintf(base, baselen, "%s", state);
		*in_home = true;
	} else if (home && home[0] == '/' && dir_is_ours(home, uid, 0)) {
		snprintf(base, baselen, "%s/.local/state", strcmp(home, "/") ? home : "");
		*in_home = true;
	}
	if (*in_home && !on_readonly_mount(base))
		return;
	*in_home = false;
	snprintf(base, baselen, "/tmp");
	snprintf(sub, sublen, "sandbox-%u", (unsigned)uid);
}

int registry_open_dir(bool create, char *err, size_t errlen)
{
	uid_t uid = getuid();
	char base[PATH_MAX], sub[32];
	_cleanup_close_ int bfd = -1;
	bool in_home;
	int r;

	state_location(uid, base, sizeof(base), sub, sizeof(sub), &in_home);
	if (create && in_home && (r = make_dirs(base)) < 0)
		return err_set(err, errlen, -r, "state directory: create %s", base);
	bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0) {
		if (errno == ENOENT && !create)
			return -ENOENT;
		return err_set(err, errlen, errno, "state directory %s", base);
	}
	r = registry_open_dir_at(bfd, sub, uid, create, err, errlen);
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR) {
		/* Someone else's, or open to others: never use it, say what to do. */
		err_prefix(err, errlen, r, "state directory %s/", base);
		return err_append(err, errlen, r, " (remove it, or set XDG_STATE_HOME to a directory of yours)");
	}
	if (r < 0 && r != -ENOENT)
		return err_prefix(err, errlen, r, "state directory %s/", base);
	return r;
}

int registry_stamp_first(const char *stamp)
{
	char err[256];
	_cleanup_close_ int dirfd = registry_open_dir(true, err, sizeof(err));
	_cleanup_close_ int fd = -1;

	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, stamp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		return 1;
	return errno == EEXIST ? 0 : -errno;
}

/* --- locks and entries -------------------------------------------------------------------- */

#define ENTRY_EXT "entry"

static void file_name(char *buf, size_t len, const char *name, const char *ext)
{
	snprintf(buf, len, "%s.%s", name, ext);
}

/* Take the lock; the fd, or -EBUSY with the holder's fd open in *busy_fd, or -errno. */
static int take_lock(int dirfd, const char *name, int *busy_fd)
{
	char lname[REGISTRY_NAME_MAX + 8];

	file_name(lname, sizeof(lname), name, "lock");
	return lock_file_at(dirfd, lname, LOCK_EX | LOCK_NB, busy_fd);
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

	file_name(fname, sizeof(fname), name, ENTRY_EXT);
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
	/* We hold it: whatever NAME.entry says is the state of a dead sandbox. */
	file_name(fname, sizeof(fname), name, ENTRY_EXT);
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
	size_t len;
	int r = registry_encode(e, &buf, &len);

	if (r < 0)
		return r;
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", e->name, (int)getpid());
	file_name(fname, sizeof(fname), e->name, ENTRY_EXT);
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
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
	int r;

	char fname[REGISTRY_NAME_MAX + 8];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	file_name(fname, sizeof(fname), name, ENTRY_EXT);
	fd = openat(dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errlen, errno, "%s", fname);
	if (fstat(fd, &st) < 0)
		return err_set(err, errlen, errno, "%s", fname);
	/* The writer refused anything larger; one byte more tells a larger file from a full one. */
	if (st.st_size > REGISTRY_ENTRY_MAX)
		return err_set(err, errlen, -EINVAL, "%s: larger than %u bytes", fname, REGISTRY_ENTRY_MAX);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return err_set(err, errlen, ENOMEM, "%s", fname);
	n = read_all(fd, buf, (size_t)st.st_size + 1);
	if (n < 0)
		return err_set(err, errlen, (int)-n, "%s", fname);
	r = registry_decode(buf, (size_t)n, e, err, errlen);
	return r < 0 ? err_prefix(err, errlen, r, "%s: ", fname) : 0;
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
		return err_set(err, errlen, -ENOENT, "no sandbox of that name is running");
	}
	if (fd != -EBUSY)
		return err_set(err, errlen, -fd, "lock");
	close(busy);
	r = read_entry(dirfd, name, e, err, errlen);
	if (r == -ENOENT)
		return err_set(err, errlen, -EAGAIN, "it is still starting");
	if (r < 0)
		return r;
	/* The lock is held; also the init must be the one registered (pid reuse). */
	if (registry_start_time(e->init_pid, &start) < 0 || start != e->init_start) {
		registry_entry_free(e);
		return err_set(err, errlen, -ENOENT, "no sandbox of that name is running (its init is gone)");
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
		if (d->d_name[0] == '.' || !dot || (strcmp(dot + 1, ENTRY_EXT) && strcmp(dot + 1, "lock")))
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
