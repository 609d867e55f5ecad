/* subid.c: parse /etc/subuid and /etc/subgid text; look ranges up through libsubid when
 * configure found it. */
#include "config.h"

#include "subid.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBSUBID
#include <dlfcn.h>
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
/* Whether nsswitch.conf names a source for subordinate ids ("subid: sss"). Without one,
 * libsubid reads the very files our parser reads. */
static bool nsswitch_names_subid(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) >= 0) {
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "subid:", 6) == 0 && p[6 + strspn(p + 6, " \t")] > ' ')
			return true;
	}
	return false;
}

/* libsubid answers from directory services (SSSD, LDAP) when nsswitch.conf says so. It
 * brings PAM, SELinux and audit libraries along, which cost ~1.5 ms and 2 MiB at every
 * start, so it is opened only when such a source is configured, not linked. The library
 * comes from the host's own path, before anything of the rootfs is touched. */
static int subid_lookup_lib(const char *user, int which, struct subid_span *out)
{
	typedef int (*get_ranges_fn)(const char *, struct subid_range **);
	struct subid_range *ranges = NULL;
	get_ranges_fn get;
	void *lib;
	int n;

	if (!nsswitch_names_subid("/etc/nsswitch.conf"))
		return -ENOENT;
	lib = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return -ENOENT;
	get = (get_ranges_fn)dlsym(lib, which == SUBID_UIDS ? "subid_get_uid_ranges" : "subid_get_gid_ranges");
	n = get ? get(user, &ranges) : -1;
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
