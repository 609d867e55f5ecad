/* copytree.h: copy a directory's content into another (the OCI mount option tmpcopyup: a new
 * tmpfs starts with what the image had at its mount point). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* An entry copied, by the source's identity: the copy of a hard link's first name (to link the
 * others to), or the placeholder made for a device node (to bind the node onto). */
struct copytree_node {
	char *path; /* below the destination's top, no leading slash */
	dev_t dev;
	ino_t ino;
	dev_t rdev;
};

struct copytree_nodes {
	struct copytree_node *v;
	size_t n, cap;
};

/* Copy every entry below the directory src into the directory dst (both open fds): regular
 * files, directories, symlinks and fifos with their modes, owners, modification times and the
 * extended attributes of files and directories that this user namespace may set (those the
 * kernel refuses with EPERM or ENOTSUP are left out; so are ACL entries of ids not mapped here).
 * Names of one inode stay hard links of one inode in the copy. Nothing is followed out of src:
 * symlinks are copied as links. Sockets are skipped (a socket file is no use without its
 * listener). A device node, which a user namespace cannot make, becomes an empty regular file
 * listed in devices (the caller binds the node onto it), or fails the copy with its name when
 * devices is NULL. An owner the user namespace does not map is not kept. 0 or -errno with the
 * entry and the step in err. */
int copytree(int src, int dst, struct copytree_nodes *devices, char *err, size_t errlen);

void copytree_nodes_free(struct copytree_nodes *nodes);
