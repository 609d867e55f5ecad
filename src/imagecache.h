/* imagecache.h: the per-user image cache of sandbox-image, $XDG_DATA_HOME/sandbox (default
 * ~/.local/share/sandbox):
 *     layers/HEX/        one unpacked layer, named by the sha256 of its blob; shared by images
 *     layers/.tmp-HEX-PID an unpack in progress (renamed to HEX when complete, so a killed one
 *                        is never used; prune removes it once PID is gone)
 *     images/KEY         one line-based record per image name: "ref", "manifest", "layer" lines
 *     images/KEY.answer  the last answer of resolve for it, stamped (imagefast.h)
 *     archives/KEY/      an OCI layout made from an archive or a pull (without the layer blobs
 *                        once they are unpacked)
 * Layers are written and removed in a user namespace mapped like the sandbox's own, because
 * their files belong to the user's subordinate ids. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "imageconf.h"

struct image_record {
	char ref[4700];
	char manifest[72];
	char archive[65]; /* archives/KEY it was made from; "" for an oci: layout */
	char layers[IMAGE_MAX_LAYERS][72];
	size_t nlayers;
	long long mtime;
};

/* Open (creating) the cache directory and its subdirectories; dirfd or -errno with a reason. */
int imagecache_open(char *err, size_t errlen);
/* The cache's path (for the layer paths printed to sandbox). */
const char *imagecache_path(void);
/* Run fn(arg) in a child process in a new user namespace with the sandbox's id mapping (root
 * inside is the user). Its exit status: 0 when fn returned 0. -errno with a reason when the
 * namespace could not be made. */
int imagecache_in_userns(int (*fn)(void *), void *arg, char *err, size_t errlen);
/* Remove dirfd/name and everything under it without following symlinks (in the namespace). */
int imagecache_rm_rf(int parent, const char *name);
/* The record file's name for an image reference: the sha256 of the reference, in hex. */
void imagecache_key(const char *ref, char out[65]);
int imagecache_record_read(int cachefd, const char *key, struct image_record *rec);
int imagecache_record_write(int cachefd, const char *key, const struct image_record *rec);
