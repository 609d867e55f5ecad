/* registry.h: named sandboxes (--name), their state directory, and the entries that
 * `sandbox exec` and `sandbox list` read.
 *
 * The state directory is $XDG_RUNTIME_DIR/sandbox, else $XDG_STATE_HOME/sandbox or
 * ~/.local/state/sandbox (never a fixed name in /tmp that another user could make first; only a
 * user without a home gets /tmp/sandbox-UID), private (0700, ours, no symlink: anything else is
 * refused with the fix), and every file in it is reached relative to its fd. A named sandbox holds
 * NAME.lock with an exclusive flock(2) for its whole life: the lock is the proof that it
 * runs, so a lock that can be taken marks a stale entry (its supervisor died by SIGKILL).
 * NAME.entry describes it (registry.c has its layout: fields this binary writes and reads back
 * without a parser); it is written atomically (temp file + rename). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cmdplan.h"

#define REGISTRY_NAME_MAX 64
/* The largest entry written, and read: a command line of a few MiB fits. */
#define REGISTRY_ENTRY_MAX (16u << 20)

struct registry_entry {
	char *name;
	pid_t pid;                        /* the supervisor */
	pid_t init_pid;                   /* the sandbox's init (host pid) */
	unsigned long long init_start;    /* its start time, /proc/PID/stat field 22 */
	pid_t cmd_pid;                    /* COMMAND (host pid): exec joins through it */
	unsigned long long cmd_start;
	long long created;                /* seconds since the epoch */
	char *rootfs;
	bool own_net;                     /* its own network namespace: exec joins it too */
	bool net_policy;                  /* --net-allow limits where its network goes */
	char *cgroup;                     /* its cgroup directory (host path), or NULL */
	struct command_plan cmd;          /* COMMAND's plan: exec runs its command by it */
};

/* 1 to 64 of [A-Za-z0-9_.-], not starting with '.' or '-'. 0 or -EINVAL. */
int registry_name_valid(const char *name);

/* The entry's file content, malloc'd into *out. 0, -E2BIG beyond REGISTRY_ENTRY_MAX, -ENOMEM. */
int registry_encode(const struct registry_entry *e, char **out, size_t *len);
/* Read back what registry_encode wrote: an unknown, repeated, missing or malformed field is
 * refused. 0, or -EINVAL/-ENOMEM with a reason in err; e is then empty. Free with
 * registry_entry_free. */
int registry_decode(const void *buf, size_t len, struct registry_entry *e, char *err, size_t errlen);
void registry_entry_free(struct registry_entry *e);
/* The line `list --json` prints for e (the only JSON of an entry), malloc'd into *out, with
 * its age at now. 0 or -ENOMEM. */
int registry_format_json(const struct registry_entry *e, long long now, char **out);

/* Field 22 (starttime) of a /proc/PID/stat text; the command name may hold spaces and ')'.
 * 0 or -EINVAL. */
int registry_parse_start_time(const char *stat_text, unsigned long long *out);
/* The start time of a live pid. 0 or -errno (-ESRCH when it is gone). */
int registry_start_time(pid_t pid, unsigned long long *out);

/* The state directory's fd (O_PATH-free, O_DIRECTORY). create: make it when missing.
 * -ENOENT when it does not exist and !create; -errno with a reason in err otherwise. */
int registry_open_dir(bool create, char *err, size_t errlen);
/* Open the state directory below parent_fd (pure enough for tests): sub is created 0700
 * when create, and refused unless it is ours (uid) and 0700. fd or -errno with err. */
int registry_open_dir_at(int parent_fd, const char *sub, uid_t uid, bool create, char *err,
			 size_t errlen);

/* Whether the user's state directory sees stamp (a name that starts with '.', so never a
 * sandbox's) for the first time: 1 when this call made it (O_EXCL: of two first calls at once,
 * one wins), 0 when it was there already, -errno when it cannot tell (no usable state
 * directory). For what should be said once per user, not at every run. */
int registry_stamp_first(const char *stamp);

/* Take NAME.lock. The lock fd (>= 0), or -EBUSY when it is held (*holder = the pid written in
 * it, or 0), or -errno. A stale NAME.entry left by a dead holder is removed. */
int registry_lock(int dirfd, const char *name, pid_t *holder);
/* Write NAME.entry atomically. 0 or -errno (-E2BIG: larger than REGISTRY_ENTRY_MAX). */
int registry_write(int dirfd, const struct registry_entry *e);
/* Remove NAME.entry and NAME.lock, then drop the lock. */
void registry_unregister(int dirfd, const char *name, int lockfd);

/* Load a running sandbox's entry: 0; -ENOENT when no sandbox of that name runs (a stale one
 * is cleaned up on the way), -EAGAIN when it is starting (locked, no entry yet), -errno. */
int registry_load(int dirfd, const char *name, struct registry_entry *e, char *err, size_t errlen);

/* Call fn for each running sandbox, removing stale entries as it goes; sorted by name.
 * 0 or -errno. */
int registry_foreach(int dirfd, void (*fn)(const struct registry_entry *e, void *data), void *data);
