/* status.h: JSON lines of --status-fd (pure encoders). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* printf at buf + *used, advancing *used; never past len. 0 or -ENOSPC. */
int buf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Append s as a JSON string (quoted, escaped) to buf at *used. 0 or -ENOSPC. */
int json_append_string(char *buf, size_t len, size_t *used, const char *s);

/* {"pid": PID, "ip": "10.0.2.100", "net_policy": false, "command": [..]}\n  (ip null without a
 * network; net_policy true when --net-allow limits where it goes). Length, or -ENOSPC. */
int status_started(char *buf, size_t len, pid_t pid, const char *ip, bool net_policy,
		   char *const *argv);
/* {"exit_code": N}\n or {"signal": N}\n from a wait status. Length, or -ENOSPC. */
int status_exited(char *buf, size_t len, int wait_status);
/* {"exit_code": 124, "timeout": true}\n: the end record when --timeout killed the sandbox
 * (the exit status sandbox itself returns then). Length, or -ENOSPC. */
int status_timed_out(char *buf, size_t len);
