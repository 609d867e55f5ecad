/* mount.c: the filesystem of the sandbox, built with the new mount API (fsopen, fsmount,
 * open_tree, move_mount, mount_setattr; Linux >= 5.12). Every destination is opened with
 * openat2(RESOLVE_IN_ROOT) relative to the new root, so no symlink of an untrusted rootfs can
 * make a mount land outside it; the mounts are then attached to those file descriptors. */
#include "config.h"

#include "mount.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "copytree.h"
#include "etcfiles.h"
#include "log.h"
#include "marks.h"
#include "util.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The journal of the mount points made in the rootfs on disk while the steps run (marks.h), or
 * -1 (no journal, or the root is an overlay or the host's: nothing made there stays). */
static int marks_journal = -1;

int mount_open_in_root(int rootfd, const char *path, bool create, bool as_file)
{
	char parent[4096];
	const char *name;
	_cleanup_close_ int pfd = -1;
	int fd, r;

	fd = openat2_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || fd != -ENOENT || !create)
		return fd;
	name = strrchr(path, '/');
	if (!name || name[1] == '\0' || (size_t)(name - path) >= sizeof(parent))
		return -EINVAL;
	memcpy(parent, path, (size_t)(name - path));
	parent[name - path] = '\0';
	name++;
	pfd = mount_open_in_root(rootfd, parent[0] ? parent : "/", true, false);
	if (pfd < 0)
		return pfd;
	/* Recorded before it exists: a crash never leaves a mark the journal does not know. */
	off_t undo = marks_record(marks_journal, rootfd, pfd, name, as_file ? 'f' : 'd');
	/* Both refuse to follow a symlink in the last component: a dangling link stays EEXIST. */
	if (as_file) {
		r = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
		if (r >= 0)
			close(r);
	} else {
		r = mkdirat(pfd, name, 0755);
	}
	if (r < 0) {
		int e = errno;
		marks_undo(marks_journal, undo); /* not made by us: never to be removed */
		if (e != EEXIST)
			return -e;
	}
	return openat2_in_root(rootfd, path, O_PATH);
}

