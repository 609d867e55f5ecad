/* env.c: COMMAND's environment. */
#include "config.h"

#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct envbuf {
	char **v;
	size_t n;
	size_t cap;
};

static const char *lookup(char *const *env, const char *name, size_t nlen)
{
	for (; env && *env; env++)
		if (strncmp(*env, name, nlen) == 0 && (*env)[nlen] == '=')
			return *env + nlen + 1;
	return NULL;
}

const char *env_get(char *const *env, const char *name)
{
	return lookup(env, name, strlen(name));
}

/* Set NAME=VALUE, replacing an earlier NAME. entry is "NAME=VALUE"; it is copied. */
static int put(struct envbuf *e, const char *name, size_t nlen, const char *value)
{
	char *entry;

	if (asprintf(&entry, "%.*s=%s", (int)nlen, name, value) < 0)
		return -1;
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], name, nlen) == 0 && e->v[i][nlen] == '=') {
			free(e->v[i]);
			e->v[i] = entry;
			return 0;
		}
	}
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **v = realloc(e->v, cap * sizeof(*v));
		if (!v) {
			free(entry);
			return -1;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = entry;
	e->v[e->n] = NULL;
	return 0;
}

static int put_entry(struct envbuf *e, const char *entry)
{
	const char *eq = strchr(entry, '=');
	if (!eq)
		return 0;
	return put(e, entry, (size_t)(eq - entry), eq + 1);
}

char **env_build(const struct command_plan *p, char *const *caller)
{
	struct envbuf e = { 0 };
	const char *term = env_get(caller, "TERM");

	if (p->inherit_env) {
		for (char *const *c = caller; c && *c; c++)
			if (put_entry(&e, *c) < 0)
				goto fail;
	} else {
		if (put(&e, "PATH", 4, SANDBOX_PATH) < 0 ||
		    put(&e, "HOME", 4, cmdplan_runs_as_root(p) ? "/root" : "/") < 0)
			goto fail;
		if (term && put(&e, "TERM", 4, term) < 0)
			goto fail;
	}
	if (put(&e, "container", 9, "sandbox") < 0)
		goto fail;
	for (char *const *s = p->env; s && *s; s++)
		if (put_entry(&e, *s) < 0)
			goto fail;
	if (!e.v) {
		e.v = calloc(1, sizeof(*e.v));
		if (!e.v)
			return NULL;
	}
	return e.v;
fail:
	env_free(e.v);
	return NULL;
}

void env_free(char **env)
{
	for (char **p = env; p && *p; p++)
		free(*p);
	free(env);
}
