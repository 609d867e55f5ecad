/* copytree.h: copy a directory's content into another (the OCI mount option tmpcopyup: a new
 * tmpfs starts with what the image had at its mount point). */
#pragma once

#include <stddef.h>

/* Copy every entry below the directory src into the directory dst (both open fds): regular
 * files, directories, symlinks and fifos with their modes, owners and modification times.
 * Nothing is followed out of src: symlinks are copied as links. Sockets are skipped (a socket
 * file is no use without its listener); a device node, which a user namespace cannot make,
 * fails the copy with its name. Extended attributes are not copied, hard links become separate
 * files, an owner the user namespace does not map is not kept. 0 or -errno with the
 * entry and the step in err. */
int copytree(int src, int dst, char *err, size_t errlen);
