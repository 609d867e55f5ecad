/* caps.c: capability sets (libcap) and the switch to the command's final uid/gid.
 *
 * Why the order "switch user, then caps_apply" and why the sets look as they do: on execve the
 * kernel computes the new sets from the old ones (capabilities(7)):
 *   - uid 0 (real or effective): the file is treated as if it had all file capabilities, so
 *     P' = (I & bounding) | bounding-limited "all" = I | bounding, and E' = P'. With
 *     bounding = I = set the command gets exactly the set; ambient plays no role.
 *   - any other uid: P' = (I & F_inh) | (F_perm & bounding) | A. A plain binary has no file
 *     capabilities, so only the ambient set carries capabilities across execve. Hence
 *     ambient = set for a non-root --user (the kernel requires ambient <= P & I).
 * no_new_privs (set after this) then stops a setuid or file-capability binary in the rootfs
 * from gaining anything beyond these sets. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, setresgid */
#endif
#include "caps.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "options.h" /* struct cap_change */
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

const uint64_t caps_default_root = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) |
				   BIT(CAP_FSETID) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) |
				   BIT(CAP_SETFCAP) | BIT(CAP_SETGID) | BIT(CAP_SETPCAP) |
				   BIT(CAP_SETUID) | BIT(CAP_SYS_CHROOT);

_Static_assert(CAPS_LAST < 64, "the capability bitmask holds 64 capabilities");

/* ASCII only: no locale may change what a name means. */
static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

static bool ascii_caseprefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (!*s || ascii_lower((unsigned char)*s) != ascii_lower((unsigned char)*prefix))
			return false;
	return true;
}

int caps_parse_name(const char *name, cap_value_t *out)
{
	if (!name)
		return -EINVAL;
	/* "ALL" only bare: "CAP_ALL" is not a capability in any tool's spelling. */
	if (ascii_caseeq(name, "all")) {
		*out = CAPS_ALL;
		return 0;
	}
	const char *bare = ascii_caseprefix(name, "cap_") ? name + 4 : name;
	if (!*bare)
		return -EINVAL;
	for (cap_value_t c = 0; c <= CAPS_LAST; c++) {
		/* libcap's table ("cap_chown"), so the names follow the library, not a copy. */
		char *lc = cap_to_name(c);
		if (!lc)
			return -ENOMEM;
		/* cap_to_name() gives a bare number for a value it has no name for. */
		bool match = ascii_caseprefix(lc, "cap_") && ascii_caseeq(lc + 4, bare);
		cap_free(lc);
		if (match) {
			*out = c;
			return 0;
		}
	}
	return -EINVAL;
}

int caps_plan(const struct cap_change *changes, size_t n, uint64_t *add, uint64_t *drop, char *err,
	      size_t errlen)
{
	uint64_t a = 0, d = 0;

	for (size_t i = 0; i < n; i++) {
		cap_value_t c;
		int r = caps_parse_name(changes[i].name, &c);
		if (r < 0) {
			err_set(err, errlen, 0, "%s: unknown capability '%s'", changes[i].add ? "--cap-add" : "--cap-drop",
				changes[i].name ? changes[i].name : "");
			return r == -ENOMEM ? r : -EINVAL;
		}
		uint64_t bits = c == CAPS_ALL ? CAPS_MASK_ALL : BIT(c);
		if (changes[i].add) {
			a |= bits;
			d &= ~bits;
		} else {
			d |= bits;
			a &= ~bits;
		}
	}
	*add = a;
	*drop = d;
	return 0;
}

