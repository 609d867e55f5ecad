/* subid.c: parse /etc/subuid and /etc/subgid text; look ranges up through libsubid when
 * configure found it. */
#include "config.h"

#include "subid.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBSUBID
#include <shadow/subid.h>
#endif

#include "util.h"

/* A decimal number of at most 32 bits, the whole field. */
static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;

	if (parse_uint(s, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Split "owner:start:count" in place. 0, or -EINVAL for anything else. */
static int parse_line(char *line, char **owner, struct subid_span *r)
{
	char *f1, *f2, *nl;

	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	f1 = strchr(line, ':');
	if (!f1)
		return -EINVAL;
	*f1++ = '\0';
	f2 = strchr(f1, ':');
	if (!f2)
		return -EINVAL;
	*f2++ = '\0';
	if (strchr(f2, ':') || line[0] == '\0')
		return -EINVAL;
	if (parse_u32(f1, &r->start) < 0 || parse_u32(f2, &r->count) < 0)
		return -EINVAL;
	if (r->count == 0 || (uint64_t)r->start + r->count - 1 > UINT32_MAX)
		return -EINVAL;
	*owner = line;
	return 0;
}

static bool owner_matches(const char *owner, const char *user, uint32_t id)
{
	uint32_t n;

	if (user && strcmp(owner, user) == 0)
		return true;
	return parse_u32(owner, &n) == 0 && n == id;
}

int subid_find(FILE *f, const char *user, uint32_t id, struct subid_span *out)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) >= 0) {
		struct subid_span r;
		char *owner;

		if (line[0] == '#')
			continue;
		if (parse_line(line, &owner, &r) < 0)
			continue;
		if (owner_matches(owner, user, id)) {
			*out = r;
			return 0;
		}
	}
	return -ENOENT;
}

#ifdef HAVE_LIBSUBID
static int subid_lookup_lib(const char *user, int which, struct subid_span *out)
{
	struct subid_range *ranges = NULL;
	int n;

	n = which == SUBID_UIDS ? subid_get_uid_ranges(user, &ranges) : subid_get_gid_ranges(user, &ranges);
	if (n <= 0) {
		free(ranges);
		return -ENOENT;
	}
	*out = (struct subid_span){ (uint32_t)ranges[0].start, (uint32_t)ranges[0].count };
	free(ranges);
	return 0;
}
#endif

int subid_lookup(const char *path, const char *user, uint32_t id, int which, struct subid_span *out)
{
	_cleanup_fclose_ FILE *f = NULL;

#ifdef HAVE_LIBSUBID
	if (user && subid_lookup_lib(user, which, out) == 0)
		return 0;
#else
	(void)which;
#endif
	f = fopen(path, "re");
	if (!f)
		return -errno;
	return subid_find(f, user, id, out);
}
