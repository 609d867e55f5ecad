/* security.c: the last confinement steps before COMMAND runs. */
#include "config.h"

#include "security.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *step)
{
	int e = errno;
	snprintf(err, errlen, "%s: %s", step, strerror(e));
	return -e;
}

static int switch_user(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->user_set)
		return 0;
	/* With the single mapping setgroups is denied, and there are no groups to drop. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return fail(err, errlen, "--user: setgroups");
	if (setresgid(cfg->user_gid, cfg->user_gid, cfg->user_gid) < 0)
		return fail(err, errlen, "--user: setresgid");
	if (setresuid(cfg->user_uid, cfg->user_uid, cfg->user_uid) < 0)
		return fail(err, errlen, "--user: setresuid");
	return 0;
}

int security_apply(const struct config *cfg, char *err, size_t errlen)
{
	int r = switch_user(cfg, err, errlen);

	if (r < 0)
		return r;
	/* Setuid binaries and file capabilities in the rootfs must grant nothing. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, errlen, "no_new_privs");
	return 0;
}

int security_attach_tty(int slave, char *err, size_t errlen)
{
	if (setsid() < 0)
		return fail(err, errlen, "tty: setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return fail(err, errlen, "tty: TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return fail(err, errlen, "tty: dup2");
	if (slave > 2)
		close(slave);
	return 0;
}
