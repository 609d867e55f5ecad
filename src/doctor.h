/* doctor.h: `sandbox doctor`, whether this host can run a default sandbox, and the fix for
 * each requirement it misses.
 *
 * Each check is a pure function of what it looked at (sysctl texts, a probe's errno, a file's
 * stat, file paths), so the verdicts and fixes are unit-tested on fake inputs; doctor_run()
 * gathers the real inputs and prints one line per check.
 *
 * nested: no_new_privs is set, as inside a sandbox. Then setuid newuidmap cannot work whatever
 * its mode, the sandbox's /proc/sys and /etc are not the host's, and /dev/net/tun is the outer
 * sandbox's to give: each fix says what the outer sandbox needs or what to change on the host. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

enum doctor_level {
	DOCTOR_OK,
	DOCTOR_WARN, /* a default sandbox runs, with less (one id, no limits) */
	DOCTOR_FAIL, /* a default sandbox cannot run */
};

struct doctor_check {
	enum doctor_level level;
	const char *what;
	char detail[256];
	char fix[320]; /* what to run; empty when ok */
};

/* User namespaces. probe_err: 0 when a child could create a user namespace and then a mount
 * namespace in it (CAP_SYS_ADMIN there), else the errno of the step that failed; the sysctl
 * texts are NULL where the file does not exist. */
void doctor_userns(struct doctor_check *c, bool nested, int probe_err, const char *max_user_ns,
		   const char *unpriv_clone, const char *apparmor_restrict);

/* newuidmap or newgidmap (name): path NULL when not found; st its stat; has_fcaps whether it
 * carries the file capability it needs. */
void doctor_idmap_helper(struct doctor_check *c, bool nested, const char *name, const char *path,
			 const struct stat *st, bool has_fcaps);

/* The user's subordinate range of uids (which: SUBID_UIDS) or gids, from subid_file (through
 * libsubid when nsswitch_path names a "subid:" source). */
void doctor_subids(struct doctor_check *c, bool nested, const char *subid_file, const char *user,
		   uid_t uid, int which, const char *nsswitch_path);

/* /dev/net/tun: open_err 0 when it opened read-write, else the errno. */
void doctor_tun(struct doctor_check *c, bool nested, int open_err);

/* cgroup v2 delegation: from /proc/self/cgroup and mountinfo texts, the cgroup2 mount's
 * directory fd (-1 when none) and our uid. */
void doctor_cgroup(struct doctor_check *c, bool nested, const char *self_text, const char *mountinfo_text,
		   int rootfd, uid_t uid);

/* A kernel feature: probe_err 0 when the call exists (ENOSYS when not). */
void doctor_kernel(struct doctor_check *c, const char *feature, int probe_err);

/* "ok    WHAT: DETAIL" or "FAIL  WHAT: DETAIL; fix: FIX", no newline. */
void doctor_format(const struct doctor_check *c, char *buf, size_t len);

/* Every check on this host, a line each on out. 0 when a default sandbox can run, else 1. */
int doctor_run(FILE *out);
