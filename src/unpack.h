/* unpack.h: one image layer (a tar, plain, gzip or zstd) into the current directory, with
 * libarchive. Only sandbox-unpack links this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct unpack_opts {
	const char *digest;           /* "sha256:HEX" the compressed stream must have; NULL: unchecked */
	unsigned long long size;      /* expected bytes for progress; 0: unknown */
	const char *label;            /* "layer 2/5" for progress */
	bool progress;                /* on a terminal: a line of layers and bytes */
	unsigned long long id_count;  /* owners at or above this become 0 (ids not mapped) */
};

/* Extract the tar read from fd into the directory dirfd, honouring OCI whiteouts (as overlayfs
 * whiteouts: a 0/0 character device; an opaque directory: user.overlay.opaque=y). Refuses "..",
 * absolute paths and writing through symlinks; skips device nodes; keeps hard links, owners,
 * modes, times and user.* / security.capability xattrs. Must run chrooted into the target
 * (sandbox-unpack does): then even a libarchive bug cannot write outside it. 0 or -errno with
 * a reason. */
int unpack_layer(int fd, const struct unpack_opts *o, char *err, size_t errlen);
