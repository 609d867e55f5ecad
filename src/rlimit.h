/* rlimit.h: --rlimit NAME=SOFT[:HARD] (pure parser) and applying the settings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

struct rlimit_setting {
	int resource; /* RLIMIT_* */
	rlim_t soft;
	rlim_t hard;
	bool hard_set; /* false: only the soft limit was given; the hard one stays as it is */
};

/* 0, or -EINVAL with a reason in err. Names as in prlimit(1), case-insensitive. */
int rlimit_parse(const char *spec, struct rlimit_setting *out, char *err, size_t errlen);
/* The RLIMIT_* for a name, or -1. */
int rlimit_by_name(const char *name);
/* Apply them in order, in the calling process. 0 or -errno with the failing one in err. */
int rlimit_apply(const struct rlimit_setting *s, size_t n, char *err, size_t errlen);
