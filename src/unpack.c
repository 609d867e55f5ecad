/* unpack.c: one image layer into the current (chrooted) directory with libarchive. */
#include "config.h"

#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "idmap.h"
#include "sha256.h"
#include "util.h"

struct source {
	int fd;
	struct sha256 hash;
	unsigned long long done;
	const struct unpack_opts *o;
	struct timespec last;
	char buf[1 << 16];
};

static void show_progress(struct source *s, bool final)
{
	struct timespec now;
	char line[160];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && (now.tv_sec - s->last.tv_sec) * 1000 + (now.tv_nsec - s->last.tv_nsec) / 1000000 < 100)
		return;
	s->last = now;
	if (s->o->size)
		n = snprintf(line, sizeof(line), "\r%s: %.1f / %.1f MiB%s", s->o->label ? s->o->label : "layer",
			     (double)s->done / 1048576, (double)s->o->size / 1048576, final ? "\n" : "");
	else
		n = snprintf(line, sizeof(line), "\r%s: %.1f MiB%s", s->o->label ? s->o->label : "layer",
			     (double)s->done / 1048576, final ? "\n" : "");
	if (n > 0)
		(void)write_all(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static la_ssize_t source_read(struct archive *a, void *data, const void **buf)
{
	struct source *s = data;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read the layer");
		return -1;
	}
	sha256_update(&s->hash, s->buf, (size_t)n);
	s->done += (unsigned long long)n;
	if (s->o->progress)
		show_progress(s, false);
	*buf = s->buf;
	return n;
}

/* "./a/b", "/a/b", "a//b" -> "a/b"; NULL when a component is "..". */
static const char *clean_path(const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in) {
		const char *end;
		size_t n;
		while (*in == '/')
			in++;
		end = strchrnul(in, '/');
		n = (size_t)(end - in);
		if (n == 2 && in[0] == '.' && in[1] == '.')
			return NULL;
		if (n && !(n == 1 && in[0] == '.')) {
			if (o + n + 2 > len)
				return NULL;
			if (o)
				out[o++] = '/';
			memcpy(out + o, in, n);
			o += n;
		}
		in = end;
	}
	out[o] = '\0';
	return out;
}

/* The parent directory of a whiteout, opened without following any symlink (a layer may not
 * point a whiteout elsewhere), created when the layer did not list it. */
static int open_parent(const char *dir)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	char path[4096];
	long fd;

	fd = syscall(SYS_openat2, AT_FDCWD, dir[0] ? dir : ".", &how, sizeof(how));
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : (int)fd;
	/* mkdir -p, one component at a time, each checked the same way. */
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd < 0 && errno == ENOENT && mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (fd >= 0)
			close((int)fd);
		*p = c;
		if (c == '\0')
			break;
	}
	fd = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* ".wh..wh..opq": the directory hides what lower layers hold; ".wh.NAME": NAME is deleted. */
