/* caps.h: the capability sets of the command (libcap), its final uid/gid switch.
 *
 * A set is a bitmask: bit N is capability N (CAP_CHOWN is bit 0). The planner is pure and runs
 * at option-validation time, so an unknown name is exit 125 before anything starts; the
 * executors run in the command's process, right before execve. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

struct cap_change; /* options.h: a --cap-add or --cap-drop as given */

/* caps_parse_name() result for "ALL". */
#define CAPS_ALL ((cap_value_t)-1)

/* The highest capability this build knows by name (and the bitmask can hold: < 64). */
#define CAPS_LAST CAP_LAST_CAP

/* Every capability this build knows. */
#define CAPS_MASK_ALL ((CAPS_LAST >= 63) ? UINT64_MAX : ((UINT64_C(1) << (CAPS_LAST + 1)) - 1))

/* Podman's default set for a rootless container, given to uid 0 inside. */
extern const uint64_t caps_default_root;

static inline void caps_cleanup_cap(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define _cleanup_cap_ __attribute__((cleanup(caps_cleanup_cap)))

/* "chown", "CHOWN", "cap_chown", "CAP_Chown" -> CAP_CHOWN; "all" -> CAPS_ALL.
 * ASCII case-insensitive, locale-independent; numbers are refused (a number is not a name, and
 * libcap's own cap_from_name() would take them). 0 or -EINVAL. */
int caps_parse_name(const char *name, cap_value_t *out);

/* Resolve --cap-add/--cap-drop, in order, into two masks: per capability the last one wins.
 * 0, or -EINVAL with "--cap-add: unknown capability 'X'" in err. */
int caps_plan(const struct cap_change *changes, size_t n, uint64_t *add, uint64_t *drop, char *err,
	      size_t errlen);
/* The final set: the default (caps_default_root when root_user, else empty), minus drop, plus
 * add. Kept apart from caps_plan because `sandbox exec --user` changes the user. */
static inline uint64_t caps_set_for(uint64_t add, uint64_t drop, bool root_user)
{
	return ((root_user ? caps_default_root : 0) & ~drop) | add;
}

/* In the process about to exec, already at its final uid/gid (security_switch_user): bounding
 * = set, permitted = effective = inheritable = set, ambient = set when the uid is not 0 (else
 * empty). Bits the running kernel does not have are ignored ("ALL" means what it has).
 * 0 or -errno with the step in err. */
int caps_apply(uint64_t set, char *err, size_t errlen);

/* Become uid:gid for good: first the bounding set is cut to capset (this needs CAP_SETPCAP,
 * which a non-root uid no longer has afterwards), then setgroups (groups, or gid alone when
 * groups is NULL; EPERM tolerated: with the
 * single-id map setgroups is denied), setresgid, setresuid, keeping the permitted set across
 * the change only when capset is not empty. Call caps_apply(capset) next.
 * 0 or -errno with the step in err. */
int security_switch_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, uint64_t capset, char *err,
			 size_t errlen);

/* Format a set as "chown,kill" into buf (for messages and tests). Returns buf. */
char *caps_format(uint64_t set, char *buf, size_t len);
