/* userns.h: decide and write the sandbox's uid and gid maps. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "idmap.h"

struct userns_plan {
	struct idmap uids;
	struct idmap gids;
	bool use_helpers; /* through setuid newuidmap/newgidmap; else one id, setgroups denied */
	char newuidmap[256];
	char newgidmap[256];
};

/* --map auto: the subordinate ranges when newuidmap/newgidmap exist and both files give the
 * user a range; otherwise (and for --map self) the single mapping. Never fails. */
void userns_plan(bool map_auto, uid_t uid, gid_t gid, struct userns_plan *plan);

/* Write the maps of the process pid (a child in a new user namespace) from the parent. With
 * the helpers, both run at once. 0 or -errno with a one-line reason in err. */
int userns_apply(const struct userns_plan *plan, pid_t pid, char *err, size_t errlen);
