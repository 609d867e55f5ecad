/* mountplan.h: the sandbox's filesystem as an ordered list of mount steps (pure), built from the
 * options (mountplan_build) or from config.json (ociconf.c). mount.c runs them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "netmode.h"

/* The plan's types know nothing of the option parser: the OCI runtime builds a plan from
 * config.json with mountplan_add. Only mountplan_build reads the options. */
struct add_host; /* etcfiles.h */
struct config;   /* options.h */

enum mstep_kind {
	MSTEP_PROC,    /* a new procfs for the pid namespace */
	MSTEP_MASK,    /* hide dst (a file: /dev/null over it; a directory: an empty read-only tmpfs) */
	MSTEP_RO_PATH, /* make dst, which exists, read-only */
	MSTEP_DEV,     /* tmpfs with the contract's nodes, devpts, shm (of size bytes), links */
	MSTEP_SYS,     /* read-only sysfs */
	MSTEP_CGROUP,  /* the sandbox's cgroup (its cgroup namespace's root), when the host has cgroup v2 */
	MSTEP_TMPFS,   /* a tmpfs of size bytes (0: the kernel's default) */
	MSTEP_BIND,    /* host src at dst */
	MSTEP_RO_BIND, /* the same, read-only (submounts too) */
	MSTEP_ETC,     /* a generated file over dst, only when dst exists in the rootfs */
	MSTEP_DEV_BIND, /* a bind whose device nodes stay usable */
	MSTEP_SYMLINK, /* a symbolic link at dst to src */
	MSTEP_DIR,     /* a directory at dst (and its parents) */
	MSTEP_FILE,    /* data as a new file bound at dst */
	MSTEP_CHMOD,   /* chmod dst to mode */
	MSTEP_MQUEUE,  /* a POSIX message queue filesystem for the ipc namespace (OCI configs) */
};

enum etc_file { ETC_NONE, ETC_RESOLV_CONF, ETC_HOSTS, ETC_HOSTNAME };

struct mstep {
	enum mstep_kind kind;
	const char *src;
	char *dst;                 /* normalized absolute path inside the sandbox (owned) */
	unsigned long long size;   /* MSTEP_TMPFS; MSTEP_DEV: its /dev/shm */
	int mode;                  /* MSTEP_TMPFS: permission bits of its root (0 with copyup: the
				    * directory's); MSTEP_CHMOD: the mode */
	enum etc_file etc;         /* MSTEP_ETC */
	bool optional;             /* MASK/RO_PATH/ETC: skip when dst is absent */
	bool create;               /* create dst (as a directory, or a file for file binds) if absent */
	bool writable;             /* MSTEP_CGROUP: read-write (--cgroupfs rw) */
	bool system;               /* a mount point every sandbox has: made even under --ro */
	bool try_src;              /* BIND/RO_BIND: skip the step when src is missing */
	const char *data;          /* MSTEP_FILE: its bytes (the config's) */
	size_t len;
	bool unless_symlink;       /* MSTEP_TMPFS: skip when dst is absent or a symlink (/var/run) */
	bool copyup;               /* MSTEP_TMPFS: starts with the content, owner and mode of the
				    * directory it covers (OCI tmpcopyup) */
};

/* Host mode's /run, /var/run and runtime directory tmpfs mounts: sockets, pid files. */
#define HOST_RUN_SIZE (64ULL << 20)

struct mountplan {
	struct mstep *steps;
	size_t n;
	/* The root the steps run on. */
	const char *rootfs;              /* the rootfs on disk ("/" in host mode) */
	bool host_mode;                  /* the host's root, read-only, attached on a private /tmp */
	bool overlay;                    /* the rootfs as the lower layer of an overlay */
	const char **image_layers;       /* an image's unpacked layers, lowest first (borrowed) */
	size_t nimage_layers;            /* then the lower layers of the overlay, not rootfs */
	bool ro;                         /* the root read-only once its mount points exist */
	unsigned long long overlay_size; /* the overlay's upper layer (a tmpfs), bytes */
	int marks_fd;                    /* the journal of mount points made in the rootfs (marks.h), or -1 */
	/* What the generated /etc files say. */
	enum net_mode net;
	const char *hostname;
	const char **dns; /* --dns: replace the default server (borrowed) */
	size_t ndns;
	const struct add_host *add_hosts; /* --add-host: extra hosts lines (borrowed) */
	size_t nadd_hosts;
	/* Called once every step has run, before pivot_root, in the new mount namespace with the
	 * old root still in view (sandbox-oci's createContainer hooks). 0, or -errno with err set. */
	int (*before_pivot)(void *data, char *err, size_t errlen);
	void *before_pivot_data;
};

/* Lexically normalize an absolute path: collapse "//", drop ".", resolve ".." (never above
 * "/"), drop a trailing "/". 0, or -EINVAL (not absolute) / -ENAMETOOLONG. */
int mountplan_normalize(const char *in, char *out, size_t outlen);

/* Append a step at dst (normalized; a copy is kept), zeroed but for kind and dst. The step, or
 * NULL (-ENOMEM, or dst not absolute). For planners other than mountplan_build (the OCI
 * runtime's config.json). */
struct mstep *mountplan_add(struct mountplan *plan, enum mstep_kind kind, const char *dst);

/* Build the plan for cfg (its strings are borrowed from cfg). 0 or -errno with a reason in err. */
int mountplan_build(const struct config *cfg, struct mountplan *plan, char *err, size_t errlen);
void mountplan_free(struct mountplan *plan);
