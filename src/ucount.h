/* ucount.h: the per-user-namespace limits of /proc/sys/user (namespaces of each kind, inotify
 * instances and watches). The kernel counts what a user namespace's processes create against
 * that namespace's limits and every ancestor's, per user; a new user namespace starts with no
 * limit of its own, so a sandbox could take all its caller has and leave the caller nothing.
 * The sandbox's user namespace gets a share of the caller's limits instead. */
#pragma once

#include <stddef.h>

/* The limits of /proc/sys/user that are shared out (files the kernel lacks are left alone). */
extern const char *const ucount_names[];
extern const size_t ucount_nnames;
#define UCOUNT_MAX_NAMES 12

struct ucount_limits {
	long long value[UCOUNT_MAX_NAMES]; /* -1: not there */
};

/* What a sandbox gets of its caller's limit: half, so that the caller keeps as much. Pure. */
long long ucount_share(long long caller_limit);
/* The calling process's user namespace's limits (before clone). */
void ucount_read(struct ucount_limits *out);
/* Set the calling process's user namespace's limits to the share of caller's, as its root
 * (CAP_SYS_RESOURCE in it). 0 (also when /proc/sys is read-only: inside a sandbox, whose own
 * share then holds), or -errno with a reason in err. */
int ucount_apply_share(const struct ucount_limits *caller, char *err, size_t errlen);
