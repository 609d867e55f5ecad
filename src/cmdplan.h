/* cmdplan.h: the plan of the process that becomes COMMAND: who it runs as, what it may do and
 * what it starts with. Built once, by whoever starts a command: the supervisor from the options
 * (cmdplan_from_config), `sandbox exec` from the registry entry of a running sandbox (the same
 * plan, read back, with exec's own options on top). command_exec() applies it and knows nothing
 * of options; so these types do not depend on struct config either. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sock_fprog;

#include "rlimit.h"

struct command_plan {
	char **argv;                    /* COMMAND and ARGs, NULL-terminated, never empty */
	bool inherit_env;               /* host mode: the caller's environment, not a clean one */
	bool clear_env;                 /* --clearenv: none at all, only env below */
	char **env;                     /* NAME=VALUE set on top, in order, already resolved */
	bool user_set;                  /* --user: switch to uid:gid (else stay root inside) */
	uid_t uid;
	gid_t gid;
	uint64_t caps_add, caps_drop;   /* --cap-add/--cap-drop, last one per capability wins */
	uint64_t caps;                  /* the set COMMAND gets, for its user (caps_set_for) */
	bool seccomp;                   /* the default filter (else --seccomp none) */
	struct rlimit_setting *rlimits; /* applied in order */
	size_t nrlimits;
	char *workdir;                  /* resolved */
	bool workdir_fallback;          /* "/" when workdir is not visible inside (host mode's cwd) */
	/* Set only by the OCI runtime (config.json says all of it): */
	gid_t *groups;                  /* supplementary groups (user_set); none but gid when NULL */
	size_t ngroups;
	bool umask_set;                 /* else the umask stays as it is */
	mode_t umask;
	const struct sock_fprog *filter; /* this seccomp filter instead of the default one */
};

/* uid 0 inside (the default) gets the default capability set. */
static inline bool cmdplan_runs_as_root(const struct command_plan *p)
{
	return !p->user_set || p->uid == 0;
}

/* Set the user and recompute p->caps for it (exec --user). */
void cmdplan_set_user(struct command_plan *p, bool user_set, uid_t uid, gid_t gid);

struct config;
struct env_setting;
/* Append -e, --unsetenv and --env-file settings to p->env, in order: NAME=VALUE as given, -e
 * NAME as caller has it (left out when it has not), a bare NAME for --unsetenv, the entries of
 * an env file (read now). 0, -ENOMEM, or -errno/-EINVAL for an env file with the reason in err
 * (which may be NULL). */
int cmdplan_add_env(struct command_plan *p, const struct env_setting *settings, size_t n, char *const *caller,
		    char *err, size_t errlen);

/* The plan of the sandbox's COMMAND from the options: -e NAME resolved from caller_env, the
 * capability names checked and the set computed, workdir as the supervisor resolved it.
 * 0, or -EINVAL ("--cap-add: unknown capability 'X'") / -ENOMEM with a reason in err. */
int cmdplan_from_config(const struct config *cfg, char *const *caller_env, const char *workdir,
			struct command_plan *p, char *err, size_t errlen);

void cmdplan_free(struct command_plan *p);
