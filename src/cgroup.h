/* cgroup.h: --memory, --pids, --cpus through cgroup v2 (and sandbox-oci's linux.resources).
 *
 * We find the cgroup v2 subtree the user has been delegated: from our own cgroup ("0::/path"
 * in /proc/self/cgroup) under the cgroup2 mount (/proc/self/mountinfo), walking up while the
 * directory is ours (a delegation hands the user the directory and its files), to the first
 * one whose cgroup.subtree_control enables the controllers we need. There we create
 * sandbox-PID (below), write the limits, and the sandbox's child is cloned straight into its
 * main (CLONE_INTO_CGROUP): it runs nothing before it is limited. The directory is removed at exit;
 * one left by a supervisor killed by SIGKILL is removed by the next start.
 *
 * The layout, below the delegated cgroup:
 *
 *   sandbox-PID/       the limits, binding everything below; controllers enabled for children
 *   sandbox-PID/main   init, COMMAND and `sandbox exec`: the root of the sandbox's cgroup
 *                      namespace, what it sees at /sys/fs/cgroup, with the same limits written
 *   sandbox-PID/net    the network helper (--net slirp): its memory and CPU count in the limits
 *
 * Two levels, because a cgroup with processes cannot give controllers to children: with init and
 * the helper in one cgroup, COMMAND could never make nested limits, and a writable
 * /sys/fs/cgroup would let it raise the only limits there are (hosts without nsdelegate).
 *
 * The pure parts take the texts and a directory fd as parameters, for tests on a fake tree. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum { CGROUP_MEMORY = 1, CGROUP_PIDS = 2, CGROUP_CPU = 4 };

/* The sandbox's limits, as the supervisor plans them from --memory, --pids and --cpus, or
 * sandbox-oci from config.json's linux.resources (ociconf.c). */
struct cgroup_limits {
	unsigned long long memory;     /* memory.max, bytes; 0: none */
	long long swap;                /* memory.swap.max with memory: bytes, 0 (no swap), or -1: max */
	unsigned long long pids;       /* pids.max; 0: none */
	unsigned long long cpu_quota;  /* cpu.max's quota in microseconds a period; 0: none */
	unsigned long long cpu_period; /* its period; 0: 100000 */
	unsigned long long cpu_weight; /* cpu.weight (1..10000); 0: none */
	bool net_helper;               /* the network helper runs in the sandbox's cgroup too */
	/* The cgroup to make below the delegated one, "DIR/NAME" made with its parents; NULL:
	 * sandbox-PID (the stale ones of dead supervisors are removed by that name). */
	const char *path;
	/* What the messages call the memory, pids and cpu limits; NULL: --memory, --pids, --cpus. */
	const char *const *names;
};

/* The controllers the limits need (0: no cgroup at all). */
unsigned cgroup_needed(const struct cgroup_limits *l);
/* The cgroup v2 path of "0::/path" in a /proc/self/cgroup text, into path. 0 or -ENOENT. */
int cgroup_parse_self(const char *text, char *path, size_t len);
/* The mount point of the cgroup2 filesystem in a mountinfo text (octal escapes decoded).
 * 0 or -ENOENT. Only a mount of the hierarchy's root (or of our namespace's) counts. */
int cgroup_parse_mountinfo(const char *text, char *mnt, size_t len);
/* Whether a mountinfo text has any cgroup2 mount (the host has cgroup v2, unified or hybrid). */
bool cgroup_v2_mounted(const char *text);
/* Whether this process sees a cgroup2 mount (reads /proc/self/mountinfo). */
bool cgroup_host_has_v2(void);
/* Whether a cgroup.controllers / cgroup.subtree_control text holds every controller of need;
 * when not, *missing names the first one absent. */
int cgroup_has(const char *list, unsigned need, const char **missing);
/* Walk up from self_path (absolute, as in /proc/self/cgroup) below rootfd (the cgroup2 mount)
 * while the directories are owned by uid; the first whose subtree_control enables need is the
 * parent for the sandbox's cgroup: its path relative to rootfd ("" for the root) into rel.
 * 0, or -ENOENT with the missing controller's name in *missing. */
int cgroup_find(int rootfd, const char *self_path, uid_t uid, unsigned need, char *rel, size_t len,
		const char **missing);
/* cpu.max's quota for N CPUs in a period of 100000 us: at least 1000, the kernel's minimum. */
unsigned long long cgroup_cpus_quota(double cpus);
/* cpu.max: "QUOTA PERIOD" (period 0: 100000). Length or -ENOSPC. */
int cgroup_format_cpu_max(unsigned long long quota, unsigned long long period, char *buf, size_t len);

struct cgroup {
	int dirfd;           /* the sandbox's own (init, COMMAND, exec), for CLONE_INTO_CGROUP; -1: none */
	int netfd;           /* the network helper's, with --net slirp; -1: none */
	int topfd;           /* sandbox-PID, above both: the limits that bind them together */
	int parentfd;        /* the delegated cgroup it was made in */
	char name[PATH_MAX]; /* sandbox-PID, or limits' path: below parentfd */
	char path[PATH_MAX]; /* dirfd's host path, for exec */
	char top[PATH_MAX];  /* topfd's host path */
};

/* Create the sandbox's cgroup with the limits l (and its net cgroup with l->net_helper).
 * 0 (cg->dirfd -1 when l needs none), or -errno with "--memory: ..." in err. */
int cgroup_setup(const struct cgroup_limits *l, struct cgroup *cg, char *err, size_t errlen);
/* Remove it, once nothing runs in it. */
void cgroup_remove(struct cgroup *cg);
/* Close its descriptors and keep it: a container's outlives the runtime's create. */
void cgroup_release(struct cgroup *cg);
/* Remove the cgroup at a host path (cg->top of a process that has ended: sandbox-oci delete),
 * once nothing runs in it. 0 or -errno. */
int cgroup_remove_path(const char *top);