static int attach(int mntfd, int targetfd)
{
	if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* A new filesystem as a detached mount. opts: NULL-terminated key/value pairs. The kernel's
 * own message (fsopen's log) is added to err when it says more than errno. */
static int new_fs(const char *type, const char *const *opts, unsigned attrs, char *err, size_t errlen)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	int mnt;

	if (fs < 0)
		return err_set(err, errlen, errno, "fsopen %s", type);
	for (; opts && opts[0]; opts += 2)
		if (fsconfig(fs, opts[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opts[0], opts[1], 0) < 0)
			goto fscfg;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fscfg;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return err_set(err, errlen, errno, "fsmount %s", type);
	return mnt;
fscfg:;
	int e = errno;
	char log[256];
	ssize_t n = read(fs, log, sizeof(log) - 1);
	if (n > 0) {
		log[n] = '\0';
		log[strcspn(log, "\n")] = '\0';
		return err_set(err, errlen, e, "%s (%s)", type, log);
	}
	return err_set(err, errlen, e, "%s", type);
}

static int mount_new_fs_at(int rootfd, const char *dst, const char *type, const char *const *opts,
			   unsigned attrs, char *err, size_t errlen)
{
	_cleanup_close_ int target = mount_open_in_root(rootfd, dst, true, false);
	_cleanup_close_ int mnt = -1;

	if (target < 0)
		return err_set(err, errlen, -target, "mount %s: destination", dst);
	mnt = new_fs(type, opts, attrs, err, errlen);
	if (mnt < 0)
		return err_prefix(err, errlen, mnt, "mount %s: ", dst);
	if (attach(mnt, target) < 0)
		return err_set(err, errlen, errno, "mount %s: attach %s", dst, type);
	return 0;
}

static int set_attr(int mntfd, unsigned long long attr_set, bool recursive)
{
	struct mount_attr attr = { .attr_set = attr_set };

	if (mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

static int make_readonly(int mntfd, bool recursive)
{
	return set_attr(mntfd, MOUNT_ATTR_RDONLY, recursive);
}

/* Clone the tree at path (host side, or relative to dirfd). */
static int clone_tree(int dirfd, const char *path, bool recursive)
{
	int fd = open_tree(dirfd, path,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
				   (path[0] ? 0 : AT_EMPTY_PATH));
	return fd < 0 ? -errno : fd;
}

static int step_proc(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	return mount_new_fs_at(rootfd, s->dst, "proc", NULL,
			       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err, errlen);
}

static int step_sys(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	_cleanup_close_ int target = -1, tree = -1;
	char ignored[256];

	/* A new sysfs needs a network namespace of our own; with --net host, bind the host's. */
	if (mount_new_fs_at(rootfd, s->dst, "sysfs", NULL,
			    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, ignored,
			    sizeof(ignored)) == 0)
		return 0;
	target = mount_open_in_root(rootfd, s->dst, true, false);
	if (target < 0)
		return err_set(err, errlen, -target, "mount %s: destination", s->dst);
	tree = clone_tree(AT_FDCWD, "/sys", true);
	if (tree < 0)
		return err_set(err, errlen, -tree, "mount %s: clone the host's /sys", s->dst);
	if (make_readonly(tree, true) < 0)
		return err_set(err, errlen, errno, "mount %s: read-only", s->dst);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "mount %s: attach", s->dst);
	return 0;
}

/* The sandbox's own cgroup: a cgroup2 mount made in its cgroup namespace has that namespace's
 * root as its root. Only where the host has cgroup v2 at all: elsewhere /sys/fs/cgroup stays
 * the empty directory of the new sysfs. */
static int step_cgroup(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	_cleanup_close_ int target = -1, mnt = -1;
	unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (s->writable ? 0 : MOUNT_ATTR_RDONLY);

	if (!cgroup_host_has_v2()) {
		debug("mount: no cgroup v2 on this host, %s stays as it is", s->dst);
		return 0;
	}
	target = openat2_in_root(rootfd, s->dst, O_PATH | O_DIRECTORY);
	if (target == -ENOENT && s->optional)
		return 0;
	if (target < 0)
		return err_set(err, errlen, -target, "mount %s: destination", s->dst);
	mnt = new_fs("cgroup2", NULL, attrs, err, errlen);
	if (mnt < 0) {
		err_prefix(err, errlen, mnt, "mount %s: ", s->dst);
		return err_append(err, errlen, mnt, " (--cgroupfs none does without it)");
	}
	if (attach(mnt, target) < 0)
		return err_set(err, errlen, errno, "mount %s: attach cgroup2", s->dst);
	return 0;
}

/* A device node of the image in a tmpcopyup tmpfs: what rootless runtimes do where mknod is
 * refused, the source's node bound onto the copy's empty file, once the tmpfs is attached (a
 * detached tree takes no mounts before Linux 6.15). Both ends are opened beneath their tops,
 * without following a symlink, and must still be the node the copy saw and that empty file: the
 * bind shows nothing that the image's own path did not (the source mount's nodev holds). */
static int copyup_bind_device(int srcdir, int top, const char *dst, const struct copytree_node *n, char *err,
			      size_t errlen)
{
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int src = (int)syscall(SYS_openat2, srcdir, n->path, &how, sizeof(how));
	_cleanup_close_ int target = -1, tree = -1;
	struct stat st;

	if (src < 0 || fstat(src, &st) < 0)
		return err_set(err, errlen, errno, "mount %s: tmpcopyup /%s: open the device node", dst, n->path);
	if (!(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) || st.st_dev != n->dev || st.st_ino != n->ino ||
	    st.st_rdev != n->rdev)
		return err_set(err, errlen, -ESTALE, "mount %s: tmpcopyup /%s: the device node changed during the copy", dst,
			       n->path);
	target = (int)syscall(SYS_openat2, top, n->path, &how, sizeof(how));
	if (target < 0 || fstat(target, &st) < 0)
		return err_set(err, errlen, errno, "mount %s: tmpcopyup /%s: open the copy", dst, n->path);
	if (!S_ISREG(st.st_mode) || st.st_size != 0)
		return err_set(err, errlen, -ESTALE, "mount %s: tmpcopyup /%s: the copy changed", dst, n->path);
	tree = clone_tree(src, "", false);
	if (tree < 0)
		return err_set(err, errlen, -tree, "mount %s: tmpcopyup /%s: clone the device node", dst, n->path);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "mount %s: tmpcopyup /%s: bind the device node", dst, n->path);
	return 0;
}

/* tmpcopyup: the new tmpfs is filled with the directory's content, and takes its owner and
 * (unless the mount gave a mode) its mode, before it is attached: nothing sees it half full
 * (but for device nodes, bound on after). */
static int tmpfs_copyup(int rootfd, const struct mstep *s, const char *const *opts, char *err, size_t errlen)
{
	_cleanup_close_ int target = mount_open_in_root(rootfd, s->dst, true, false);
	_cleanup_close_ int dir = -1, mnt = -1, top = -1;
	struct copytree_nodes devices = { 0 };
	struct stat st;
	int r;

	if (target < 0)
		return err_set(err, errlen, -target, "mount %s: destination", s->dst);
	dir = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0)
		return err_set(err, errlen, errno, "mount %s: tmpcopyup: open the directory", s->dst);
	mnt = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err, errlen);
	if (mnt < 0)
		return err_prefix(err, errlen, mnt, "mount %s: ", s->dst);
	/* fsmount's fd is O_PATH: the copy needs a readable one of the new root. */
	top = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return err_set(err, errlen, errno, "mount %s: tmpcopyup: open the tmpfs", s->dst);
	r = copytree(dir, top, &devices, err, errlen);
	if (r < 0) {
		err_prefix(err, errlen, r, "mount %s: ", s->dst);
		goto out;
	}
	/* EINVAL: an owner not mapped here; the tmpfs keeps ours, as copytree's files do. */
	if ((fchown(top, st.st_uid, st.st_gid) < 0 && errno != EINVAL) ||
	    (!s->mode && fchmod(top, st.st_mode & 07777) < 0)) {
		r = err_set(err, errlen, errno, "mount %s: tmpcopyup: owner and mode", s->dst);
		goto out;
	}
	if (attach(mnt, target) < 0) {
		r = err_set(err, errlen, errno, "mount %s: attach tmpfs", s->dst);
		goto out;
	}
	for (size_t i = 0; i < devices.n && r == 0; i++)
		r = copyup_bind_device(dir, top, s->dst, &devices.v[i], err, errlen);
out:
	copytree_nodes_free(&devices);
	return r;
}