char *caps_format(uint64_t set, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (cap_value_t c = 0; c < 64; c++) {
		if (!(set & BIT(c)))
			continue;
		char *lc = cap_to_name(c);
		const char *name = lc ? lc : "?";
		if (lc && ascii_caseprefix(lc, "cap_"))
			name += 4;
		int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
		cap_free(lc);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

/* Capabilities the running kernel has: bits above it cannot be set and need not be dropped. */
static uint64_t kernel_mask(void)
{
	cap_value_t max = cap_max_bits(); /* number of capabilities */
	if (max <= 0 || max > 64)
		max = CAPS_LAST + 1;
	return max >= 64 ? UINT64_MAX : (BIT(max) - 1);
}

/* Drop from the bounding set every capability not in keep. Needs CAP_SETPCAP in the effective
 * set unless there is nothing to drop. */
static int drop_bounding(uint64_t keep, char *err, size_t errlen)
{
	uint64_t kmask = kernel_mask();

	for (cap_value_t c = 0; c < 64; c++) {
		if (!(kmask & BIT(c)) || (keep & BIT(c)))
			continue;
		int in = cap_get_bound(c);
		if (in < 0) /* the kernel has no such capability */
			continue;
		if (in == 0)
			continue;
		if (cap_drop_bound(c) < 0) {
			int e = errno;
			char *n = cap_to_name(c);
			err_set(err, errlen, e, "dropping %s from the bounding set", n ? n : "?");
			cap_free(n);
			return -e;
		}
	}
	return 0;
}

/* Make the effective set equal to the permitted one, so that whatever we still hold (in
 * particular CAP_SETPCAP) can be used for the steps that follow. */
static int raise_effective(char *err, size_t errlen)
{
	_cleanup_cap_ cap_t cur = cap_get_proc();
	if (!cur) {
		int e = errno;
		return err_set(err, errlen, e, "reading the capability sets");
	}
	if (cap_fill(cur, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(cur) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "raising the effective set");
	}
	return 0;
}

int caps_apply(uint64_t set, char *err, size_t errlen)
{
	int r;

	set &= kernel_mask();

	r = raise_effective(err, errlen);
	if (r < 0)
		return r;
	r = drop_bounding(set, err, errlen);
	if (r < 0)
		return r;

	_cleanup_cap_ cap_t caps = cap_init(); /* all clear */
	if (!caps) {
		int e = errno;
		return err_set(err, errlen, e, "allocating a capability set");
	}
	for (cap_value_t c = 0; c < 64; c++) {
		if (!(set & BIT(c)))
			continue;
		cap_value_t v[1] = { c };
		if (cap_set_flag(caps, CAP_EFFECTIVE, 1, v, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_PERMITTED, 1, v, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_INHERITABLE, 1, v, CAP_SET) < 0) {
			int e = errno;
			return err_set(err, errlen, e, "building the capability set");
		}
	}
	if (cap_set_proc(caps) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "setting the capability sets");
	}

	/* The ambient set: cleared always (nothing inherited from our own caller survives),
	 * filled for a non-root uid, for which it is the only way across execve (see the top). */
	if (cap_reset_ambient() < 0 && errno != EINVAL) {
		int e = errno;
		return err_set(err, errlen, e, "clearing the ambient set");
	}
	if (getuid() != 0 && geteuid() != 0) {
		for (cap_value_t c = 0; c < 64; c++) {
			if (!(set & BIT(c)))
				continue;
			if (cap_set_ambient(c, CAP_SET) < 0) {
				int e = errno;
				char *n = cap_to_name(c);
				err_set(err, errlen, e, "raising %s in the ambient set", n ? n : "?");
				cap_free(n);
				return -e;
			}
		}
	}
	return 0;
}

int security_switch_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, uint64_t capset, char *err,
			 size_t errlen)
{
	int r;

	/* Bounding set first, while we are still root in the namespace and hold CAP_SETPCAP:
	 * with an empty capset a non-root uid keeps nothing to drop it with afterwards. */
	r = raise_effective(err, errlen);
	if (r < 0)
		return r;
	r = drop_bounding(capset & kernel_mask(), err, errlen);
	if (r < 0)
		return r;

	/* Without KEEPCAPS the kernel clears the permitted set when all uids leave 0; keep it
	 * only when there is something caps_apply must give the command. */
	if (capset && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "prctl(PR_SET_KEEPCAPS)");
	}
	/* Supplementary groups: none but the primary. With the single-id map setgroups(2) is
	 * denied for the whole namespace (EPERM); the groups then are the caller's, unmapped. */
	if ((groups ? setgroups(ngroups, groups) : setgroups(1, &gid)) < 0 && errno != EPERM) {
		int e = errno;
		return err_set(err, errlen, e, "setgroups(%u)", (unsigned)gid);
	}
	if (setresgid(gid, gid, gid) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "setresgid(%u)", (unsigned)gid);
	}
	if (setresuid(uid, uid, uid) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "setresuid(%u)", (unsigned)uid);
	}
	if (capset && prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "prctl(PR_SET_KEEPCAPS, 0)");
	}
	return 0;
}
