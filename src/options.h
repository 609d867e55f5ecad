/* options.h: the command line, parsed into one validated, read-only struct config. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "idmap.h"  /* enum map_mode */
#include "netaddr.h" /* the MTU bounds */
#include "netmode.h"
#include "publish.h"
#include "rlimit.h"

enum cmd_kind { CMD_RUN, CMD_EXEC, CMD_LIST, CMD_DOCTOR, CMD_HELP, CMD_VERSION };
enum seccomp_mode { SECCOMP_DEFAULT, SECCOMP_NONE };
/* /sys/fs/cgroup inside, when the host has cgroup v2: the sandbox's own cgroup. */
enum cgroupfs_mode { CGROUPFS_RO, CGROUPFS_RW, CGROUPFS_NONE };

/* The filesystem options, applied in order. The last five are bwrap's helpers. */
enum mount_kind {
	MOUNT_BIND,
	MOUNT_RO_BIND,
	MOUNT_TMPFS,
	MOUNT_DEV_BIND, /* a bind that keeps device nodes usable */
	MOUNT_SYMLINK,  /* src: the link's target */
	MOUNT_DIR,
	MOUNT_FILE,     /* src: FD number or host path; its bytes placed at dst */
	MOUNT_CHMOD,
};

struct user_mount {
	enum mount_kind kind;
	const char *src; /* host path; NULL for tmpfs, dir, chmod */
	const char *dst; /* path inside the sandbox */
	bool try_src;    /* --bind-try, --ro-bind-try: a missing src skips the mount */
	unsigned mode;   /* MOUNT_CHMOD */
	char *data;      /* MOUNT_FILE: the bytes, read before the sandbox starts (owned) */
	size_t len;
	unsigned long long size; /* tmpfs: its size limit, bytes */
	char *dst_owned; /* tmpfs: dst when --tmpfs DST:SIZE had to be split (freed with cfg) */
};

/* -e, --unsetenv and --env-file, applied in the order given. */
enum env_kind { ENV_SET, ENV_UNSET, ENV_FILE };

struct env_setting {
	enum env_kind kind;
	const char *name;  /* ENV_SET: NAME or NAME=VALUE; ENV_UNSET: NAME; ENV_FILE: the path */
	const char *value; /* ENV_SET: NULL to copy from the caller's environment */
};

struct add_host; /* etcfiles.h */

struct cap_change {
	bool add;
	const char *name; /* as given; validated by caps.c */
};

struct config {
	enum cmd_kind cmd;
	bool verbose;

	/* run */
	const char *rootfs; /* "/" is host mode */
	bool host_mode;
	char *const *argv; /* COMMAND and ARGs; never empty after parsing */
	bool argv_given;   /* COMMAND was on the command line (an image's Cmd yields to it) */
	const char *entrypoint; /* --entrypoint (IMAGE only): NULL unset; "" clears the image's */
	const char **image_layers; /* IMAGE: its unpacked layers, lowest first (image.c) */
	size_t nimage_layers;      /* rootfs is then the top one */
	enum map_mode map;
	bool map_set; /* --map given */
	bool user_set;
	bool user_from_image; /* user_uid/gid are the image's User, not --user (for messages) */
	uid_t user_uid;
	gid_t user_gid;
	const char *hostname;
	enum net_mode net;
	unsigned mtu;
	bool allow_host_loopback;
	bool net_fast; /* --net-fast: the TCP fast paths beside libslirp */
	struct publish *publish;
	size_t npublish;
	const char **net_allow; /* --net-allow DESTs, validated (netpolicy.h); none: no policy */
	size_t nnet_allow;
	const char *flow_log; /* --flow-log FILE|FD as given, or NULL */
	int flow_log_fd;      /* FD's number; -1 for a FILE (main.c opens it) or none */
	bool ro;
	bool overlay;
	unsigned long long tmp_size; /* bytes */
	unsigned long long shm_size; /* /dev/shm, bytes */
	const char *runtime_dir;     /* host mode: the caller's $XDG_RUNTIME_DIR, hidden inside */
	struct user_mount *mounts;
	size_t nmounts;
	const char **dns; /* --dns, in order: the generated resolv.conf's servers */
	size_t ndns;
	struct add_host *add_hosts;
	size_t nadd_hosts;
	const char *workdir; /* NULL: default */
	struct env_setting *env;
	size_t nenv;
	bool clearenv; /* start COMMAND from an empty environment */
	const char *name;
	unsigned long long timeout_ms; /* 0: none */
	bool no_tty;
	bool help_exec; /* sandbox exec --help */
	bool tty;       /* exec -t: a pty even when stdin is not a terminal */
	struct cap_change *caps;
	size_t ncaps;
	enum seccomp_mode seccomp;
	struct rlimit_setting *rlimits;
	size_t nrlimits;
	unsigned long long memory; /* bytes; 0: unset */
	unsigned long long pids;   /* 0: unset */
	double cpus;               /* 0: unset */
	enum cgroupfs_mode cgroupfs;
	int status_fd;             /* -1: unset */
	bool list_json;
};

#define DEFAULT_HOSTNAME "sandbox"
#define DEFAULT_TMP_SIZE (512ULL << 20)
#define DEFAULT_SHM_SIZE (64ULL << 20)    /* docker's: /dev/shm is not a second /tmp */
#define DEFAULT_TMPFS_SIZE (512ULL << 20) /* --tmpfs DST without :SIZE, as /tmp */

/* Parse argv into cfg. 0, or -EINVAL with a one-line reason in err (no "sandbox: " prefix).
 * Pure apart from reading the caller's environment for "-e NAME" and stat()ing ROOTFS (host
 * mode is ROOTFS with the device and inode of "/"). The strings in cfg point into argv; the arrays are heap-allocated (config_free). */
int options_parse(int argc, char *const argv[], struct config *cfg, char *err, size_t errlen);
/* The most --file places: a larger source is refused, never cut. */
#define OPTIONS_FILE_MAX (64 << 20)
/* --file FD|SRC DST: read each source (a file descriptor number, or a host path) into its
 * entry's data now, before the inherited descriptors are closed and anything is planned or
 * mounted: the mount plan carries the bytes, and mount.c never sees the options. 0 or -errno
 * with "--file SRC: WHY" in err. */
int options_load_files(struct config *cfg, char *err, size_t errlen);
void config_free(struct config *cfg);
/* Who COMMAND runs as, now that the caller's ids are known: host mode without --map and
 * without --user 0 is --map keep-id; keep-id without --user runs COMMAND as uid:gid. */
void options_resolve_identity(struct config *cfg, uid_t uid, gid_t gid);
/* UID[:GID], numeric; GID defaults to UID. 0 or -EINVAL. */
int options_parse_user(const char *s, uid_t *uid, gid_t *gid);
/* Write the --help text, built from the option table; sandbox exec --help gets exec's. */
void options_usage(FILE *out);
void options_usage_exec(FILE *out);
/* The long option names of the table, in order; NULL at the end (the doc test reads them). */
const char *options_long_name(size_t i);