static int whiteout(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	_cleanup_close_ int pfd = -1;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	pfd = open_parent(dir);
	if (pfd < 0)
		return err_set(err, errlen, -pfd, "whiteout %s: parent directory", path);
	if (strcmp(base, ".wh..wh..opq") == 0) {
		if (fsetxattr(pfd, "user.overlay.opaque", "y", 1, 0) < 0)
			return err_set(err, errlen, errno, "opaque directory %s", dir[0] ? dir : "/");
		return 0;
	}
	base += 4;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return err_set(err, errlen, -EINVAL, "whiteout %s: no name", path);
	if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT && unlinkat(pfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set(err, errlen, errno, "whiteout %s: replace", path);
	/* What overlayfs takes for a deleted file; Linux >= 5.8 lets anyone make this one node. */
	if (mknodat(pfd, base, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return err_set(err, errlen, errno, "whiteout %s", path);
	return 0;
}

/* Keep user.* (but none that overlayfs would obey: a layer must not steer the mount) and file
 * capabilities; drop trusted.* and security labels, which mean nothing here. */
static void filter_xattrs(struct archive_entry *e)
{
	struct kept {
		char *name;
		void *value;
		size_t size;
	} kept[64];
	size_t n = 0;
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK && n < ARRAY_SIZE(kept)) {
		if (!((strncmp(name, "user.", 5) == 0 && strncmp(name, "user.overlay.", 13) != 0) ||
		      strcmp(name, "security.capability") == 0))
			continue;
		kept[n].name = strdup(name);
		kept[n].value = malloc(size ? size : 1);
		if (!kept[n].name || !kept[n].value) {
			free(kept[n].name);
			free(kept[n].value);
			break;
		}
		memcpy(kept[n].value, value, size);
		kept[n++].size = size;
	}
	archive_entry_xattr_clear(e);
	for (size_t i = 0; i < n; i++) {
		archive_entry_xattr_add_entry(e, kept[i].name, kept[i].value, kept[i].size);
		free(kept[i].name);
		free(kept[i].value);
	}
}

/* Owners beyond the map become 0 (idmap_layer_owner says which mode bits go with them). A
 * negative id in a tar is beyond any map. */
static void set_owner(struct archive_entry *e, unsigned long long count)
{
	la_int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
	unsigned long long uid = u < 0 ? ULLONG_MAX : (unsigned long long)u;
	unsigned long long gid = g < 0 ? ULLONG_MAX : (unsigned long long)g;
	unsigned int mode = archive_entry_perm(e);

	idmap_layer_owner(count, archive_entry_filetype(e) == AE_IFDIR, &uid, &gid, &mode);
	archive_entry_set_uid(e, (la_int64_t)uid);
	archive_entry_set_gid(e, (la_int64_t)gid);
	archive_entry_set_perm(e, mode);
}

static int copy_data(struct archive *in, struct archive *out)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return ARCHIVE_FATAL;
	return r == ARCHIVE_EOF ? ARCHIVE_OK : r;
}

static int one_entry(struct archive *in, struct archive *out, struct archive_entry *e,
		     const struct unpack_opts *o, char *err, size_t errlen)
{
	char path[4096];
	const char *p = clean_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", path, sizeof(path));
	const char *base;
	mode_t type = archive_entry_filetype(e);

	if (!p)
		return err_set(err, errlen, -EINVAL, "entry %s: a '..' in the path", archive_entry_pathname(e));
	if (p[0] == '\0')
		p = ".";
	base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
	if (strncmp(base, ".wh.", 4) == 0)
		return whiteout(p, err, errlen);
	/* Nobody in a user namespace may make them, and a container gets its /dev anyway. */
	if (type == AE_IFCHR || type == AE_IFBLK)
		return 0;
	archive_entry_set_pathname(e, p);
	if (archive_entry_hardlink(e)) {
		char target[4096];
		const char *t = clean_path(archive_entry_hardlink(e), target, sizeof(target));
		if (!t || !t[0])
			return err_set(err, errlen, -EINVAL, "entry %s: bad hard link target", p);
		archive_entry_set_hardlink(e, t);
	}
	set_owner(e, o->id_count);
	filter_xattrs(e);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return err_set(err, errlen, archive_errno(out) > 0 ? archive_errno(out) : EINVAL, "entry %s: %s", p,
			       archive_error_string(out));
	if (archive_entry_size(e) > 0 && copy_data(in, out) < ARCHIVE_WARN)
		return err_set(err, errlen, EIO, "entry %s: %s", p,
			       archive_error_string(archive_errno(in) ? in : out));
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return err_set(err, errlen, EIO, "entry %s: %s", p, archive_error_string(out));
	return 0;
}

int unpack_layer(int fd, const struct unpack_opts *o, char *err, size_t errlen)
{
	static struct source src;
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	char hex[65];
	int r = 0, ar;

	if (!in || !out) {
		r = err_set(err, errlen, ENOMEM, "libarchive");
		goto done;
	}
	src.fd = fd;
	src.o = o;
	sha256_init(&src.hash);
	archive_read_support_format_tar(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_zstd(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
						    ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	/* No lookup functions are set: owners are the tar's numbers, never names looked up in the
	 * host's passwd. */
	if (archive_read_open(in, &src, NULL, source_read, NULL) != ARCHIVE_OK) {
		r = err_set(err, errlen, -EINVAL, "not a tar archive: %s", archive_error_string(in));
		goto done;
	}
	while ((ar = archive_read_next_header(in, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		r = one_entry(in, out, e, o, err, errlen);
		if (r < 0)
			goto done;
	}
	if (ar != ARCHIVE_EOF) {
		r = err_set(err, errlen, -EINVAL, "read the layer: %s", archive_error_string(in));
		goto done;
	}
	/* What libarchive did not need (padding after the end of the tar) counts for the digest. */
	for (;;) {
		const void *buf;
		la_ssize_t n = source_read(in, &src, &buf);
		if (n <= 0) {
			if (n < 0)
				r = err_set(err, errlen, errno, "read the layer");
			break;
		}
	}
	if (r < 0)
		goto done;
	sha256_hex(&src.hash, hex);
	if (o->digest && strcmp(o->digest + 7, hex) != 0)
		r = err_set(err, errlen, -EBADMSG, "the layer's digest is sha256:%s, not %s", hex, o->digest);
	if (o->progress)
		show_progress(&src, true);
done:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return r;
}