static int step_tmpfs(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	char size[32], mode[16];
	const char *opts[] = { "mode", mode, "size", size, NULL };

	if (s->optional) {
		struct open_how how = { .flags = O_PATH | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT | (s->unless_symlink ? RESOLVE_NO_SYMLINKS : 0) };
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, s->dst, &how, sizeof(how));
		if (fd < 0 && (errno == ENOENT || (s->unless_symlink && errno == ELOOP))) {
			debug("mount: %s absent%s, skipped", s->dst, s->unless_symlink ? " or a symlink" : "");
			return 0;
		}
	}

	snprintf(mode, sizeof(mode), "%o", s->mode ? s->mode : 0755);
	snprintf(size, sizeof(size), "%llu", s->size);
	if (s->size == 0)
		opts[2] = NULL;
	if (s->copyup)
		return tmpfs_copyup(rootfd, s, opts, err, errlen);
	return mount_new_fs_at(rootfd, s->dst, "tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err, errlen);
}

/* The device nodes of the contract, bound from the host's /dev. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static int dev_bind_node(int devfd, const char *name, char *err, size_t errlen)
{
	char host[64];
	_cleanup_close_ int tree = -1, target = -1;
	int fd;

	fd = openat(devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0)
		return err_set(err, errlen, errno, "mount /dev/%s: create", name);
	close(fd);
	snprintf(host, sizeof(host), "/dev/%s", name);
	tree = clone_tree(AT_FDCWD, host, false);
	if (tree < 0)
		return err_set(err, errlen, -tree, "mount /dev/%s: clone the host's", name);
	target = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return err_set(err, errlen, errno, "mount /dev/%s: open", name);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "mount /dev/%s: attach", name);
	return 0;
}

/* Nesting. A user namespace may mount a new procfs (or sysfs) only where its mount namespace
 * already holds one that is fully visible: no mount over anything in it but empty directories
 * (the kernel's mount_too_revealing). Our /proc has masks over files, and in a nested
 * sandbox's copy of our mounts they are locked, so its procfs would be refused. Under the
 * /dev tmpfs we leave a layer that the real /dev then covers entirely: a read-only tmpfs
 * holding an unmasked procfs (and a sysfs, where we may mount one). Nothing in the sandbox can
 * reach them: taking the /dev mount off needs CAP_SYS_ADMIN in our user namespace, which could
 * mount such a procfs anyway, and in a nested namespace the cover is locked. What they let a
 * nested sandbox do is mount its own procfs for its own pid namespace, masked again. */
/* The layer under /dev while the steps run (-1 outside mount_setup_root): step_etc stages
 * the generated files there. Hidden but linked, they can be mounted over again by a nested
 * sandbox (the kernel refuses a mount on a deleted file). */
static int nest_layer = -1;

