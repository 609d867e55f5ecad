/* idmap.c: build and format user namespace id maps (pure). */
#include "config.h"

#include "idmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

void idmap_single(uint32_t own, struct idmap *m)
{
	m->r[0] = (struct idmap_range){ 0, own, 1 };
	m->n = 1;
}

int idmap_with_range(uint32_t own, const struct subid_span *range, struct idmap *m)
{
	uint64_t end = (uint64_t)range->start + range->count;

	if (range->count == 0 || end - 1 > UINT32_MAX)
		return -EINVAL;
	if (own >= range->start && own < end)
		return -EINVAL;
	/* Inside ids 1..count must fit below 2^32-1, the kernel's invalid id. */
	m->r[0] = (struct idmap_range){ 0, own, 1 };
	m->r[1] = (struct idmap_range){ 1, range->start, range->count };
	if ((uint64_t)range->count + 1 > UINT32_MAX)
		m->r[1].count = UINT32_MAX - 1;
	m->n = 2;
	return 0;
}

int idmap_keep_id(uint32_t own, const struct subid_span *range, struct idmap *m)
{
	uint32_t below, above;
	uint64_t end;

	if (!range) {
		m->r[0] = (struct idmap_range){ own, own, 1 };
		m->n = 1;
		return 0;
	}
	end = (uint64_t)range->start + range->count;
	if (range->count == 0 || end - 1 > UINT32_MAX || (own >= range->start && own < end))
		return -EINVAL;
	m->n = 0;
	/* The range fills the ids below own first, then the ones above it, so ids 0..count are
	 * all mapped; inside ids stay below 2^32-1, the kernel's invalid id. */
	below = range->count < own ? range->count : own;
	above = range->count - below;
	if ((uint64_t)own + above > UINT32_MAX - 1)
		above = UINT32_MAX - 1 - own;
	if (below)
		m->r[m->n++] = (struct idmap_range){ 0, range->start, below };
	m->r[m->n++] = (struct idmap_range){ own, own, 1 };
	if (above)
		m->r[m->n++] = (struct idmap_range){ own + 1, range->start + below, above };
	return 0;
}

int idmap_format(const struct idmap *m, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < m->n; i++) {
		int n = snprintf(buf + used, len - used, "%u %u %u\n", m->r[i].inside, m->r[i].outside,
				 m->r[i].count);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

int idmap_parse_line(const char *line, struct idmap_range *out)
{
	unsigned long long v[3];
	const char *p = line;

	for (int i = 0; i < 3; i++) {
		char *end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno || v[i] > UINT32_MAX)
			return -EINVAL;
		p = end;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != '\n')
		return -EINVAL;
	if (v[2] == 0 || v[0] + v[2] - 1 > UINT32_MAX || v[1] + v[2] - 1 > UINT32_MAX)
		return -EINVAL;
	*out = (struct idmap_range){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
	return 0;
}

int idmap_host_span(FILE *f, uint32_t *low, uint32_t *high)
{
	char line[128];
	bool any = false;
	uint32_t lo_out = 0, hi_out = 0, lo_in = 0, hi_in = 0;
	struct idmap_range big = { 0, 0, 0 };

	while (fgets(line, sizeof(line), f)) {
		struct idmap_range r;
		uint32_t last;

		if (idmap_parse_line(line, &r) < 0)
			return -EINVAL;
		last = r.outside + (r.count - 1); /* parse_line checked it does not wrap */
		if (!any || r.outside < lo_out) {
			lo_out = r.outside;
			lo_in = r.inside;
		}
		if (!any || last > hi_out) {
			hi_out = last;
			hi_in = r.inside + (r.count - 1);
		}
		if (r.count > big.count)
			big = r;
		any = true;
	}
	if (!any)
		return -ENOENT;
	if (lo_in <= hi_in) {
		*low = lo_in;
		*high = hi_in;
	} else {
		/* The ranges cross (our own id maps above the subordinate ones): a range whose
		 * ends are in the wrong order inside would be taken as "nobody", so fall back to
		 * the largest single range. */
		*low = big.inside;
		*high = big.inside + (big.count - 1);
	}
	return 0;
}

bool idmap_contains(const struct idmap *m, uint32_t inside)
{
	for (size_t i = 0; i < m->n; i++)
		if (inside >= m->r[i].inside && (uint64_t)inside < (uint64_t)m->r[i].inside + m->r[i].count)
			return true;
	return false;
}

int idmap_helper_argv(const char *prog, pid_t pid, const struct idmap *m, char *store, size_t storelen,
		      char **argv)
{
	size_t used = 0, k = 0;

	/* Append one number to store and point the next argv slot at it. */
#define ADD_NUM(val)                                                                  \
	do {                                                                          \
		int n_ = snprintf(store + used, storelen - used, "%llu",              \
				  (unsigned long long)(val));                         \
		if (n_ < 0 || (size_t)n_ >= storelen - used)                          \
			return -ENOSPC;                                               \
		argv[k++] = store + used;                                             \
		used += (size_t)n_ + 1;                                               \
	} while (0)

	argv[k++] = (char *)prog;
	ADD_NUM(pid);
	for (size_t i = 0; i < m->n; i++) {
		ADD_NUM(m->r[i].inside);
		ADD_NUM(m->r[i].outside);
		ADD_NUM(m->r[i].count);
	}
#undef ADD_NUM
	argv[k] = NULL;
	return 0;
}

void idmap_layer_owner(unsigned long long count, bool dir, unsigned long long *uid, unsigned long long *gid,
		       unsigned int *mode)
{
	if (*uid >= count) {
		*uid = 0;
		if (!dir)
			*mode &= ~(unsigned int)S_ISUID;
	}
	if (*gid >= count) {
		*gid = 0;
		if (!dir)
			*mode &= ~(unsigned int)S_ISGID;
	}
}
