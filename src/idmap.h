/* idmap.h: user namespace id maps: build, format, parse (pure). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "subid.h"

/* --map: which ids the sandbox maps (userns_plan decides the maps from it). Here rather than in
 * options.h, so that the id plan's headers need not include the option parser's. */
enum map_mode { MAP_AUTO, MAP_SELF, MAP_SUBID, MAP_KEEP_ID };

struct idmap_range {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

#define IDMAP_MAX 3

struct idmap {
	struct idmap_range r[IDMAP_MAX];
	size_t n;
};

/* 0 -> own. */
void idmap_single(uint32_t own, struct idmap *m);
/* 0 -> own, 1..count -> the subordinate range. -EINVAL when the range holds own id (the kernel
 * refuses overlapping ranges), so the caller falls back to the single mapping. */
int idmap_with_range(uint32_t own, const struct subid_span *range, struct idmap *m);
/* --map keep-id: own -> own, and with a range (may be NULL) inside ids 0..own-1 and
 * own+1..count on the range, so every id 0..max(own, count) a system knows stays mapped (podman's
 * keep-id). -EINVAL when the range holds own id, as idmap_with_range. */
int idmap_keep_id(uint32_t own, const struct subid_span *range, struct idmap *m);
/* "inside outside count\n" lines as /proc/PID/uid_map takes them. Length, or -ENOSPC. */
int idmap_format(const struct idmap *m, char *buf, size_t len);
/* One line of /proc/PID/uid_map ("  0  1000  1"). 0 or -EINVAL. */
int idmap_parse_line(const char *line, struct idmap_range *out);
/* Over the lines of a /proc/PID/gid_map read from f: low, the inside id with the lowest host
 * id, and high, the inside id with the highest. The kernel keeps ranges of ids (such as
 * net.ipv4.ping_group_range) as host ids and wants low <= high both inside and on the host,
 * so "low high" spans every mapped id. When the ranges cross (ascending inside is descending
 * on the host) no range spans them all, and the largest single range is given instead.
 * 0, -ENOENT for an empty map, -EINVAL for a line that does not parse. */
int idmap_host_span(FILE *f, uint32_t *low, uint32_t *high);
/* A layer's file owner (tar ids) on a map of the ids 0..count-1: an owner outside it becomes 0,
 * and a file (not a directory) whose owner or group so changed loses the set-user-ID or
 * set-group-ID bit: an image's setuid program of an unmapped user must not become setuid root
 * inside (podman refuses such images outright). A directory's set-group-ID only passes its
 * group on, and stays. */
void idmap_layer_owner(unsigned long long count, bool dir, unsigned long long *uid, unsigned long long *gid,
		       unsigned int *mode);
/* Whether id is mapped inside. */
bool idmap_contains(const struct idmap *m, uint32_t inside);
/* The argv of newuidmap/newgidmap: PROG PID inside outside count ...; strings in store.
 * 0 or -ENOSPC. argv needs 3 * IDMAP_MAX + 3 slots. */
int idmap_helper_argv(const char *prog, pid_t pid, const struct idmap *m, char *store, size_t storelen,
		      char **argv);