static int dev_shadow_layer(int rootfd, const char *dst, char *err, size_t errlen)
{
	static const char *const opts[] = { "mode", "0755", "size", "64k", "nr_inodes", "16", NULL };
	const unsigned hidden = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	_cleanup_close_ int layer = -1;
	char path[PATH_MAX], ignored[256];
	int r;

	layer = new_fs("tmpfs", opts, hidden, err, errlen);
	if (layer < 0)
		return layer;
	if (mkdirat(layer, "proc", 0555) < 0 || mkdirat(layer, "sys", 0555) < 0)
		return err_set(err, errlen, errno, "mount %s: the nesting layer's directories", dst);
	_cleanup_close_ int target = mount_open_in_root(rootfd, dst, true, false);
	if (target < 0)
		return err_set(err, errlen, -target, "mount %s: destination", dst);
	if (attach(layer, target) < 0)
		return err_set(err, errlen, errno, "mount %s: attach the nesting layer", dst);
	/* A new procfs needs a pid namespace our user namespace owns: an OCI container without a
	 * pid namespace (podman --pid=host) has the host's /proc bound instead, and no nesting. */
	snprintf(path, sizeof(path), "%s/proc", dst);
	r = mount_new_fs_at(rootfd, path, "proc", NULL, hidden, ignored, sizeof(ignored));
	if (r < 0)
		debug("%s", ignored);
	/* A new sysfs needs a network namespace of our own: none with --net host. */
	snprintf(path, sizeof(path), "%s/sys", dst);
	(void)mount_new_fs_at(rootfd, path, "sysfs", NULL, hidden, ignored, sizeof(ignored));
	if (nest_layer >= 0)
		close(nest_layer);
	nest_layer = steal_fd(&layer);
	return 0;
}

static int step_dev(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },		 { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },	 { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	static const char *const dev_opts[] = { "mode", "0755", "size", "1m", "nr_inodes", "1024", NULL };
	static const char *const pts_opts[] = { "newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL };
	char shm_size[32];
	const char *shm_opts[] = { "mode", "1777", "size", shm_size, NULL };
	_cleanup_close_ int devfd = -1;
	int r;

	r = dev_shadow_layer(rootfd, s->dst, err, errlen);
	if (r < 0)
		return r;
	r = mount_new_fs_at(rootfd, s->dst, "tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err, errlen);
	if (r < 0)
		return r;
	devfd = openat2_in_root(rootfd, s->dst, O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return err_set(err, errlen, -devfd, "mount %s: reopen", s->dst);
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		r = dev_bind_node(devfd, dev_nodes[i], err, errlen);
		if (r < 0)
			return r;
	}
	if (mkdirat(devfd, "pts", 0755) < 0 || mkdirat(devfd, "shm", 01777) < 0)
		return err_set(err, errlen, errno, "mount /dev: mkdir pts, shm");
	r = mount_new_fs_at(rootfd, "/dev/pts", "devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err,
			    errlen);
	if (r < 0)
		return r;
	snprintf(shm_size, sizeof(shm_size), "%llu", s->size);
	r = mount_new_fs_at(rootfd, "/dev/shm", "tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err,
			    errlen);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][1], devfd, links[i][0]) < 0)
			return err_set(err, errlen, errno, "mount /dev: symlink %s", links[i][0]);
	return 0;
}

static int step_mask(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	_cleanup_close_ int target = openat2_in_root(rootfd, s->dst, O_PATH | O_NOFOLLOW);
	_cleanup_close_ int mnt = -1;
	struct stat st;

	if (target == -ENOENT && s->optional)
		return 0;
	if (target < 0)
		return err_set(err, errlen, -target, "mask %s", s->dst);
	if (fstat(target, &st) < 0)
		return err_set(err, errlen, errno, "mask %s: stat", s->dst);
	if (S_ISDIR(st.st_mode)) {
		static const char *const opts[] = { "mode", "0555", "size", "4k", NULL };
		mnt = new_fs("tmpfs", opts, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
			     err, errlen);
	} else {
		/* The sandbox's own /dev/null, bound there already. */
		mnt = clone_tree(rootfd, "dev/null", false);
		if (mnt < 0)
			return err_set(err, errlen, -mnt, "mask %s: clone /dev/null", s->dst);
	}
	if (mnt < 0)
		return mnt;
	if (attach(mnt, target) < 0)
		return err_set(err, errlen, errno, "mask %s: attach", s->dst);
	return 0;
}

