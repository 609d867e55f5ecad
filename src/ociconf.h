/* ociconf.h: an OCI runtime-spec config.json (and exec's process.json) read into the plans the
 * sandbox runs by (pure; json-c). What the runtime cannot do is refused with the member's name
 * ("linux.intelRdt: not supported"), never skipped. Only sandbox-oci links it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "cmdplan.h"
#include "mountplan.h"

/* The hooks of the runtime spec, in the order of the spec's lifecycle. */
enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_NKINDS,
};

struct oci_hook {
	char *path;
	char **args; /* NULL-terminated; NULL: just the path */
	char **env;
	int timeout; /* seconds, 0: none */
};

struct oci_namespace {
	int type;   /* CLONE_NEWPID, CLONE_NEWNET, ... */
	char *path; /* join this one, or NULL: a new one */
};

struct oci_idmap {
	uint32_t container, host, size;
};

/* One rule of the seccomp profile: names with an action and argument conditions. */
enum oci_scmp_op { OCI_SCMP_NE = 1, OCI_SCMP_LT, OCI_SCMP_LE, OCI_SCMP_EQ, OCI_SCMP_GE, OCI_SCMP_GT, OCI_SCMP_MASKED_EQ };
enum oci_scmp_action {
	OCI_SCMP_KILL_THREAD, OCI_SCMP_KILL_PROCESS, OCI_SCMP_TRAP, OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE, OCI_SCMP_ALLOW, OCI_SCMP_LOG,
};
struct oci_scmp_arg {
	unsigned index;
	uint64_t value, value2;
	enum oci_scmp_op op;
};
struct oci_scmp_rule {
	char **names;
	enum oci_scmp_action action;
	int errno_ret; /* ERRNO/TRACE */
	struct oci_scmp_arg *args;
	size_t nargs;
};
struct oci_seccomp {
	enum oci_scmp_action default_action;
	int default_errno;
	char **arches; /* "SCMP_ARCH_X86_64", ...; NULL: the native one */
	struct oci_scmp_rule *rules;
	size_t nrules;
};

/* process, from config.json or exec --process. */
struct oci_process {
	struct command_plan plan; /* argv, env (exact), user, groups, umask, caps, rlimits, cwd */
	bool terminal;
	int oom_score_adj;
	bool oom_score_adj_set;
};

struct oci_mount {
	char *dst, *type, *src;
	char **options;
};

struct oci_config {
	char *version;
	char *root;          /* root.path as given (relative to the bundle) */
	bool root_readonly;
	char *hostname, *domainname;
	struct oci_process process;
	bool has_process;
	struct oci_mount *mounts;
	size_t nmounts;
	struct oci_namespace *namespaces;
	size_t nnamespaces;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t nuid_mappings, ngid_mappings;
	char **masked, **readonly;
	char **sysctl; /* key, value, key, value, ..., NULL */
	struct oci_seccomp *seccomp;
	struct oci_hook *hooks[OCI_HOOK_NKINDS];
	size_t nhooks[OCI_HOOK_NKINDS];
	char **annotations; /* key, value, ..., NULL */
	/* linux.resources: the limits of the container's cgroup (no cgroup when cgroup_needed says
	 * none); names point at static texts, path is left to the runtime. */
	struct cgroup_limits limits;
	char *cgroups_path; /* linux.cgroupsPath, or NULL */
};

/* Parse config.json. 0, or -EINVAL / -ENOMEM with "config.json: linux.X: not supported" or
 * "config.json: process.args: must be a non-empty array of strings" in err. */
int ociconf_parse(const char *text, size_t len, struct oci_config *c, char *err, size_t errlen);
/* Parse a process object alone (exec --process FILE). */
int ociconf_parse_process(const char *text, size_t len, struct oci_process *p, char *err, size_t errlen);
void ociconf_free(struct oci_config *c);
void ociconf_process_free(struct oci_process *p);

/* Whether a uid_map or gid_map text (the kernel's "INSIDE OUTSIDE COUNT" lines, in any order)
 * holds exactly the n mappings maps: those of a user namespace config.json joins by path. */
bool ociconf_maps_match(const struct oci_idmap *maps, size_t n, const char *text);

/* The namespace of type (CLONE_NEW*) in c, or NULL when the config has none. */
const struct oci_namespace *ociconf_namespace(const struct oci_config *c, int type);

/* The mount plan of c with rootfs (the bundle's root, resolved by the caller): its mounts in
 * order, then maskedPaths and readonlyPaths. A mount type or option the runtime cannot honour
 * is refused. 0 or -EINVAL/-ENOMEM with a reason in err; the plan borrows c's strings. */
int ociconf_mountplan(const struct oci_config *c, const char *rootfs, struct mountplan *plan, char *err,
		      size_t errlen);
