/* security.c: the last confinement steps before COMMAND runs, in their order. */
#include "config.h"

#include "security.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "secfilter.h"

static bool runs_as_root(const struct config *cfg)
{
	return !cfg->user_set || cfg->user_uid == 0;
}

int security_check(const struct config *cfg, char *err, size_t errlen)
{
	uint64_t set;

	return caps_plan(cfg->caps, cfg->ncaps, runs_as_root(cfg), &set, err, errlen);
}

/* Keys are not namespaced: COMMAND would inherit, and possess, the caller's session keyring
 * (with --seccomp none it could read every key in it). A new anonymous session keyring cuts
 * the link, as runc does. A kernel without keys (ENOSYS) has nothing to leak. */
static int security_new_session_keyring(char *err, size_t errlen)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS) {
		int e = errno;
		snprintf(err, errlen, "joining a new session keyring: %s", strerror(e));
		return -e;
	}
	return 0;
}

int security_apply(const struct config *cfg, char *err, size_t errlen)
{
	uint64_t set;
	int r;

	r = security_new_session_keyring(err, errlen);
	if (r < 0)
		return r;
	r = caps_plan(cfg->caps, cfg->ncaps, runs_as_root(cfg), &set, err, errlen);
	if (r < 0)
		return r;
	if (cfg->user_set) {
		r = security_switch_user(cfg->user_uid, cfg->user_gid, set, err, errlen);
		if (r < 0)
			return r;
	}
	r = caps_apply(set, err, errlen);
	if (r < 0)
		return r;
	/* Setuid binaries and file capabilities in the rootfs must grant nothing. */
	r = security_no_new_privs(err, errlen);
	if (r < 0)
		return r;
	if (cfg->seccomp == SECCOMP_NONE)
		return 0;
	return secfilter_apply_default(err, errlen);
}