static int step_ro_path(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	_cleanup_close_ int target = openat2_in_root(rootfd, s->dst, O_PATH | O_NOFOLLOW);
	_cleanup_close_ int tree = -1;

	if (target == -ENOENT && s->optional)
		return 0;
	if (target < 0)
		return err_set(err, errlen, -target, "read-only %s", s->dst);
	tree = clone_tree(target, "", true);
	if (tree < 0)
		return err_set(err, errlen, -tree, "read-only %s: clone", s->dst);
	if (make_readonly(tree, true) < 0)
		return err_set(err, errlen, errno, "read-only %s", s->dst);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "read-only %s: attach", s->dst);
	return 0;
}

static int step_bind(int rootfd, const struct mstep *s, int srcfd, char *err, size_t errlen)
{
	_cleanup_close_ int target = -1;
	struct stat st;

	if (fstat(srcfd, &st) < 0)
		return err_set(err, errlen, errno, "bind %s: stat", s->src);
	target = mount_open_in_root(rootfd, s->dst, true, !S_ISDIR(st.st_mode));
	if (target < 0)
		return err_set(err, errlen, -target, "bind %s: destination %s", s->src, s->dst);
	if (s->kind == MSTEP_RO_BIND && make_readonly(srcfd, true) < 0)
		return err_set(err, errlen, errno, "bind %s: read-only", s->src);
	/* As bwrap: device nodes work only through --dev-bind. */
	if (s->kind != MSTEP_DEV_BIND && set_attr(srcfd, MOUNT_ATTR_NODEV, true) < 0)
		return err_set(err, errlen, errno, "bind %s: nodev", s->src);
	if (attach(srcfd, target) < 0)
		return err_set(err, errlen, errno, "bind %s on %s", s->src, s->dst);
	return 0;
}

/* Generated files are written into a staging tmpfs no path reaches (the layer under /dev, see
 * dev_shadow_layer, or a --file's own) and bound over their destination: nothing of them is left
 * in /dev or the rootfs. target: the destination, opened; what: the step, for errors. */
static int bind_text(int staging, int target, const char *what, const char *text, size_t len, char *err,
		     size_t errlen)
{
	static unsigned counter;
	_cleanup_close_ int fd = -1, tree = -1;
	char name[64];

	snprintf(name, sizeof(name), "text-%u", counter++);
	fd = openat(staging, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write_all(fd, text, len) < 0)
		return err_set(err, errlen, errno, "%s: write", what);
	tree = clone_tree(staging, name, false);
	if (tree < 0)
		return err_set(err, errlen, -tree, "%s: clone", what);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "%s: attach", what);
	return 0;
}

static int step_etc(int rootfd, const struct mstep *s, const struct mountplan *plan, char *err, size_t errlen)
{
	_cleanup_close_ int target = openat2_in_root(rootfd, s->dst, O_PATH);
	char text[16384], what[64];
	int len;

	if (target == -ENOENT || target == -ENOTDIR)
		return 0;
	snprintf(what, sizeof(what), "generate %s", s->dst);
	if (target < 0)
		return err_set(err, errlen, -target, "%s", what);
	len = etcfiles_text(s->etc, plan, text, sizeof(text));
	if (len < 0)
		return err_set(err, errlen, -len, "%s", what);
	if (nest_layer < 0)
		return err_set(err, errlen, EBADF, "%s: no staging layer", what);
	return bind_text(nest_layer, target, what, text, (size_t)len, err, errlen);
}

/* --file: the bytes as a new file at dst, the rootfs's own file (if any) untouched below it. */
static int step_file(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	/* Its own tmpfs: the nesting layer is small, and a --file can be as large as the user likes. */
	static const char *const opts[] = { "mode", "0755", "nr_inodes", "2", NULL };
	_cleanup_close_ int target = mount_open_in_root(rootfd, s->dst, true, true);
	_cleanup_close_ int staging = -1;
	char what[4200];

	snprintf(what, sizeof(what), "--file %s", s->dst);
	if (target < 0)
		return err_set(err, errlen, -target, "%s: destination", what);
	staging = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err, errlen);
	if (staging < 0)
		return staging;
	return bind_text(staging, target, what, s->data ? s->data : "", s->len, err, errlen);
}

static int step_dir(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	int fd = mount_open_in_root(rootfd, s->dst, true, false);

	if (fd < 0)
		return err_set(err, errlen, -fd, "--dir %s", s->dst);
	close(fd);
	return 0;
}

