/* doctor.c: `sandbox doctor` (see doctor.h). */
#include "config.h"

#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup.h"
#include "subid.h"
#include "util.h"

#define SET(buf, ...) snprintf((buf), sizeof(buf), __VA_ARGS__)

static void verdict(struct doctor_check *c, const char *what, enum doctor_level level)
{
	c->what = what;
	c->level = level;
	c->detail[0] = c->fix[0] = '\0';
}

/* A sysctl's text as a number; -1 when absent or not a number. */
static long sysctl_num(const char *text)
{
	char *end;
	long v;

	if (!text)
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	return errno || end == text ? -1 : v;
}

/* Inside a sandbox, a fix that is the host's (a sysctl, a package, /etc/subuid) is said to be
 * made outside: the sandbox's /proc/sys and /etc are not the host's to change. */
static void fix_on_host(struct doctor_check *c, bool nested)
{
	char host[sizeof(c->fix)];

	if (!nested || !c->fix[0])
		return;
	SET(host, "%s", c->fix);
	SET(c->fix, "on the host, outside any sandbox: %.280s", host);
}

void doctor_userns(struct doctor_check *c, bool nested, int probe_err, const char *max_user_ns,
		   const char *unpriv_clone, const char *apparmor_restrict)
{
	verdict(c, "user namespaces", probe_err ? DOCTOR_FAIL : DOCTOR_OK);
	if (!probe_err) {
		SET(c->detail, "an unprivileged user can create one, with capabilities in it");
		return;
	}
	SET(c->detail, "cannot create one: %s", strerror(probe_err));
	if (nested) {
		/* The sysctls seen here are the outer sandbox's share; what forbids it is outside. */
		SET(c->fix, "the outer sandbox or container must allow nested user namespaces (a sandbox of "
			    "ours does; a container runtime's default seccomp profile may not), and the host's "
			    "user.max_user_namespaces leaves room for them");
		return;
	}
	if (sysctl_num(max_user_ns) == 0)
		SET(c->fix, "sudo sysctl -w user.max_user_namespaces=15000");
	else if (sysctl_num(unpriv_clone) == 0)
		SET(c->fix, "sudo sysctl -w kernel.unprivileged_userns_clone=1");
	else if (sysctl_num(apparmor_restrict) == 1)
		SET(c->fix, "install the AppArmor profile (make install puts contrib/apparmor/sandbox.in in "
			    "/etc/apparmor.d/sandbox), then sudo apparmor_parser -r /etc/apparmor.d/sandbox");
	else
		SET(c->fix, "check user.max_user_namespaces and the security modules (a container may forbid "
			    "nested user namespaces)");
}

void doctor_idmap_helper(struct doctor_check *c, bool nested, const char *name, const char *path,
			 const struct stat *st, bool has_fcaps)
{
	verdict(c, name, DOCTOR_OK);
	if (nested) {
		/* Whatever its mode: exec under no_new_privs grants no setuid nor file capability. */
		c->level = DOCTOR_WARN;
		SET(c->detail, "%s cannot work under no_new_privs (inside a sandbox): only your own id is "
			       "mapped", path ? path : "not found, and");
		SET(c->fix, "none inside a sandbox: the single mapping (--map self) is what works here; "
			    "the full range needs a sandbox started outside any other");
		return;
	}
	if (!path) {
		c->level = DOCTOR_WARN;
		SET(c->detail, "not found: only your own id is mapped");
		SET(c->fix, "sudo apt-get install uidmap (or your distribution's shadow-utils)");
		return;
	}
	if (st->st_uid == 0 && (st->st_mode & S_ISUID)) {
		SET(c->detail, "%s, setuid root", path);
		return;
	}
	if (has_fcaps) {
		SET(c->detail, "%s, with file capabilities", path);
		return;
	}
	c->level = DOCTOR_WARN;
	SET(c->detail, "%s is neither setuid root nor has file capabilities: only your own id is mapped",
	    path);
	SET(c->fix, "sudo chmod u+s %s (or sudo setcap cap_set%cid+ep %s)", path,
	    strcmp(name, "newgidmap") == 0 ? 'g' : 'u', path);
}

