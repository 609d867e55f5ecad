/* imagefast.c: the saved answer of sandbox-image (see imagefast.h). */
#include "config.h"

#include "imagefast.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imageref.h"
#include "sha256.h"
#include "util.h"

void imagefast_stamp(const char *ref, const struct stat *st, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s\n%llu\n%llu\n%lld\n%lld%09ld", ref, (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec);
}

int imagefast_check(const char *buf, size_t len, const char *stamp, size_t *answer_off)
{
	size_t mlen = sizeof(IMAGEFAST_MAGIC), slen = strlen(stamp) + 1, pos, size = 0;

	if (len > IMAGEFAST_MAX || len < mlen || memcmp(buf, IMAGEFAST_MAGIC, mlen) != 0)
		return -EINVAL;
	if (len - mlen < slen || memcmp(buf + mlen, stamp, slen) != 0)
		return -ESTALE;
	/* The answer's size in decimal, so that a record cut off anywhere is refused. */
	for (pos = mlen + slen; pos < len && buf[pos] >= '0' && buf[pos] <= '9' && pos - mlen - slen < 8; pos++)
		size = size * 10 + (size_t)(buf[pos] - '0');
	if (pos == mlen + slen || pos >= len || buf[pos] != '\0')
		return -EINVAL;
	pos++;
	if (size == 0 || size != len - pos || buf[len - 1] != '\0')
		return -EINVAL;
	*answer_off = pos;
	return 0;
}

int imagefast_cache_dir(char *out, size_t outlen)
{
	const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (data && data[0] == '/')
		snprintf(out, outlen, "%s/sandbox", data);
	else if (home && home[0] == '/')
		snprintf(out, outlen, "%s/.local/share/sandbox", home);
	else
		return -ENOENT;
	return 0;
}

void imagefast_key(const char *ref, char out[65])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, ref, strlen(ref));
	sha256_hex(&h, out);
}

int imagefast_identify(const char *image, char *ref, size_t reflen, char *stamp, size_t stamplen)
{
	static const char *const prefix[] = { [IMAGE_OCI] = "oci:",
					      [IMAGE_OCI_ARCHIVE] = "oci-archive:",
					      [IMAGE_DOCKER_ARCHIVE] = "docker-archive:" };
	struct image_ref ir;
	char abs[PATH_MAX], path[PATH_MAX + 16], err[64];
	struct stat st;

	if (image_ref_parse(image, &ir, err, sizeof(err)) < 0)
		return -EINVAL;
	if (ir.kind == IMAGE_NONE || ir.kind == IMAGE_DOCKER)
		return -ENOTSUP;
	if (!realpath(ir.location, abs))
		return -errno;
	snprintf(ref, reflen, "%s%s%s%s", prefix[ir.kind], abs, ir.tag[0] ? ":" : "", ir.tag);
	snprintf(path, sizeof(path), "%s%s", abs, ir.kind == IMAGE_OCI ? "/index.json" : "");
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	imagefast_stamp(ref, &st, stamp, stamplen);
	return 0;
}

/* The record's file, opened only when it is the caller's own and nobody else's to write. */
static int open_record(const char *ref)
{
	char dir[PATH_MAX], path[PATH_MAX + 96], key[65];
	struct stat st;
	int fd;

	if (imagefast_cache_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	imagefast_key(ref, key);
	snprintf(path, sizeof(path), "%s/images/%s.answer", dir, key);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) ||
	    st.st_size <= 0 || st.st_size > (off_t)IMAGEFAST_MAX) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int imagefast_load(const char *image, char **answer, size_t *len)
{
	char ref[PATH_MAX + 600], stamp[PATH_MAX + 700];
	_cleanup_close_ int fd = -1;
	size_t off;
	ssize_t n;
	char *buf;
	int r;

	r = imagefast_identify(image, ref, sizeof(ref), stamp, sizeof(stamp));
	if (r < 0)
		return r;
	fd = open_record(ref);
	if (fd < 0)
		return fd;
	buf = malloc(IMAGEFAST_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = read_all(fd, buf, IMAGEFAST_MAX + 1);
	if (n < 0 || imagefast_check(buf, (size_t)n, stamp, &off) < 0) {
		free(buf);
		return -EINVAL;
	}
	memmove(buf, buf + off, (size_t)n - off);
	*answer = buf;
	*len = (size_t)n - off;
	return 0;
}

int imagefast_save(int cachefd, const char *ref, const char *stamp, const char *answer, size_t len)
{
	char key[65], path[96], tmp[128], size[24];
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (len == 0 || len > IMAGEFAST_MAX / 2)
		return -EFBIG;
	snprintf(size, sizeof(size), "%zu", len);

	imagefast_key(ref, key);
	snprintf(path, sizeof(path), "images/%s.answer", key);
	snprintf(tmp, sizeof(tmp), "images/.tmp-%s-%d", key, (int)getpid());
	fd = openat(cachefd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write_all(fd, IMAGEFAST_MAGIC, sizeof(IMAGEFAST_MAGIC)) < 0 ||
	    write_all(fd, stamp, strlen(stamp) + 1) < 0 ||
	    write_all(fd, size, strlen(size) + 1) < 0 || write_all(fd, answer, len) < 0 ||
	    renameat(cachefd, tmp, cachefd, path) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(cachefd, tmp, 0);
	return r;
}

void imagefast_forget(int cachefd, const char *key)
{
	char path[96];

	snprintf(path, sizeof(path), "images/%s.answer", key);
	unlinkat(cachefd, path, 0);
}