static int step_symlink(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	char parent[4096], target[4096];
	const char *name = strrchr(s->dst, '/');
	_cleanup_close_ int pfd = -1;
	ssize_t n;

	if (!name || name[1] == '\0' || (size_t)(name - s->dst) >= sizeof(parent))
		return err_set(err, errlen, -EINVAL, "--symlink %s: not a path for a link", s->dst);
	memcpy(parent, s->dst, (size_t)(name - s->dst));
	parent[name - s->dst] = '\0';
	pfd = mount_open_in_root(rootfd, parent[0] ? parent : "/", true, false);
	if (pfd < 0)
		return err_set(err, errlen, -pfd, "--symlink %s: parent directory", s->dst);
	off_t undo = marks_record(marks_journal, rootfd, pfd, name + 1, 'l');
	if (symlinkat(s->src, pfd, name + 1) == 0)
		return 0;
	marks_undo(marks_journal, undo);
	if (errno != EEXIST)
		return err_set(err, errlen, errno, "--symlink %s", s->dst);
	/* Already there with the same target (bwrap's rule): nothing to do. */
	n = readlinkat(pfd, name + 1, target, sizeof(target) - 1);
	if (n >= 0 && (size_t)n == strlen(s->src) && memcmp(target, s->src, (size_t)n) == 0)
		return 0;
	return err_set(err, errlen, EEXIST, "--symlink %s", s->dst);
}

static int step_chmod(int rootfd, const struct mstep *s, char *err, size_t errlen)
{
	_cleanup_close_ int fd = openat2_in_root(rootfd, s->dst, O_PATH);
	char path[64];

	if (fd < 0)
		return err_set(err, errlen, -fd, "--chmod %s", s->dst);
	/* An O_PATH fd takes no fchmod; its /proc link does, and it cannot leave the root. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (chmod(path, (mode_t)s->mode) < 0)
		return err_set(err, errlen, errno, "--chmod %s", s->dst);
	return 0;
}

static int run_step(int rootfd, const struct mstep *s, int srcfd, const struct mountplan *plan, char *err,
		    size_t errlen)
{
	debug("mount: step %d at %s", (int)s->kind, s->dst);
	switch (s->kind) {
	case MSTEP_PROC:
		return step_proc(rootfd, s, err, errlen);
	case MSTEP_DEV:
		return step_dev(rootfd, s, err, errlen);
	case MSTEP_SYS:
		return step_sys(rootfd, s, err, errlen);
	case MSTEP_CGROUP:
		return step_cgroup(rootfd, s, err, errlen);
	case MSTEP_MASK:
		return step_mask(rootfd, s, err, errlen);
	case MSTEP_RO_PATH:
		return step_ro_path(rootfd, s, err, errlen);
	case MSTEP_TMPFS:
		return step_tmpfs(rootfd, s, err, errlen);
	case MSTEP_BIND:
	case MSTEP_RO_BIND:
	case MSTEP_DEV_BIND:
		if (srcfd < 0 && s->try_src)
			return 0; /* --bind-try of a missing source */
		return step_bind(rootfd, s, srcfd, err, errlen);
	case MSTEP_MQUEUE:
		return mount_new_fs_at(rootfd, s->dst, "mqueue", NULL,
				       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err, errlen);
	case MSTEP_ETC:
		return step_etc(rootfd, s, plan, err, errlen);
	case MSTEP_FILE:
		return step_file(rootfd, s, err, errlen);
	case MSTEP_DIR:
		return step_dir(rootfd, s, err, errlen);
	case MSTEP_SYMLINK:
		return step_symlink(rootfd, s, err, errlen);
	case MSTEP_CHMOD:
		return step_chmod(rootfd, s, err, errlen);
	}
	return err_set(err, errlen, EINVAL, "mount %s: unknown step", s->dst);
}

/* The lower layers as "/proc/self/fd/N:..." (overlayfs takes the top one first): the rootfs,
 * or an image's layers. The fds stay open in lowers until the mount is made. */
static int open_lowers(const struct mountplan *plan, int *lowers, char *spec, size_t speclen, char *err,
		       size_t errlen)
{
	size_t n = plan->nimage_layers ? plan->nimage_layers : 1, used = 0;

	spec[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *dir = plan->nimage_layers ? plan->image_layers[n - 1 - i] : plan->rootfs;
		lowers[i] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (lowers[i] < 0)
			return err_set(err, errlen, errno, "--overlay: open %s", dir);
		int w = snprintf(spec + used, speclen - used, "%s/proc/self/fd/%d", i ? ":" : "", lowers[i]);
		if (w < 0 || (size_t)w >= speclen - used)
			return err_set(err, errlen, -E2BIG, "overlay: too many layers");
		used += (size_t)w;
	}
	return 0;
}

