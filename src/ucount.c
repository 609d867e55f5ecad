/* ucount.c: a share of the caller's /proc/sys/user limits for the sandbox's user namespace. */
#include "config.h"

#include "ucount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "util.h"

const char *const ucount_names[] = {
	"max_user_namespaces",	 "max_mnt_namespaces",	"max_net_namespaces",	"max_pid_namespaces",
	"max_ipc_namespaces",	 "max_uts_namespaces",	"max_cgroup_namespaces", "max_time_namespaces",
	"max_inotify_instances", "max_inotify_watches", "max_fanotify_groups",	 "max_fanotify_marks",
};
const size_t ucount_nnames = sizeof(ucount_names) / sizeof(ucount_names[0]);
_Static_assert(sizeof(ucount_names) / sizeof(ucount_names[0]) == UCOUNT_MAX_NAMES, "one slot per name");

long long ucount_share(long long caller_limit)
{
	return caller_limit > 0 ? caller_limit / 2 : 0;
}

static int open_limit(size_t i, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/sys/user/%s", ucount_names[i]);
	return open(path, flags | O_CLOEXEC);
}

void ucount_read(struct ucount_limits *out)
{
	for (size_t i = 0; i < ucount_nnames; i++) {
		_cleanup_close_ int fd = open_limit(i, O_RDONLY);
		char buf[32];
		ssize_t n;
		unsigned long long v;

		out->value[i] = -1;
		if (fd < 0 || (n = read_all(fd, buf, sizeof(buf) - 1)) <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_uint(buf, INT32_MAX, &v) == 0)
			out->value[i] = (long long)v;
	}
}

int ucount_apply_share(const struct ucount_limits *caller, char *err, size_t errlen)
{
	for (size_t i = 0; i < ucount_nnames; i++) {
		_cleanup_close_ int fd = -1;
		char buf[32];
		int len;

		if (caller->value[i] < 0)
			continue;
		fd = open_limit(i, O_WRONLY);
		/* Nested, /proc/sys is the outer sandbox's, read-only: its share still holds. */
		if (fd < 0 && errno == EROFS) {
			debug("limits: /proc/sys is read-only here, the outer limits hold");
			return 0;
		}
		if (fd < 0)
			return err_set(err, errlen, errno, "limits: open /proc/sys/user/%s", ucount_names[i]);
		len = snprintf(buf, sizeof(buf), "%lld\n", ucount_share(caller->value[i]));
		int r = write_all(fd, buf, (size_t)len);
		if (r < 0)
			return err_set(err, errlen, -r, "limits: write /proc/sys/user/%s", ucount_names[i]);
	}
	return 0;
}
