/* imagefast.h: the saved answer of sandbox-image, so that a run of a cached image does not exec
 * it. sandbox-image writes images/KEY.answer (KEY as the image's record) after each resolve:
 *     "sandbox-image-answer 1" NUL, STAMP NUL, SIZE NUL, then its answer: SIZE bytes of
 *     NUL-terminated key=value records, as sandbox-image prints them
 * STAMP names what the answer was resolved from: the reference, and the device, inode, size and
 * mtime (ns) of the layout's index.json or of the archive file. sandbox uses the record only when
 * it is the caller's own, not writable by others, small, well-formed and its STAMP is what the
 * image's source is now; anything else falls back to sandbox-image. */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

#define IMAGEFAST_MAGIC "sandbox-image-answer 1"
#define IMAGEFAST_MAX (1u << 20)

/* STAMP for a reference and the stat of its source (pure). */
void imagefast_stamp(const char *ref, const struct stat *st, char *out, size_t outlen);
/* Check a record against the STAMP expected; *answer_off is where the answer starts. 0, -EINVAL
 * when it is malformed (or too big), -ESTALE when it was made from something else (pure). */
int imagefast_check(const char *buf, size_t len, const char *stamp, size_t *answer_off);
/* The cache directory ($XDG_DATA_HOME/sandbox or ~/.local/share/sandbox). 0 or -ENOENT. */
int imagefast_cache_dir(char *out, size_t outlen);
/* The sha256 (hex) of ref: the name of the image's record in images/. */
void imagefast_key(const char *ref, char out[65]);
/* IMAGE's reference as sandbox-image records it and its STAMP, from the file system now.
 * 0, -ENOTSUP for docker:// (no local source to stamp), or -errno. */
int imagefast_identify(const char *image, char *ref, size_t reflen, char *stamp, size_t stamplen);
/* sandbox: IMAGE's saved answer, checked (malloc'd, NUL-terminated records), or <0: ask the helper. */
int imagefast_load(const char *image, char **answer, size_t *len);
/* sandbox-image: save the answer for ref (temp file and rename; mode 0600). 0 or -errno. */
int imagefast_save(int cachefd, const char *ref, const char *stamp, const char *answer, size_t len);
/* sandbox-image: forget the saved answer for ref (rmi). */
void imagefast_forget(int cachefd, const char *key);