/* The overlay over lowerspec, its upper and work directories in a new private tmpfs. */
static int overlay_mount(const struct mountplan *plan, const char *lowerspec, char *err, size_t errlen)
{
	char size[32], path[64];
	const char *tmp_opts[] = { "mode", "0755", "size", size, NULL };
	_cleanup_close_ int tmp = -1, upper = -1, work = -1, fs = -1;
	int mnt;

	snprintf(size, sizeof(size), "%llu", plan->overlay_size);
	tmp = new_fs("tmpfs", tmp_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err, errlen);
	if (tmp < 0)
		return tmp;
	if (mkdirat(tmp, "upper", 0755) < 0 || mkdirat(tmp, "work", 0755) < 0)
		return err_set(err, errlen, errno, "--overlay: upper and work directories");
	upper = openat(tmp, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
	work = openat(tmp, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (upper < 0 || work < 0)
		return err_set(err, errlen, errno, "--overlay: open upper and work");
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_set(err, errlen, errno, "--overlay: this kernel has no overlayfs (try without --overlay)");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lowerspec, 0) < 0)
		goto refused;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", upper);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", path, 0) < 0)
		goto refused;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", work);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "workdir", path, 0) < 0)
		goto refused;
	/* Unprivileged overlayfs keeps its metadata in user.* xattrs (Linux >= 5.11). */
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto refused;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		goto refused;
	return mnt;
refused:;
	int e = errno;
	char log[200] = "";
	ssize_t n = read(fs, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = '\0';
	log[strcspn(log, "\n")] = '\0';
	return err_set(err, errlen, e,
		    "--overlay: the kernel refused an overlay on %s%s%s%s (unprivileged overlayfs needs "
		    "Linux >= 5.11 and a rootfs on a filesystem it supports; try --ro, or copy the rootfs)",
		    plan->rootfs, log[0] ? " (" : "", log, log[0] ? ")" : "");
}

/* --overlay: the rootfs (or an image's layers) as the lower layers of an overlayfs whose upper and work directories
 * live in a tmpfs that nothing but this mount holds: it goes away with the mount namespace,
 * also after a crash, and the rootfs on disk is never written. The layers are named by
 * /proc/self/fd paths, so no path of the host or the rootfs is looked up twice. */
