/* imagemain.c: sandbox-image, the image side of sandbox. sandbox runs it (found like
 * sandbox-net) only when its argument is an IMAGE, so json-c never loads into sandbox itself;
 * libarchive loads only into sandbox-unpack, run per layer that is not in the cache yet.
 *     sandbox-image resolve IMAGE   unpack what is missing; on stdout NUL-terminated records:
 *                                   layer=PATH (lowest first), entrypoint=ARG, cmd=ARG, env=K=V,
 *                                   workdir=DIR, user=UID:GID
 *     sandbox-image images          list the cache
 *     sandbox-image rmi IMAGE...    forget images, free the layers no other image uses
 *     sandbox-image prune           free unused layers and what killed unpacks left
 * Messages go to stderr as "sandbox: ...", exit 125 on errors. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imagecache.h"
#include "imagefast.h"
#include "imageconf.h"
#include "imageref.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

#define UNPACK_NAME "sandbox-unpack"

static int cachefd = -1;
static FILE *answer; /* what resolve prints, kept to be saved too */

/* ---- reading an OCI layout ---- */

static int read_small_file(int dirfd, const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return err_set(err, errlen, errno, "%s", path);
	if (fstat(fd, &st) < 0)
		return err_set(err, errlen, errno, "%s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > (4 << 20))
		return err_set(err, errlen, -EINVAL, "%s: not a small regular file", path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return err_set(err, errlen, ENOMEM, "%s", path);
	n = read_all(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		free(buf);
		return err_set(err, errlen, (int)-n, "%s", path);
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* A blob of the layout, checked against its digest. */
static int read_blob(int layoutfd, const char *digest, char **out, size_t *len, char *err, size_t errlen)
{
	char path[128], hex[65];
	struct sha256 h;
	int r;

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	r = read_small_file(layoutfd, path, out, len, err, errlen);
	if (r < 0)
		return r;
	sha256_init(&h);
	sha256_update(&h, *out, *len);
	sha256_hex(&h, hex);
	if (strcmp(hex, digest + 7) != 0) {
		free(*out);
		*out = NULL;
		return err_set(err, errlen, -EBADMSG, "%s: the content does not match its digest", path);
	}
	return 0;
}

static const char *go_arch(void)
{
	static struct utsname u;
	static const char *const names[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" },	   { "i386", "386" },
		{ "armv7l", "arm" },   { "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
	};

	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(u.machine, names[i][0]) == 0)
			return names[i][1];
	return u.machine;
}

/* ---- the layer cache ---- */

struct unpack_job {
	int dirfd, blobfd;
	const char *digest;
	char size[24], label[48];
	bool progress;
};

static int unpack_in_userns(void *arg)
{
	struct unpack_job *j = arg;
	char path[4096];
	char *argv[] = { UNPACK_NAME, (char *)j->digest, j->size, j->label, j->progress ? "--progress" : NULL,
			 NULL };

	helper_path(UNPACK_NAME, path, sizeof(path));
	if (fchdir(j->dirfd) < 0 || dup2(j->blobfd, 0) < 0) {
		fprintf(stderr, "sandbox: image: %s: %s\n", j->label, strerror(errno));
		return -1;
	}
	execv(path, argv);
	fprintf(stderr, "sandbox: image: run %s: %s\n", path, strerror(errno));
	return -1;
}

struct rm_job {
	int dirfd;
	const char *name;
};

static int rm_in_userns(void *arg)
{
	struct rm_job *j = arg;
	int r = imagecache_rm_rf(j->dirfd, j->name);

	if (r < 0)
		fprintf(stderr, "sandbox: image: remove %s: %s\n", j->name, strerror(-r));
	return r;
}

static int remove_layer_dir(int layersfd, const char *name)
{
	struct rm_job j = { layersfd, name };
	char err[256];
	int r = imagecache_in_userns(rm_in_userns, &j, err, sizeof(err));

	if (r < 0 && r != -ECANCELED)
		warnx("image: remove %s: %s", name, err);
	return r;
}

/* Unpack the tar on srcfd into the new directory dir/tmp (in a user namespace, chrooted), and
 * rename it to dir/name when complete; an entry that appeared meanwhile (another run did the
 * same) is used instead. 0, -ECANCELED when sandbox-unpack said why, or -errno with a reason. */
static int unpack_into(int dirfd, const char *name, int srcfd, const char *digest, long long size,
		       const char *label, char *err, size_t errlen)
{
	char tmp[128];
	struct unpack_job j = { .blobfd = srcfd, .digest = digest ? digest : "" };
	int r;

	snprintf(tmp, sizeof(tmp), ".tmp-%s-%d", name, (int)getpid());
	if (mkdirat(dirfd, tmp, 0755) < 0)
		return err_set(err, errlen, errno, "image cache: %s", tmp);
	j.dirfd = openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j.dirfd < 0)
		return err_set(err, errlen, errno, "image cache: %s", tmp);
	snprintf(j.size, sizeof(j.size), "%lld", size);
	snprintf(j.label, sizeof(j.label), "%s", label);
	j.progress = isatty(2);
	r = imagecache_in_userns(unpack_in_userns, &j, err, errlen);
	close(j.dirfd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = err_set(err, errlen, errno, "image cache: complete %s", name);
		remove_layer_dir(dirfd, tmp);
	} else if (r < 0) {
		remove_layer_dir(dirfd, tmp); /* on -ECANCELED sandbox-unpack said why */
	}
	return r;
}

/* The layer in the cache, unpacked from blobfd first when missing. */
static int ensure_layer(int layersfd, const struct image_desc *d, int blobfd, size_t i, size_t n, char *err,
			size_t errlen)
{
	char label[48];

	if (faccessat(layersfd, d->digest + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	snprintf(label, sizeof(label), "layer %zu/%zu %.12s", i + 1, n, d->digest + 7);
	return unpack_into(layersfd, d->digest + 7, blobfd, d->digest, d->size, label, err, errlen);
}

/* ---- user names of the image ---- */

/* NAME's numeric fields 2 and 3 in an /etc/passwd or /etc/group text. */
static bool find_in_db(const char *text, const char *name, unsigned long long *id, unsigned long long *gid)
{
	size_t nlen = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *f2, *f3;
		if (strncmp(l, name, nlen) != 0 || l[nlen] != ':')
			continue;
		f2 = strchr(l + nlen + 1, ':');
		if (!f2)
			continue;
		*id = strtoull(f2 + 1, NULL, 10);
		f3 = strchr(f2 + 1, ':');
		if (gid)
			*gid = f3 ? strtoull(f3 + 1, NULL, 10) : 0;
		return true;
	}
	return false;
}

/* The file from the highest layer that has it (resolved inside that layer). */
static char *layer_file(char layers[][4096], size_t n, const char *path)
{
	for (size_t i = n; i-- > 0;) {
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
		_cleanup_close_ int root = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		long fd;
		char *text;
		size_t len;
		char err[64];

		if (root < 0)
			continue;
		fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
		if (fd < 0)
			continue;
		close((int)fd);
		if (read_small_file(root, path, &text, &len, err, sizeof(err)) == 0)
			return text;
	}
	return NULL;
}

/* The config's User ("uid", "uid:gid", "name", "name:group") as numbers. */
static int resolve_user(const char *user, char layers[][4096], size_t n, char *out, size_t outlen, char *err,
			size_t errlen)
{
	char name[256], group[256] = "";
	const char *colon = strchr(user, ':');
	unsigned long long uid = 0, gid = 0;
	bool have_gid = false;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - user) : (int)strlen(user), user);
	if (colon)
		snprintf(group, sizeof(group), "%s", colon + 1);
	if (parse_uint(name, UINT32_MAX - 1, &uid) < 0) {
		_cleanup_free_ char *pw = layer_file(layers, n, "etc/passwd");
		if (!pw || !find_in_db(pw, name, &uid, &gid))
			return err_set(err, errlen, -ENOENT, "image: user '%s' is not in the image's /etc/passwd", name);
		have_gid = true;
	}
	if (group[0]) {
		if (parse_uint(group, UINT32_MAX - 1, &gid) < 0) {
			_cleanup_free_ char *gr = layer_file(layers, n, "etc/group");
			if (!gr || !find_in_db(gr, group, &gid, NULL))
				return err_set(err, errlen, -ENOENT, "image: group '%s' is not in the image's /etc/group",
					       group);
		}
	} else if (!have_gid) {
		_cleanup_free_ char *pw = NULL;
		char uidname[32];
		/* A numeric user's group is its passwd entry's, else 0 (as podman does). */
		snprintf(uidname, sizeof(uidname), "%llu", uid);
		pw = layer_file(layers, n, "etc/passwd");
		for (const char *l = pw; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			const char *f2 = strchr(l, ':'), *f3 = f2 ? strchr(f2 + 1, ':') : NULL;
			if (f3 && strncmp(f3 + 1, uidname, strlen(uidname)) == 0 && f3[1 + strlen(uidname)] == ':') {
				gid = strtoull(f3 + 2 + strlen(uidname), NULL, 10);
				break;
			}
		}
	}
	snprintf(out, outlen, "%llu:%llu", uid, gid);
	return 0;
}

/* ---- archives and pulls, made into an OCI layout once ---- */

/* Copy path (inside dirfd, symlinks resolved inside it) to blobs/sha256/HEX; digest out. */
static int copy_as_blob(int dirfd, const char *path, char digest[72], long long *size, char *err, size_t errlen)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int in = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	_cleanup_close_ int out = -1;
	char buf[65536], hex[65], final[96];
	struct sha256 h;
	ssize_t n;

	if (in < 0)
		return err_set(err, errlen, errno, "docker archive: %s", path);
	if (mkdirat(dirfd, "blobs", 0755) < 0 && errno != EEXIST)
		return err_set(err, errlen, errno, "docker archive: blobs");
	if (mkdirat(dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)
		return err_set(err, errlen, errno, "docker archive: blobs/sha256");
	out = openat(dirfd, "blobs/sha256/.copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return err_set(err, errlen, errno, "docker archive: blobs/sha256");
	sha256_init(&h);
	*size = 0;
	while ((n = read_all(in, buf, sizeof(buf))) > 0) {
		sha256_update(&h, buf, (size_t)n);
		*size += n;
		if (write_all(out, buf, (size_t)n) < 0)
			return err_set(err, errlen, errno, "docker archive: copy %s", path);
	}
	if (n < 0)
		return err_set(err, errlen, (int)-n, "docker archive: read %s", path);
	sha256_hex(&h, hex);
	snprintf(digest, 72, "sha256:%s", hex);
	snprintf(final, sizeof(final), "blobs/sha256/%s", hex);
	if (renameat(dirfd, "blobs/sha256/.copy", dirfd, final) < 0)
		return err_set(err, errlen, errno, "docker archive: %s", final);
	return 0;
}

static int create_file_at(int dirfd, const char *path, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

static int write_blob_text(int dirfd, const char *text, char digest[72], char *err, size_t errlen)
{
	char hex[65], path[96];
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, text, strlen(text));
	sha256_hex(&h, hex);
	snprintf(digest, 72, "sha256:%s", hex);
	snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	int r = create_file_at(dirfd, path, text);
	if (r < 0)
		return err_set(err, errlen, -r, "docker archive: write %s", path);
	return 0;
}

/* `docker save` format (manifest.json, a config file, a tar per layer) into an OCI layout in
 * the same directory, for the image named tag (or the first). */
static int docker_to_oci(int dirfd, const char *tag, char *err, size_t errlen)
{
	static char layers[IMAGE_MAX_LAYERS][IMAGE_PATH_MAX];
	char config[IMAGE_PATH_MAX], cdigest[72], mdigest[72], ldigest[72];
	_cleanup_free_ char *text = NULL, *manifest = NULL;
	size_t len, n, used;
	long long csize, lsize;
	char index[512];
	int r;

	if (faccessat(dirfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0; /* docker >= 25 writes an OCI layout already */
	r = read_small_file(dirfd, "manifest.json", &text, &len, err, errlen);
	if (r < 0)
		return r;
	r = image_docker_manifest_pick(text, len, tag, config, layers, &n, err, errlen);
	if (r < 0)
		return r;
	r = copy_as_blob(dirfd, config, cdigest, &csize, err, errlen);
	if (r < 0)
		return r;
	manifest = malloc(512 + n * 192);
	if (!manifest)
		return err_set(err, errlen, ENOMEM, "docker archive");
	used = (size_t)sprintf(manifest,
			       "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			       "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
			       "\"size\":%lld},\"layers\":[",
			       cdigest, csize);
	for (size_t i = 0; i < n; i++) {
		r = copy_as_blob(dirfd, layers[i], ldigest, &lsize, err, errlen);
		if (r < 0)
			return r;
		used += (size_t)sprintf(manifest + used,
					"%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
					"\"size\":%lld}",
					i ? "," : "", ldigest, lsize);
	}
	strcpy(manifest + used, "]}");
	r = write_blob_text(dirfd, manifest, mdigest, err, errlen);
	if (r < 0)
		return r;
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"digest\":\"%s\",\"size\":%zu}]}",
		 mdigest, strlen(manifest));
	r = create_file_at(dirfd, "index.json", index);
	if (r < 0)
		return err_set(err, errlen, -r, "docker archive: write index.json");
	return 0;
}

/* Whether a registry reference names a registry on this host's loopback, which skopeo may
 * then reach over plain HTTP (as a local docker-registry serves by default). */
static bool registry_on_loopback(const char *ref)
{
	static const char *const hosts[] = { "localhost:", "localhost/", "127.0.0.1:", "127.0.0.1/", "[::1]:",
					     "[::1]/" };
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		if (strncmp(ref, hosts[i], strlen(hosts[i])) == 0)
			return true;
	return false;
}

/* skopeo copy docker://REF oci:DIR:latest; its messages go to our stderr. */
static int pull(const char *refname, const char *dir, char *err, size_t errlen)
{
	char src[4700], dst[4400];
	const char *argv[8];
	size_t k = 0;
	int status;
	pid_t pid;

	snprintf(src, sizeof(src), "docker://%s", refname);
	snprintf(dst, sizeof(dst), "oci:%s:latest", dir);
	argv[k++] = "skopeo";
	argv[k++] = "copy";
	if (!isatty(2))
		argv[k++] = "--quiet";
	if (registry_on_loopback(refname))
		argv[k++] = "--src-tls-verify=false";
	argv[k++] = src;
	argv[k++] = dst;
	argv[k] = NULL;
	pid = fork();
	if (pid < 0)
		return err_set(err, errlen, errno, "pull: fork");
	if (pid == 0) {
		/* Our stdout is the answer to sandbox. */
		if (dup2(2, 1) < 0)
			_exit(125);
		execvp("skopeo", (char **)argv);
		if (errno == ENOENT)
			fprintf(stderr, "sandbox: image docker://%s: pulling needs skopeo (Debian: apt-get install skopeo)\n",
				refname);
		else
			fprintf(stderr, "sandbox: image docker://%s: run skopeo: %s\n", refname, strerror(errno));
		_exit(125);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errlen, errno, "pull: wait for skopeo");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
		return -ECANCELED; /* said why */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(err, errlen, -EIO, "skopeo could not copy it (see its message above)");
	return 0;
}

/* An archive or a pull as an OCI layout under archives/KEY, made once: the key covers the
 * archive's path, size, mtime and inode (a changed file is unpacked anew), or the pulled name.
 * The layout fd; ref and key are filled in. */
static int archive_layout(const struct image_ref *ir, char *ref, size_t reflen, char key[65], char *err,
			  size_t errlen)
{
	static const char *const prefix[] = { [IMAGE_OCI_ARCHIVE] = "oci-archive:",
					      [IMAGE_DOCKER_ARCHIVE] = "docker-archive:",
					      [IMAGE_DOCKER] = "docker://" };
	_cleanup_close_ int archivesfd = openat(cachefd, "archives", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int srcfd = -1;
	char abs[PATH_MAX], id[4800];
	struct stat st;
	int r, fd;

	if (archivesfd < 0)
		return err_set(err, errlen, errno, "image cache: archives");
	if (ir->kind == IMAGE_DOCKER) {
		snprintf(ref, reflen, "docker://%s", ir->location);
		snprintf(id, sizeof(id), "%s", ref);
	} else {
		if (!realpath(ir->location, abs))
			return err_set(err, errlen, errno, "%s", ir->location);
		srcfd = open(abs, O_RDONLY | O_CLOEXEC);
		if (srcfd < 0 || fstat(srcfd, &st) < 0)
			return err_set(err, errlen, errno, "%s", abs);
		if (!S_ISREG(st.st_mode))
			return err_set(err, errlen, -EINVAL, "%s: not an archive file", abs);
		snprintf(ref, reflen, "%s%s%s%s", prefix[ir->kind], abs, ir->tag[0] ? ":" : "", ir->tag);
		snprintf(id, sizeof(id), "%s\n%lld\n%lld.%09ld\n%llu", ref, (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
	}
	imagecache_key(id, key);
	fd = openat(archivesfd, key, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	if (ir->kind == IMAGE_DOCKER) {
		char tmp[128], path[4300];
		snprintf(tmp, sizeof(tmp), ".tmp-%s-%d", key, (int)getpid());
		snprintf(path, sizeof(path), "%s/archives/%s", imagecache_path(), tmp);
		r = pull(ir->location, path, err, errlen);
		if (r == 0 && renameat(archivesfd, tmp, archivesfd, key) < 0 && errno != EEXIST && errno != ENOTEMPTY)
			r = err_set(err, errlen, errno, "image cache: archives/%s", key);
		if (faccessat(archivesfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			remove_layer_dir(archivesfd, tmp);
	} else {
		r = unpack_into(archivesfd, key, srcfd, NULL, (long long)st.st_size, "archive", err, errlen);
		if (r == 0 && ir->kind == IMAGE_DOCKER_ARCHIVE) {
			_cleanup_close_ int dir = openat(archivesfd, key, O_PATH | O_DIRECTORY | O_CLOEXEC);
			r = dir < 0 ? err_set(err, errlen, errno, "image cache: archives/%s", key)
				    : docker_to_oci(dir, ir->tag[0] ? ir->tag : NULL, err, errlen);
			if (r < 0)
				remove_layer_dir(archivesfd, key);
		}
	}
	if (r < 0)
		return r;
	fd = openat(archivesfd, key, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? err_set(err, errlen, errno, "image cache: archives/%s", key) : fd;
}

/* ---- resolve ---- */

static void put_record(const char *key, const char *value)
{
	fputs(key, answer);
	fputc('=', answer);
	fputs(value, answer);
	fputc('\0', answer);
}

static void put_records(const char *key, char **v)
{
	for (; v && *v; v++)
		put_record(key, *v);
}

/* Resolve an OCI layout to its manifest, config and layers, unpacking what the cache lacks.
 * ref is the name the cache records it under. */
static int resolve_layout(int layoutfd, const char *tag, const char *ref, const char *archive, char *err,
			  size_t errlen)
{
	_cleanup_free_ char *index = NULL, *manifest_text = NULL, *config_text = NULL;
	_cleanup_close_ int layersfd = -1;
	static struct image_manifest m;
	static struct image_record rec;
	static char layers[IMAGE_MAX_LAYERS][4096];
	struct image_config cfg;
	struct image_desc d;
	char key[65], user[64];
	size_t len;
	int r;

	r = read_small_file(layoutfd, "index.json", &index, &len, err, errlen);
	if (r < 0)
		return r;
	r = image_index_pick(index, len, tag, go_arch(), &d, err, errlen);
	for (int depth = 0; r == 0; depth++) {
		free(manifest_text);
		manifest_text = NULL;
		r = read_blob(layoutfd, d.digest, &manifest_text, &len, err, errlen);
		if (r < 0 || !image_type_is_index(d.media_type))
			break;
		if (depth > 2)
			return err_set(err, errlen, -ELOOP, "image: indexes nested too deep");
		r = image_index_pick(manifest_text, len, NULL, go_arch(), &d, err, errlen);
	}
	if (r < 0)
		return r;
	r = image_manifest_parse(manifest_text, len, &m, err, errlen);
	if (r < 0)
		return r;
	r = read_blob(layoutfd, m.config.digest, &config_text, &len, err, errlen);
	if (r < 0)
		return r;
	r = image_config_parse(config_text, len, &cfg, err, errlen);
	if (r < 0)
		return r;
	layersfd = openat(cachefd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layersfd < 0) {
		r = err_set(err, errlen, errno, "image cache: layers");
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.ref, sizeof(rec.ref), "%s", ref);
	snprintf(rec.manifest, sizeof(rec.manifest), "%s", d.digest);
	snprintf(rec.archive, sizeof(rec.archive), "%s", archive ? archive : "");
	for (size_t i = 0; i < m.nlayers; i++) {
		char path[128];
		_cleanup_close_ int blobfd = -1;

		snprintf(rec.layers[i], sizeof(rec.layers[i]), "%s", m.layers[i].digest);
		snprintf(layers[i], sizeof(layers[i]), "%s/layers/%s", imagecache_path(), m.layers[i].digest + 7);
		if (faccessat(layersfd, m.layers[i].digest + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		snprintf(path, sizeof(path), "blobs/sha256/%s", m.layers[i].digest + 7);
		blobfd = openat(layoutfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (blobfd < 0) {
			r = err_set(err, errlen, errno, "image: %s", path);
			goto out;
		}
		r = ensure_layer(layersfd, &m.layers[i], blobfd, i, m.nlayers, err, errlen);
		if (r < 0)
			goto out;
	}
	rec.nlayers = m.nlayers;
	if (m.nlayers == 0) {
		r = err_set(err, errlen, -EINVAL, "image: no layers");
		goto out;
	}
	if (cfg.user) {
		r = resolve_user(cfg.user, layers, m.nlayers, user, sizeof(user), err, errlen);
		if (r < 0)
			goto out;
	}
	imagecache_key(ref, key);
	{
		struct image_record old;
		if (imagecache_record_read(cachefd, key, &old) != 0 || strcmp(old.manifest, rec.manifest) != 0 ||
		    strcmp(old.archive, rec.archive) != 0 || old.nlayers != rec.nlayers)
			(void)imagecache_record_write(cachefd, key, &rec);
	}
	for (size_t i = 0; i < m.nlayers; i++)
		put_record("layer", layers[i]);
	put_records("entrypoint", cfg.entrypoint);
	put_records("cmd", cfg.cmd);
	put_records("env", cfg.env);
	if (cfg.workdir)
		put_record("workdir", cfg.workdir);
	if (cfg.user)
		put_record("user", user);
out:
	image_config_free(&cfg);
	return r;
}

/* Print the answer, and save it for the next run of the same image when its source can be
 * stamped (taken before anything was read, so a change meanwhile makes it stale). */
static int answer_out(const char *buf, size_t len, const char *ref, const char *stamp, char *err, size_t errlen)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return err_set(err, errlen, errno, "image: write the result");
	if (stamp[0] && imagefast_save(cachefd, ref, stamp, buf, len) < 0)
		debug("image: could not save the answer for %s", ref);
	return 0;
}

static int resolve(const char *image)
{
	struct image_ref ir;
	char err[1024], ref[4700], abs[PATH_MAX], stamp[5400] = "", stamp_ref[4700] = "";
	_cleanup_close_ int layoutfd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (imagefast_identify(image, stamp_ref, sizeof(stamp_ref), stamp, sizeof(stamp)) < 0)
		stamp[0] = '\0';
	answer = open_memstream(&buf, &len);
	if (!answer) {
		r = err_set(err, sizeof(err), errno, "image: answer");
		goto fail;
	}
	r = image_ref_parse(image, &ir, err, sizeof(err));
	if (r < 0)
		goto fail;
	switch (ir.kind) {
	case IMAGE_OCI:
		if (!realpath(ir.location, abs)) {
			r = err_set(err, sizeof(err), errno, "%s", ir.location);
			goto fail;
		}
		layoutfd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (layoutfd < 0) {
			r = err_set(err, sizeof(err), errno, "%s", abs);
			goto fail;
		}
		snprintf(ref, sizeof(ref), "oci:%s%s%s", abs, ir.tag[0] ? ":" : "", ir.tag);
		r = resolve_layout(layoutfd, ir.tag[0] ? ir.tag : NULL, ref, NULL, err, sizeof(err));
		break;
	case IMAGE_OCI_ARCHIVE:
	case IMAGE_DOCKER_ARCHIVE:
	case IMAGE_DOCKER: {
		char key[65];
		layoutfd = archive_layout(&ir, ref, sizeof(ref), key, err, sizeof(err));
		if (layoutfd < 0) {
			r = layoutfd;
			goto fail;
		}
		/* A docker archive's tag chose what was converted; the layout holds that one. */
		r = resolve_layout(layoutfd, ir.kind == IMAGE_OCI_ARCHIVE && ir.tag[0] ? ir.tag : NULL, ref, key, err,
				   sizeof(err));
		break;
	}
	default:
		r = err_set(err, sizeof(err), -EINVAL, "not an image");
	}
	if (fclose(answer) != 0 && r == 0)
		r = err_set(err, sizeof(err), errno, "image: answer");
	answer = NULL;
	/* The stamp names the same reference, or the image was resolved as something else. */
	if (r == 0 && strcmp(stamp_ref, ref) != 0)
		stamp[0] = '\0';
	if (r == 0)
		r = answer_out(buf, len, ref, stamp, err, sizeof(err));
	if (r == 0)
		return 0;
fail:
	if (answer)
		fclose(answer);
	answer = NULL;
	if (r != -ECANCELED)
		warnx("image %s: %s", image, err);
	return 125;
}

/* ---- images, rmi, prune ---- */

typedef void (*record_fn)(const char *key, const struct image_record *rec, void *data);

static int foreach_record(record_fn fn, void *data)
{
	_cleanup_close_ int fd = openat(cachefd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	static struct image_record rec;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd)))
		return -errno;
	fd = -1;
	while ((de = readdir(d)))
		if (strlen(de->d_name) == 64 && imagecache_record_read(cachefd, de->d_name, &rec) == 0)
			fn(de->d_name, &rec, data);
	closedir(d);
	return 0;
}

static void print_record(const char *key, const struct image_record *rec, void *data)
{
	char when[32];
	struct tm tm;
	time_t t = (time_t)rec->mtime;
	char shown[4700];
	(void)key;
	(void)data;

	/* Names come from the command line; no control byte of one reaches the terminal. */
	snprintf(shown, sizeof(shown), "%s", rec->ref);
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
	printf("%-12.12s  %6zu  %-16s  %s\n", rec->manifest + 7, rec->nlayers, when, shown);
}

static int cmd_images(void)
{
	printf("%-12s  %6s  %-16s  %s\n", "ID", "LAYERS", "USED", "IMAGE");
	if (foreach_record(print_record, NULL) < 0) {
		warn_errno(errno, "images: read the cache");
		return 125;
	}
	return fflush(stdout) == 0 ? 0 : 125;
}

struct used {
	char (*hex)[65];
	size_t n, cap;
};

static void collect_layers(const char *key, const struct image_record *rec, void *data)
{
	struct used *u = data;
	(void)key;

	for (size_t i = 0; i < rec->nlayers; i++) {
		if (u->n == u->cap) {
			size_t cap = u->cap ? 2 * u->cap : 64;
			char(*h)[65] = realloc(u->hex, cap * sizeof(*h));
			if (!h)
				return;
			u->hex = h;
			u->cap = cap;
		}
		snprintf(u->hex[u->n++], 65, "%s", rec->layers[i] + 7);
	}
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void collect_archives(const char *key, const struct image_record *rec, void *data)
{
	struct used *u = data;
	(void)key;

	if (!rec->archive[0])
		return;
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 16;
		char(*h)[65] = realloc(u->hex, cap * sizeof(*h));
		if (!h)
			return;
		u->hex = h;
		u->cap = cap;
	}
	snprintf(u->hex[u->n++], 65, "%s", rec->archive);
}

/* In the cache's directory sub: remove every entry no record names (collect lists the named
 * ones) and what killed unpacks left behind. */
static int collect_garbage_in(const char *sub, record_fn collect)
{
	struct used u = { 0 };
	_cleanup_close_ int subfd = openat(cachefd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd, r = 0;
	struct dirent *de;
	DIR *d;

	if (subfd < 0 || foreach_record(collect, &u) < 0)
		return -errno;
	fd = openat(subfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		free(u.hex);
		return -errno;
	}
	while ((de = readdir(d))) {
		bool drop = false;
		if (is_hex64(de->d_name)) {
			drop = true;
			for (size_t i = 0; i < u.n && drop; i++)
				drop = strcmp(u.hex[i], de->d_name) != 0;
		} else if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			const char *pid = strrchr(de->d_name, '-') + 1;
			unsigned long long p;
			drop = parse_uint(pid, INT_MAX, &p) == 0 && kill((pid_t)p, 0) < 0 && errno == ESRCH;
		}
		if (drop && remove_layer_dir(subfd, de->d_name) < 0)
			r = -EIO;
	}
	closedir(d);
	free(u.hex);
	return r;
}

static int collect_garbage(void)
{
	int r = collect_garbage_in("layers", collect_layers);
	int r2 = collect_garbage_in("archives", collect_archives);
	return r < 0 ? r : r2;
}

struct rmi_match {
	const char *arg, *ref;
	int found;
};

static void match_record(const char *key, const struct image_record *rec, void *data)
{
	struct rmi_match *m = data;
	size_t n = strlen(m->arg);

	if (strcmp(rec->ref, m->arg) == 0 || (m->ref[0] && strcmp(rec->ref, m->ref) == 0) ||
	    (n >= 4 && is_hex64(rec->manifest + 7) && strncmp(rec->manifest + 7, m->arg, n) == 0 &&
	     strspn(m->arg, "0123456789abcdef") == n)) {
		char path[80];
		snprintf(path, sizeof(path), "images/%s", key);
		imagefast_forget(cachefd, key);
		if (unlinkat(cachefd, path, 0) == 0)
			m->found++;
	}
}

static int cmd_rmi(int argc, char **argv)
{
	int code = 0;

	if (argc < 1) {
		warnx("rmi: missing IMAGE (see sandbox --help)");
		return 125;
	}
	for (int i = 0; i < argc; i++) {
		char ref[4700] = "", abs[PATH_MAX], err[256];
		struct image_ref ir;
		struct rmi_match m = { argv[i], ref, 0 };

		/* As resolve names it: the prefix, the absolute path, the tag. */
		if (image_ref_parse(argv[i], &ir, err, sizeof(err)) == 0 &&
		    (ir.kind == IMAGE_DOCKER || realpath(ir.location, abs)))
			snprintf(ref, sizeof(ref), "%.*s%s%s%s", (int)(strlen(argv[i]) - strlen(ir.location) - (ir.tag[0] ? strlen(ir.tag) + 1 : 0)),
				 argv[i], ir.kind == IMAGE_DOCKER ? ir.location : abs, ir.tag[0] ? ":" : "", ir.tag);
		foreach_record(match_record, &m);
		if (!m.found) {
			warnx("rmi: %s: no such image in the cache", argv[i]);
			code = 125;
		}
	}
	if (collect_garbage() < 0)
		code = 125;
	return code;
}

int main(int argc, char **argv)
{
	char err[512];

	if (argc < 2) {
		fprintf(stderr, "sandbox-image: run by sandbox; see sandbox --help\n");
		return 125;
	}
	log_verbose = getenv("SANDBOX_IMAGE_DEBUG") != NULL;
	cachefd = imagecache_open(err, sizeof(err));
	if (cachefd < 0) {
		warnx("%s", err);
		return 125;
	}
	if (strcmp(argv[1], "resolve") == 0 && argc == 3)
		return resolve(argv[2]);
	if (strcmp(argv[1], "images") == 0 && argc == 2)
		return cmd_images();
	if (strcmp(argv[1], "rmi") == 0)
		return cmd_rmi(argc - 2, argv + 2);
	if (strcmp(argv[1], "prune") == 0 && argc == 2)
		return collect_garbage() < 0 ? 125 : 0;
	warnx("%s: unexpected arguments (see sandbox --help)", argv[1]);
	return 125;
}