void doctor_subids(struct doctor_check *c, bool nested, const char *subid_file, const char *user,
		   uid_t uid, int which, const char *nsswitch_path)
{
	struct subid_span span;
	const char *kind = which == SUBID_UIDS ? "uid" : "gid";
	_cleanup_fclose_ FILE *ns = fopen(nsswitch_path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	char source[64] = "";

	verdict(c, which == SUBID_UIDS ? "subordinate uids" : "subordinate gids", DOCTOR_OK);
	/* Where they come from: a "subid:" source of nsswitch.conf is asked through libsubid. */
	while (ns && getline(&line, &cap, ns) >= 0) {
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "subid:", 6) == 0) {
			p += 6 + strspn(p + 6, " \t");
			SET(source, " (nsswitch.conf: subid: %.*s)", (int)strcspn(p, " \t\n#"), p);
		}
	}
	if (subid_lookup(subid_file, user, (uint32_t)uid, which, &span) == 0) {
		SET(c->detail, "%s has %u from %u in %s%s%s", user ? user : "you", span.count, span.start,
		    subid_file, source, nested ? " (for sandboxes started outside a sandbox only)" : "");
		return;
	}
	c->level = DOCTOR_WARN;
	SET(c->detail, "none for %s in %s%s: only your own id is mapped (chown inside fails)",
	    user ? user : "your uid", subid_file, source);
	SET(c->fix, "sudo usermod --add-sub%ss 100000-165535 %s", kind, user ? user : "$USER");
	fix_on_host(c, nested);
}

void doctor_tun(struct doctor_check *c, bool nested, int open_err)
{
	verdict(c, "/dev/net/tun", open_err ? DOCTOR_FAIL : DOCTOR_OK);
	if (!open_err) {
		SET(c->detail, "usable: the default network (--net slirp) works");
		return;
	}
	SET(c->detail, "cannot open it: %s: the default network (--net slirp) cannot start",
	    strerror(open_err));
	if (nested)
		SET(c->fix, "give the outer sandbox the device: sandbox --dev-bind /dev/net/tun /dev/net/tun ... "
			    "(docker, podman: --device /dev/net/tun); or run with --net none");
	else if (open_err == ENOENT || open_err == ENODEV || open_err == ENXIO)
		SET(c->fix, "sudo modprobe tun; or run with --net none");
	else if (open_err == EACCES || open_err == EPERM)
		SET(c->fix, "sudo chmod 0666 /dev/net/tun (its usual mode); or run with --net none");
	else
		SET(c->fix, "run with --net none");
}

void doctor_cgroup(struct doctor_check *c, bool nested, const char *self_text, const char *mountinfo_text,
		   int rootfd, uid_t uid)
{
	char self[PATH_MAX], mnt[PATH_MAX], rel[PATH_MAX];
	const char *missing = NULL;

	verdict(c, "cgroup v2", DOCTOR_WARN);
	if (!self_text || !mountinfo_text || cgroup_parse_self(self_text, self, sizeof(self)) < 0 ||
	    cgroup_parse_mountinfo(mountinfo_text, mnt, sizeof(mnt)) < 0 || rootfd < 0) {
		SET(c->detail, "not mounted (a v1 or hybrid host): --memory, --pids and --cpus are unavailable");
		SET(c->fix, "boot with systemd.unified_cgroup_hierarchy=1 (the default of current systemd)");
		fix_on_host(c, nested);
		return;
	}
	if (cgroup_find(rootfd, self, uid, CGROUP_MEMORY | CGROUP_PIDS | CGROUP_CPU, rel, sizeof(rel),
			&missing) == 0) {
		c->level = DOCTOR_OK;
		SET(c->detail, "delegated at %.100s/%.100s with memory, pids and cpu", mnt, rel);
		return;
	}
	SET(c->detail, "no cgroup of yours enables %s: --memory, --pids and --cpus are unavailable",
	    missing ? missing : "the controllers");
	if (nested)
		SET(c->fix, "start the outer sandbox in a delegated scope (systemd-run --user --scope -p "
			    "Delegate=yes sandbox ...) with its cgroup writable: --cgroupfs rw");
	else
		SET(c->fix, "run from a delegated scope: systemd-run --user --scope -p Delegate=yes sandbox ...");
}

void doctor_kernel(struct doctor_check *c, const char *feature, int probe_err)
{
	verdict(c, feature, probe_err == ENOSYS ? DOCTOR_FAIL : DOCTOR_OK);
	if (probe_err != ENOSYS) {
		SET(c->detail, "available");
		return;
	}
	SET(c->detail, "missing from this kernel");
	SET(c->fix, "a Linux kernel 5.12 or newer");
}

