/* imagecache.c: the per-user image cache of sandbox-image. */
#include "config.h"

#include "imagecache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imagefast.h"
#include "userns.h"
#include "util.h"

static char cache_path[4096];

const char *imagecache_path(void)
{
	return cache_path;
}

static int mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		int r = mkdir(path, mode);
		*p = c;
		if (r < 0 && errno != EEXIST)
			return -errno;
		if (c == '\0')
			return 0;
	}
}

int imagecache_open(char *err, size_t errlen)
{
	int fd;

	if (imagefast_cache_dir(cache_path, sizeof(cache_path)) < 0)
		return err_set(err, errlen, -ENOENT, "image cache: neither XDG_DATA_HOME nor HOME is set");
	if (mkdir_p(cache_path, 0700) < 0)
		return err_set(err, errlen, errno, "image cache %s", cache_path);
	fd = open(cache_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errlen, errno, "image cache %s", cache_path);
	static const char *const subdirs[] = { "layers", "images", "archives" };
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(fd, subdirs[i], 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(fd);
			return err_set(err, errlen, e, "image cache %s/%s", cache_path, subdirs[i]);
		}
	return fd;
}

int imagecache_in_userns(int (*fn)(void *), void *arg, char *err, size_t errlen)
{
	struct userns_plan plan;
	int to_parent[2], to_child[2], status, r;
	char byte = 0;
	pid_t pid;

	userns_plan(MAP_AUTO, getuid(), getgid(), &plan);
	if (pipe2(to_parent, O_CLOEXEC) < 0)
		return err_set(err, errlen, errno, "image: pipe");
	if (pipe2(to_child, O_CLOEXEC) < 0) {
		r = err_set(err, errlen, errno, "image: pipe");
		close(to_parent[0]);
		close(to_parent[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = err_set(err, errlen, errno, "image: fork");
		goto out;
	}
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (unshare(CLONE_NEWUSER) < 0) {
			fprintf(stderr, "sandbox: image: new user namespace: %s\n", strerror(errno));
			_exit(1);
		}
		if (write(to_parent[1], "u", 1) != 1 || read(to_child[0], &byte, 1) != 1 || byte != 'g')
			_exit(1);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			fprintf(stderr, "sandbox: image: become root of the namespace: %s\n", strerror(errno));
			_exit(1);
		}
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	close(to_parent[1]);
	to_parent[1] = -1;
	close(to_child[0]);
	to_child[0] = -1;
	if (read(to_parent[0], &byte, 1) != 1) {
		r = err_set(err, errlen, -EINVAL, "image: the unpacking process died");
	} else {
		r = userns_apply(&plan, pid, err, errlen);
		if (r == 0 && write(to_child[1], "g", 1) != 1)
			r = err_set(err, errlen, errno, "image: start the unpacking process");
	}
	close(to_child[1]);
	to_child[1] = -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 1;
			break;
		}
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		r = -ECANCELED; /* it said why on stderr */
out:
	for (int i = 0; i < 2; i++) {
		if (to_parent[i] >= 0)
			close(to_parent[i]);
		if (to_child[i] >= 0)
			close(to_child[i]);
	}
	return r;
}

int imagecache_rm_rf(int parent, const char *name)
{
	struct stat st;
	int fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A directory the layer made unreadable (0000) is still ours to empty. */
	(void)fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int e = imagecache_rm_rf(dirfd(d), de->d_name);
		if (e < 0 && r == 0)
			r = e;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

void imagecache_key(const char *ref, char out[65])
{
	imagefast_key(ref, out);
}

int imagecache_record_read(int cachefd, const char *key, struct image_record *rec)
{
	char path[128], line[4200];
	_cleanup_fclose_ FILE *f = NULL;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "images/%s", key);
	fd = openat(cachefd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -errno;
	}
	memset(rec, 0, sizeof(*rec));
	if (fstat(fd, &st) == 0)
		rec->mtime = st.st_mtime;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ref ", 4) == 0)
			snprintf(rec->ref, sizeof(rec->ref), "%.4699s", line + 4);
		else if (strncmp(line, "manifest ", 9) == 0 && image_digest_valid(line + 9))
			snprintf(rec->manifest, sizeof(rec->manifest), "%.71s", line + 9);
		else if (strncmp(line, "archive ", 8) == 0 && strlen(line + 8) == 64)
			snprintf(rec->archive, sizeof(rec->archive), "%.64s", line + 8);
		else if (strncmp(line, "layer ", 6) == 0 && image_digest_valid(line + 6) &&
			 rec->nlayers < IMAGE_MAX_LAYERS)
			snprintf(rec->layers[rec->nlayers++], sizeof(rec->layers[0]), "%.71s", line + 6);
	}
	return rec->ref[0] ? 0 : -EINVAL;
}

int imagecache_record_write(int cachefd, const char *key, const struct image_record *rec)
{
	char path[128], tmp[160];
	_cleanup_fclose_ FILE *f = NULL;
	int fd;

	snprintf(path, sizeof(path), "images/%s", key);
	snprintf(tmp, sizeof(tmp), "images/.tmp-%s-%d", key, (int)getpid());
	fd = openat(cachefd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "we");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "ref %s\nmanifest %s\n", rec->ref, rec->manifest);
	if (rec->archive[0])
		fprintf(f, "archive %s\n", rec->archive);
	for (size_t i = 0; i < rec->nlayers; i++)
		fprintf(f, "layer %s\n", rec->layers[i]);
	if (fflush(f) != 0 || ferror(f)) {
		int e = errno ? errno : EIO;
		unlinkat(cachefd, tmp, 0);
		return -e;
	}
	if (renameat(cachefd, tmp, cachefd, path) < 0) {
		int e = errno;
		unlinkat(cachefd, tmp, 0);
		return -e;
	}
	return 0;
}
