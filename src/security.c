/* security.c: the last confinement steps before COMMAND runs, in their order. */
#include "config.h"

#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "registry.h"
#include "secfilter.h"
#include "util.h"

/* keyutils.h's permission bits (the kernel's uapi does not export them). */
enum {
	KEY_POS_VIEW = 0x01000000,
	KEY_POS_READ = 0x02000000,
	KEY_POS_SEARCH = 0x08000000,
	KEY_POS_SETATTR = 0x20000000,
	KEY_USR_VIEW = 0x00010000,
	KEY_USR_READ = 0x00020000,
	KEY_USR_SEARCH = 0x00080000,
};

/* A seccomp filter (ours, when nested) refuses key calls: then there is no keyring to reach. */
static bool under_seccomp_filter(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

/* A keyring is found by name only once it is searchable, that is after the permissions that
 * security_join_shared_keyring sets: two first sandboxes of a user at once would each make one,
 * and spend a key each. So the join is serialised by a lock in the user's state directory.
 * Without a usable state directory it goes on unlocked: the race costs a key, nothing else. */
static int lock_shared_keyring(void)
{
	char err[256];
	_cleanup_close_ int dirfd = registry_open_dir(true, err, sizeof(err));
	int fd;

	if (dirfd < 0)
		return -1;
	fd = openat(dirfd, ".keyring.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Keys are not namespaced: COMMAND would inherit, and possess, the caller's session keyring
 * (with --seccomp none it could read every key in it). A new anonymous session keyring cuts
 * the link, as runc does, but each one is charged to the user (kernel.keys.maxkeys, 200): the
 * 200th sandbox would fail. So with the default filter, which refuses every key call inside,
 * all sandboxes of a user share one named, empty, read-only session keyring, joined outside
 * the user namespace (names are looked up per user namespace); only --seccomp none, where
 * COMMAND could use a keyring, gets a new one of its own. ENOSYS: no keys, nothing to leak;
 * nor has a process whose seccomp filter refuses keyctl (EPERM; a sandbox nested in ours). */
int security_join_shared_keyring(char *err, size_t errlen)
{
	_cleanup_close_ int lock = lock_shared_keyring(); /* held until this returns */
	long k = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, SECURITY_SHARED_KEYRING);

	(void)lock; /* only its cleanup is used: clang's -Wunused-variable */
	if (k < 0 && (errno == ENOSYS || (errno == EPERM && under_seccomp_filter())))
		return 0;
	if (k < 0)
		return err_set(err, errlen, errno, "joining the shared session keyring %s", SECURITY_SHARED_KEYRING);
	/* Nobody adds keys to it (no write), every sandbox of the user finds it (search), the next
	 * one may set this again (setattr, for its possessors, who cannot call keyctl inside). */
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, k,
		    KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH | KEY_POS_SETATTR | KEY_USR_VIEW | KEY_USR_READ |
			    KEY_USR_SEARCH) < 0)
		return err_set(err, errlen, errno, "making the shared session keyring read-only");
	return 0;
}

static int security_new_session_keyring(char *err, size_t errlen)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
	    !(errno == EPERM && under_seccomp_filter()))
		return err_set(err, errlen, errno, "joining a new session keyring");
	return 0;
}

/* The kernel clears the parent-death signal when the uids change (setresuid), so `sandbox exec
 * --user N`'s command would outlive an exec that is SIGKILLed. Set it again, then make sure the
 * parent did not die in between (its death would have gone unnoticed). */
static int security_switch_user_keep_pdeathsig(const struct command_plan *p, char *err, size_t errlen)
{
	pid_t parent = getppid();
	int sig = 0, r;

	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
		sig = 0;
	r = security_switch_user(p->uid, p->gid, p->groups, p->ngroups, p->caps, err, errlen);
	if (r < 0 || sig == 0)
		return r;
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
		return err_set(err, errlen, errno, "prctl PR_SET_PDEATHSIG after --user");
	if (getppid() != parent)
		return err_set(err, errlen, -ESRCH, "--user: the parent died while switching");
	return 0;
}

static int security_load_filter(const struct sock_fprog *prog, char *err, size_t errlen)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return err_set(err, errlen, errno, "seccomp: load the filter");
	return 0;
}

int security_apply(const struct command_plan *p, char *err, size_t errlen)
{
	int r;

	/* With the filter, COMMAND keeps the shared keyring its supervisor joined. */
	r = p->seccomp ? 0 : security_new_session_keyring(err, errlen);
	if (r < 0)
		return r;
	if (p->user_set) {
		r = security_switch_user_keep_pdeathsig(p, err, errlen);
		if (r < 0)
			return r;
	}
	r = caps_apply(p->caps, err, errlen);
	if (r < 0)
		return r;
	/* Setuid binaries and file capabilities in the rootfs must grant nothing. */
	r = secfilter_no_new_privs(err, errlen);
	if (r < 0)
		return r;
	if (p->filter)
		return security_load_filter(p->filter, err, errlen);
	if (!p->seccomp)
		return 0;
	return secfilter_apply_default(err, errlen);
}
