/* userns.h: decide and write the sandbox's uid and gid maps. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "idmap.h"

struct userns_plan {
	struct idmap uids;
	struct idmap gids;
	bool use_helpers; /* through setuid newuidmap/newgidmap; else one id, setgroups denied */
	bool keep_id;     /* own ids map to themselves (--map keep-id) */
	bool need_range;  /* --map subid: no falling back to the single mapping */
	char newuidmap[256];
	char newgidmap[256];
	/* Why only the own id is mapped, with the fix ("" when the range is used or --map self
	 * asked for one id): --map auto warns with it, --map subid refuses. */
	char no_range[320];
};

/* --map auto and keep-id: the subordinate ranges when newuidmap/newgidmap exist and both files
 * give the user a range, else the single mapping (no_range says why); --map self: the single
 * mapping; --map subid: the same as auto, and the caller refuses to start when no_range is set.
 * 0 -> own (keep-id: own -> own) in every case. Never fails. */
void userns_plan(enum map_mode mode, uid_t uid, gid_t gid, struct userns_plan *plan);

/* Write the maps of the process pid (a child in a new user namespace) from the parent. With
 * the helpers, both run at once. 0 or -errno with a one-line reason in err. */
int userns_apply(const struct userns_plan *plan, pid_t pid, char *err, size_t errlen);