static int overlay_tree(const struct mountplan *plan, char *err, size_t errlen)
{
	char lowerspec[4096];
	size_t n = plan->nimage_layers ? plan->nimage_layers : 1;
	_cleanup_free_ int *lowers = malloc(n * sizeof(*lowers));
	int r;

	if (!lowers)
		return err_set(err, errlen, ENOMEM, "--overlay");
	for (size_t i = 0; i < n; i++)
		lowers[i] = -1;
	r = open_lowers(plan, lowers, lowerspec, sizeof(lowerspec), err, errlen);
	if (r == 0)
		r = overlay_mount(plan, lowerspec, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (lowers[i] >= 0)
			close(lowers[i]);
	return r;
}

/* Whether a mount point the plan needs is missing in the rootfs on disk. */
static bool mount_points_missing(const struct mountplan *plan)
{
	_cleanup_close_ int dir = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return false; /* attach_root reports it */
	for (size_t i = 0; i < plan->n; i++) {
		if (!plan->steps[i].create)
			continue;
		int fd = mount_open_in_root(dir, plan->steps[i].dst, false, false);
		if (fd == -ENOENT)
			return true;
		if (fd >= 0)
			close(fd);
	}
	return false;
}

/* The new root as an attached mount: a clone of the rootfs on top of itself (or an overlay over
 * it), or of the host's root, read-only, on a private /tmp of this mount namespace. */
static int attach_root(const struct mountplan *plan, bool shield, char *err, size_t errlen)
{
	_cleanup_close_ int tree = -1, target = -1;

	if (plan->overlay || shield) {
		tree = overlay_tree(plan, err, errlen);
		if (tree < 0)
			return tree;
	} else {
		tree = clone_tree(AT_FDCWD, plan->host_mode ? "/" : plan->rootfs, true);
	}
	if (tree < 0)
		return err_set(err, errlen, -tree, "rootfs %s: clone", plan->rootfs);
	if (plan->host_mode && make_readonly(tree, true) < 0)
		return err_set(err, errlen, errno, "host mode: make the host's root read-only");
	target = open(plan->host_mode ? "/tmp" : plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (target < 0)
		return err_set(err, errlen, errno, "rootfs %s: open", plan->rootfs);
	if (attach(tree, target) < 0)
		return err_set(err, errlen, errno, "rootfs %s: attach", plan->rootfs);
	/* After move_mount the tree's fd refers to the attached root. */
	return steal_fd(&tree);
}

static int pivot(int rootfd, char *err, size_t errlen)
{
	if (fchdir(rootfd) < 0)
		return err_set(err, errlen, errno, "pivot_root: enter the new root");
	return pivot_root_here(err, errlen);
}

int mount_setup_root(const struct mountplan *plan, char *err, size_t errlen)
{
	_cleanup_free_ int *srcfds = calloc(plan->n ? plan->n : 1, sizeof(*srcfds));
	_cleanup_close_ int rootfd = -1;
	int r = 0;

	if (!srcfds)
		return err_set(err, errlen, ENOMEM, "mount plan");
	for (size_t i = 0; i < plan->n; i++)
		srcfds[i] = -1;
	/* Nothing mounted in here may propagate to the host, nor the host's mounts in here. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(err, errlen, errno, "mount: make / private");
	/* Bind sources are host paths: open them all before anything covers the host's tree. */
	for (size_t i = 0; i < plan->n; i++) {
		const struct mstep *s = &plan->steps[i];
		if (s->kind != MSTEP_BIND && s->kind != MSTEP_RO_BIND && s->kind != MSTEP_DEV_BIND)
			continue;
		srcfds[i] = clone_tree(AT_FDCWD, s->src, true);
		if (srcfds[i] == -ENOENT && s->try_src) {
			debug("bind source %s is missing: skipped", s->src);
			srcfds[i] = -1;
			continue;
		}
		if (srcfds[i] < 0) {
			r = err_set(err, errlen, -srcfds[i], "bind source %s", s->src);
			goto out;
		}
	}
	/* --ro promises that nothing is written to the rootfs: when it lacks a mount point, the
	 * mount points are made in the upper layer of an overlay (a private tmpfs), which is then
	 * made read-only with the rest. */
	bool shield = plan->ro && !plan->host_mode && (plan->nimage_layers || mount_points_missing(plan));
	rootfd = attach_root(plan, shield, err, errlen);
	if (rootfd < 0) {
		r = rootfd;
		goto out;
	}
	/* Only a rootfs written in place keeps what is made in it. */
	if (!plan->host_mode && !plan->overlay && !shield && !plan->nimage_layers)
		marks_journal = plan->marks_fd;
	if (plan->ro) {
		/* The mount points first, while the root can still take them (only the system
		 * ones on a plain rootfs; every one in a shield's upper layer). */
		for (size_t i = 0; i < plan->n; i++) {
			const struct mstep *s = &plan->steps[i];
			if ((shield && s->create) || s->system) {
				struct stat st;
				bool as_file = s->kind == MSTEP_FILE ||
					       (srcfds[i] >= 0 && fstat(srcfds[i], &st) == 0 && !S_ISDIR(st.st_mode));
				int fd = mount_open_in_root(rootfd, s->dst, true, as_file);
				if (fd < 0) {
					r = err_set(err, errlen, -fd, "mount %s: destination", s->dst);
					goto out;
				}
				close(fd);
			}
		}
		if (make_readonly(rootfd, true) < 0) {
			r = err_set(err, errlen, errno, "--ro: make the rootfs read-only");
			goto out;
		}
	}
	for (size_t i = 0; i < plan->n; i++) {
		r = run_step(rootfd, &plan->steps[i], srcfds[i], plan, err, errlen);
		if (r < 0)
			goto out;
	}
	if (nest_layer >= 0 && make_readonly(nest_layer, false) < 0) {
		r = err_set(err, errlen, errno, "mount /dev: the nesting layer read-only");
		goto out;
	}
	if (plan->before_pivot) {
		r = plan->before_pivot(plan->before_pivot_data, err, errlen);
		if (r < 0)
			goto out;
	}
	r = pivot(rootfd, err, errlen);
out:
	if (nest_layer >= 0)
		close(nest_layer);
	nest_layer = -1;
	marks_journal = -1;
	/* The child's copy: the supervisor holds the journal (and its lock) on its own. */
	if (plan->marks_fd >= 0)
		close(plan->marks_fd);
	for (size_t i = 0; i < plan->n; i++)
		if (srcfds[i] >= 0)
			close(srcfds[i]);
	return r;
}
