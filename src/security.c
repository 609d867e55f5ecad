/* security.c: the last confinement steps before COMMAND runs, in their order. */
#include "config.h"

#include "security.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "secfilter.h"
#include "util.h"

/* Keys are not namespaced: COMMAND would inherit, and possess, the caller's session keyring
 * (with --seccomp none it could read every key in it). A new anonymous session keyring cuts
 * the link, as runc does. A kernel without keys (ENOSYS) has nothing to leak, nor has a
 * process whose seccomp filter refuses keyctl (EPERM; a sandbox nested in ours): COMMAND
 * inherits that filter. */
static int security_new_session_keyring(char *err, size_t errlen)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
	    !(errno == EPERM && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2)) {
		int e = errno;
		return err_set(err, errlen, e, "joining a new session keyring");
	}
	return 0;
}

/* The kernel clears the parent-death signal when the uids change (setresuid), so `sandbox exec
 * --user N`'s command would outlive an exec that is SIGKILLed. Set it again, then make sure the
 * parent did not die in between (its death would have gone unnoticed). */
static int security_switch_user_keep_pdeathsig(uid_t uid, gid_t gid, uint64_t set, char *err, size_t errlen)
{
	pid_t parent = getppid();
	int sig = 0, r;

	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
		sig = 0;
	r = security_switch_user(uid, gid, set, err, errlen);
	if (r < 0 || sig == 0)
		return r;
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0) {
		int e = errno;
		snprintf(err, errlen, "prctl PR_SET_PDEATHSIG after --user: %s", strerror(e));
		return -e;
	}
	if (getppid() != parent) {
		snprintf(err, errlen, "--user: the parent died while switching");
		return -ESRCH;
	}
	return 0;
}

int security_apply(const struct command_plan *p, char *err, size_t errlen)
{
	int r;

	r = security_new_session_keyring(err, errlen);
	if (r < 0)
		return r;
	if (p->user_set) {
		r = security_switch_user_keep_pdeathsig(p->uid, p->gid, p->caps, err, errlen);
		if (r < 0)
			return r;
	}
	r = caps_apply(p->caps, err, errlen);
	if (r < 0)
		return r;
	/* Setuid binaries and file capabilities in the rootfs must grant nothing. */
	r = security_no_new_privs(err, errlen);
	if (r < 0)
		return r;
	if (!p->seccomp)
		return 0;
	return secfilter_apply_default(err, errlen);
}
