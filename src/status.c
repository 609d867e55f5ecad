/* status.c: JSON lines for --status-fd. Each line is built whole, so that it goes out in one
 * write(2) and a reader never sees half a line. */
#include "config.h"

#include "status.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

int buf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

int json_append_string(char *buf, size_t len, size_t *used, const char *s)
{
	if (buf_appendf(buf, len, used, "\"") < 0)
		return -ENOSPC;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int r;
		switch (*p) {
		case '"':
			r = buf_appendf(buf, len, used, "\\\"");
			break;
		case '\\':
			r = buf_appendf(buf, len, used, "\\\\");
			break;
		case '\n':
			r = buf_appendf(buf, len, used, "\\n");
			break;
		case '\r':
			r = buf_appendf(buf, len, used, "\\r");
			break;
		case '\t':
			r = buf_appendf(buf, len, used, "\\t");
			break;
		default:
			/* Control characters escaped; bytes >= 0x80 pass through as they are. */
			if (*p < 0x20 || *p == 0x7f)
				r = buf_appendf(buf, len, used, "\\u%04x", *p);
			else
				r = buf_appendf(buf, len, used, "%c", *p);
		}
		if (r < 0)
			return r;
	}
	return buf_appendf(buf, len, used, "\"");
}

int status_started(char *buf, size_t len, pid_t pid, const char *ip, bool net_policy,
		   char *const *argv)
{
	size_t used = 0;

	if (buf_appendf(buf, len, &used, "{\"pid\": %d, \"ip\": ", (int)pid) < 0)
		return -ENOSPC;
	if (ip ? json_append_string(buf, len, &used, ip) < 0 : buf_appendf(buf, len, &used, "null") < 0)
		return -ENOSPC;
	if (buf_appendf(buf, len, &used, ", \"net_policy\": %s, \"command\": [",
			net_policy ? "true" : "false") < 0)
		return -ENOSPC;
	for (size_t i = 0; argv && argv[i]; i++)
		if ((i && buf_appendf(buf, len, &used, ", ") < 0) || json_append_string(buf, len, &used, argv[i]) < 0)
			return -ENOSPC;
	if (buf_appendf(buf, len, &used, "]}\n") < 0)
		return -ENOSPC;
	return (int)used;
}

int status_exited(char *buf, size_t len, int wait_status)
{
	size_t used = 0;
	int r;

	if (WIFSIGNALED(wait_status))
		r = buf_appendf(buf, len, &used, "{\"signal\": %d}\n", WTERMSIG(wait_status));
	else
		r = buf_appendf(buf, len, &used, "{\"exit_code\": %d}\n", WEXITSTATUS(wait_status));
	return r < 0 ? r : (int)used;
}

int status_timed_out(char *buf, size_t len)
{
	size_t used = 0;
	int r = buf_appendf(buf, len, &used, "{\"exit_code\": %d, \"timeout\": true}\n", EXIT_TIMEOUT);

	return r < 0 ? r : (int)used;
}
