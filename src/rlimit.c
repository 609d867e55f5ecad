/* rlimit.c: --rlimit NAME=SOFT[:HARD], names as in prlimit(1). */
#include "config.h"

#include "rlimit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "AS", RLIMIT_AS },
	{ "CORE", RLIMIT_CORE },
	{ "CPU", RLIMIT_CPU },
	{ "DATA", RLIMIT_DATA },
	{ "FSIZE", RLIMIT_FSIZE },
	{ "LOCKS", RLIMIT_LOCKS },
	{ "MEMLOCK", RLIMIT_MEMLOCK },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "NICE", RLIMIT_NICE },
	{ "NOFILE", RLIMIT_NOFILE },
	{ "NPROC", RLIMIT_NPROC },
	{ "RSS", RLIMIT_RSS },
	{ "RTPRIO", RLIMIT_RTPRIO },
	{ "RTTIME", RLIMIT_RTTIME },
	{ "SIGPENDING", RLIMIT_SIGPENDING },
	{ "STACK", RLIMIT_STACK },
};

int rlimit_by_name(const char *name)
{
	/* prlimit(1) also takes the RLIMIT_ spelling. */
	if (strncasecmp(name, "RLIMIT_", 7) == 0)
		name += 7;
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcasecmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return "?";
}

static int parse_value(const char *s, size_t len, rlim_t *out)
{
	char buf[32];
	unsigned long long v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcasecmp(buf, "unlimited") == 0 || strcasecmp(buf, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	/* RLIM_INFINITY is the all-ones value: a number must stay below it. */
	if (parse_uint(buf, UINT64_MAX - 1, &v) < 0)
		return -EINVAL;
	*out = (rlim_t)v;
	return 0;
}

int rlimit_parse(const char *spec, struct rlimit_setting *out, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	const char *colon;
	char name[32];
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (!eq) {
		return err_set(err, errlen, -EINVAL, "'%s' is not NAME=SOFT[:HARD]", spec);
	}
	nlen = (size_t)(eq - spec);
	if (nlen == 0 || nlen >= sizeof(name)) {
		return err_set(err, errlen, -EINVAL, "'%s': unknown limit name", spec);
	}
	memcpy(name, spec, nlen);
	name[nlen] = '\0';
	out->resource = rlimit_by_name(name);
	if (out->resource < 0) {
		return err_set(err, errlen, -EINVAL, "'%s': unknown limit name (see prlimit(1))", name);
	}
	colon = strchr(eq + 1, ':');
	if (parse_value(eq + 1, colon ? (size_t)(colon - eq - 1) : strlen(eq + 1), &out->soft) < 0) {
		return err_set(err, errlen, -EINVAL, "'%s': the soft limit must be a number or 'unlimited'", spec);
	}
	if (colon) {
		if (parse_value(colon + 1, strlen(colon + 1), &out->hard) < 0) {
			return err_set(err, errlen, -EINVAL, "'%s': the hard limit must be a number or 'unlimited'", spec);
		}
		out->hard_set = true;
		/* RLIM_INFINITY compares as the largest value, as the kernel does. */
		if (out->soft > out->hard) {
			return err_set(err, errlen, -EINVAL, "'%s': the soft limit is above the hard limit", spec);
		}
	}
	return 0;
}

int rlimit_apply(const struct rlimit_setting *s, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit rl;
		if (getrlimit(s[i].resource, &rl) < 0)
			goto fail;
		rl.rlim_cur = s[i].soft;
		if (s[i].hard_set)
			rl.rlim_max = s[i].hard;
		else if (rl.rlim_cur > rl.rlim_max) {
			return err_set(err, errlen, -EINVAL, "rlimit %s: soft limit above the current hard limit",
				       rlimit_name(s[i].resource));
		}
		if (setrlimit(s[i].resource, &rl) < 0)
			goto fail;
		continue;
fail:;
		int e = errno;
		return err_set(err, errlen, e, "rlimit %s", rlimit_name(s[i].resource));
	}
	return 0;
}
