/* subid.h: subordinate id ranges of /etc/subuid and /etc/subgid (subuid(5)). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct subid_span {
	uint32_t start;
	uint32_t count;
};

/* Find the first range of `user` (by name, or by its numeric id `id` as shadow-utils also
 * allows) in the text of a subuid/subgid file. Lines that do not parse are skipped, as
 * shadow-utils does: comments, blanks, missing fields, garbage, zero counts, ranges that
 * overflow 32 bits. 0 when found, -ENOENT when not. Pure: reads only f. */
int subid_find(FILE *f, const char *user, uint32_t id, struct subid_span *out);

/* The range for user/id from the system: libsubid when built with it (directory services
 * included), else the file at path. 0, -ENOENT, or another -errno. */
int subid_lookup(const char *path, const char *user, uint32_t id, int which, struct subid_span *out);
enum { SUBID_UIDS, SUBID_GIDS };