void doctor_format(const struct doctor_check *c, char *buf, size_t len)
{
	static const char *const tag[] = { "ok  ", "warn", "FAIL" };

	snprintf(buf, len, "%s  %s: %s%s%s", tag[c->level], c->what, c->detail, c->fix[0] ? "; fix: " : "",
		 c->fix);
}

/* --- gathering the real inputs --- */

/* The first line of a small file, or NULL. */
static char *read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read_all(fd, buf, len - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* In a child: a user namespace, then a mount namespace in it (what Ubuntu's restriction
 * denies even when the first step succeeds). 0 or the errno of the failing step. */
static int probe_userns(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

/* Where execvp would find name, in PATH and the sbin directories. */
static bool find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	SET(dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (snprintf(out, len, "%s/%s", d, name) < (int)len && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static void check_helper(struct doctor_check *c, bool nested, const char *name)
{
	char path[PATH_MAX];
	struct stat st = { 0 };
	bool found = find_in_path(name, path, sizeof(path)) && stat(path, &st) == 0;

	doctor_idmap_helper(c, nested, name, found ? path : NULL, &st,
			    found && getxattr(path, "security.capability", NULL, 0) > 0);
}

static int probe_syscall(long nr, long a, long b, long c2, long d)
{
	long r = syscall(nr, a, b, c2, d);
	int e = r < 0 ? errno : 0;

	if (r >= 0)
		close((int)r);
	return e;
}

int doctor_run(FILE *out)
{
	struct doctor_check c;
	char line[1024], a[64], b[64], d[64];
	char self[4096];
	static char mountinfo[65536];
	bool fail = false;
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	const char *user = pw ? pw->pw_name : NULL;
	/* no_new_privs: inside a sandbox (ours sets it, as container runtimes do). */
	bool nested = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;

#define EMIT()                                              \
	do {                                                \
		doctor_format(&c, line, sizeof(line));       \
		fprintf(out, "%s\n", line);                 \
		fail |= c.level == DOCTOR_FAIL;             \
	} while (0)

	if (nested)
		fprintf(out, "Inside a sandbox (no_new_privs is set): the fixes say what the outer sandbox "
			     "must be given, or what to change on the host.\n");
	doctor_userns(&c, nested, probe_userns(), read_small("/proc/sys/user/max_user_namespaces", a, sizeof(a)),
		      read_small("/proc/sys/kernel/unprivileged_userns_clone", b, sizeof(b)),
		      read_small("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", d, sizeof(d)));
	EMIT();
	check_helper(&c, nested, "newuidmap");
	EMIT();
	check_helper(&c, nested, "newgidmap");
	EMIT();
	doctor_subids(&c, nested, "/etc/subuid", user, uid, SUBID_UIDS, "/etc/nsswitch.conf");
	EMIT();
	doctor_subids(&c, nested, "/etc/subgid", user, uid, SUBID_GIDS, "/etc/nsswitch.conf");
	EMIT();
	{
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		doctor_tun(&c, nested, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	}
	EMIT();
	{
		char mnt[PATH_MAX];
		const char *st = read_small("/proc/self/cgroup", self, sizeof(self));
		const char *mi = read_small("/proc/self/mountinfo", mountinfo, sizeof(mountinfo));
		_cleanup_close_ int rootfd = -1;
		if (mi && cgroup_parse_mountinfo(mi, mnt, sizeof(mnt)) == 0)
			rootfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		doctor_cgroup(&c, nested, st, mi, rootfd, uid);
	}
	EMIT();
	{
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
		doctor_kernel(&c, "openat2", probe_syscall(SYS_openat2, AT_FDCWD, (long)"/", (long)&how, sizeof(how)));
	}
	EMIT();
	/* fsopen needs CAP_SYS_ADMIN: EPERM still says the call exists. */
	doctor_kernel(&c, "the mount API (fsopen)", probe_syscall(SYS_fsopen, (long)"tmpfs", FSOPEN_CLOEXEC, 0, 0));
	EMIT();
	/* clone3 with a NULL argument: EFAULT/EINVAL when it exists. */
	doctor_kernel(&c, "clone3", probe_syscall(SYS_clone3, 0, 0, 0, 0));
	EMIT();
	doctor_kernel(&c, "pidfd", probe_syscall(SYS_pidfd_open, getpid(), 0, 0, 0));
	EMIT();
#undef EMIT
	fprintf(out, fail ? "A default sandbox cannot run here: see the fixes above.\n"
			  : "A default sandbox can run here.\n");
	return fail ? 1 : 0;
}
