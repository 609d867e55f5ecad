/* mount.h: run a mount plan inside a new mount namespace and pivot into the result. */
#pragma once

#include <stddef.h>

#include "mountplan.h"

/* Called in the sandbox's child (uid 0 of its user namespace, in its own mount namespace):
 * makes propagation private, clones the plan's root (or lays an overlay over it, or, in host
 * mode, clones the host's root read-only),
 * runs every step with destinations resolved inside the new root, pivots into it and detaches
 * the old root. The working directory is "/" afterwards. 0 or -errno with the failing step in
 * err ("mount /proc: Operation not permitted"). */
int mount_setup_root(const struct mountplan *plan, char *err, size_t errlen);

/* Open path inside the tree at rootfd (an absolute path, symlinks resolved as if rootfd were
 * "/", never leaving it), creating missing directories, and the last component as an empty
 * file when as_file. An O_PATH fd or -errno. Exposed for the unit tests. */
int mount_open_in_root(int rootfd, const char *path, bool create, bool as_file);
