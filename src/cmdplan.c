/* cmdplan.c: the plan of COMMAND's process, built from the options; see cmdplan.h. */
#include "config.h"

#include "cmdplan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "env.h"
#include "options.h"
#include "util.h"

void cmdplan_set_user(struct command_plan *p, bool user_set, uid_t uid, gid_t gid)
{
	p->user_set = user_set;
	p->uid = uid;
	p->gid = gid;
	p->caps = caps_set_for(p->caps_add, p->caps_drop, cmdplan_runs_as_root(p));
}

int cmdplan_add_env(struct command_plan *p, const struct env_setting *settings, size_t n, char *const *caller,
		    char *err, size_t errlen)
{
	size_t k = strv_len(p->env);

	for (size_t i = 0; i < n; i++) {
		const struct env_setting *s = &settings[i];
		const char *entry = NULL;
		char **v;
		int r;

		if (s->kind == ENV_FILE) {
			r = env_file_read(s->name, caller, &p->env, &k, err, errlen);
			if (r < 0)
				return err_prefix(err, errlen, r, "--env-file %s: ", s->name);
			continue;
		}
		if (s->kind == ENV_UNSET || s->value) {
			/* -e NAME=VALUE and --unsetenv NAME are one string each. */
			entry = s->name;
		} else {
			/* -e NAME: the caller's NAME=VALUE string. */
			const char *value = env_get(caller, s->name);
			entry = value ? value - strlen(s->name) - 1 : NULL;
		}
		if (!entry)
			continue;
		v = realloc(p->env, (k + 2) * sizeof(*v));
		if (!v)
			return err_set(err, errlen, ENOMEM, "environment");
		p->env = v;
		if (!(v[k] = strdup(entry)))
			return err_set(err, errlen, ENOMEM, "environment");
		v[++k] = NULL;
	}
	return 0;
}

int cmdplan_from_config(const struct config *cfg, char *const *caller_env, const char *workdir,
			struct command_plan *p, char *err, size_t errlen)
{
	int r;

	memset(p, 0, sizeof(*p));
	r = caps_plan(cfg->caps, cfg->ncaps, &p->caps_add, &p->caps_drop, err, errlen);
	if (r < 0)
		return r;
	cmdplan_set_user(p, cfg->user_set, cfg->user_uid, cfg->user_gid);
	p->inherit_env = cfg->host_mode;
	p->clear_env = cfg->clearenv;
	p->seccomp = cfg->seccomp != SECCOMP_NONE;
	/* Host mode starts where the caller is; a directory hidden inside (by the private /tmp)
	 * falls back to "/" rather than failing. An explicit -w must exist. */
	p->workdir_fallback = !cfg->workdir && cfg->host_mode;
	p->nrlimits = cfg->nrlimits;
	p->argv = strv_dup(cfg->argv);
	p->workdir = strdup(workdir);
	p->rlimits = calloc(cfg->nrlimits + 1, sizeof(*p->rlimits));
	if (!p->argv || !p->workdir || !p->rlimits) {
		cmdplan_free(p);
		return err_set(err, errlen, ENOMEM, "plan the command");
	}
	r = cmdplan_add_env(p, cfg->env, cfg->nenv, caller_env, err, errlen);
	if (r < 0) {
		cmdplan_free(p);
		return r;
	}
	if (cfg->nrlimits)
		memcpy(p->rlimits, cfg->rlimits, cfg->nrlimits * sizeof(*p->rlimits));
	return 0;
}

void cmdplan_free(struct command_plan *p)
{
	strv_free(p->argv);
	strv_free(p->env);
	free(p->rlimits);
	free(p->workdir);
	free(p->groups);
	memset(p, 0, sizeof(*p));
}
