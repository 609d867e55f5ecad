/* env.c: COMMAND's environment. */
#include "config.h"

#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

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

static void unset(struct envbuf *e, const char *name)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], name, nlen) == 0 && e->v[i][nlen] == '=') {
			free(e->v[i]);
			memmove(&e->v[i], &e->v[i + 1], (e->n - i) * sizeof(*e->v)); /* with the NULL */
			e->n--;
			return;
		}
	}
}

/* "NAME=VALUE" sets NAME; a bare "NAME" (--unsetenv) removes it. */
static int put_entry(struct envbuf *e, const char *entry)
{
	const char *eq = strchr(entry, '=');
	if (!eq) {
		unset(e, entry);
		return 0;
	}
	return put(e, entry, (size_t)(eq - entry), eq + 1);
}

char **env_build(const struct command_plan *p, char *const *caller)
{
	struct envbuf e = { 0 };
	const char *term = env_get(caller, "TERM");

	if (p->clear_env) {
		/* --clearenv: nothing but what the plan sets. */
	} else if (p->inherit_env) {
		for (char *const *c = caller; c && *c; c++)
			if (strchr(*c, '=') && put_entry(&e, *c) < 0)
				goto fail;
	} else {
		if (put(&e, "PATH", 4, SANDBOX_PATH) < 0 ||
		    put(&e, "HOME", 4, cmdplan_runs_as_root(p) ? "/root" : "/") < 0)
			goto fail;
		if (term && put(&e, "TERM", 4, term) < 0)
			goto fail;
	}
	if (!p->clear_env && put(&e, "container", 9, "sandbox") < 0)
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

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

static int strv_append(char ***out, size_t *n, char *entry)
{
	char **v = realloc(*out, (*n + 2) * sizeof(*v));

	if (!v) {
		free(entry);
		return -ENOMEM;
	}
	v[(*n)++] = entry;
	v[*n] = NULL;
	*out = v;
	return 0;
}

/* One line (without its newline): 0 and maybe an entry appended, or -EINVAL with why. */
static int env_file_line(const char *line, size_t len, char *const *caller, char ***out, size_t *n,
			 const char **why)
{
	const char *eq, *value;
	size_t nlen;
	char *entry;

	if (len && line[len - 1] == '\r')
		len--;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len == 0 || line[0] == '#')
		return 0;
	if (memchr(line, '\0', len))
		return *why = "a NUL byte", -EINVAL;
	if (!utf8_valid(line, len))
		return *why = "bytes that are not UTF-8", -EINVAL;
	eq = memchr(line, '=', len);
	nlen = eq ? (size_t)(eq - line) : len;
	if (nlen == 0)
		return *why = "no variable name before '='", -EINVAL;
	for (size_t i = 0; i < nlen; i++)
		if ((unsigned char)line[i] <= ' ' || line[i] == 0x7f)
			return *why = "a blank or control character in the variable name", -EINVAL;
	if (eq) {
		if (asprintf(&entry, "%.*s", (int)len, line) < 0)
			return -ENOMEM;
		return strv_append(out, n, entry);
	}
	/* A bare NAME: the caller's value, as docker does; nothing when the caller has none. */
	value = lookup(caller, line, nlen);
	if (!value)
		return 0;
	if (asprintf(&entry, "%.*s=%s", (int)nlen, line, value) < 0)
		return -ENOMEM;
	return strv_append(out, n, entry);
}

int env_file_parse(const char *text, size_t len, char *const *caller, char ***out, size_t *n, char *err,
		   size_t errlen)
{
	size_t lineno = 0;

	for (size_t pos = 0; pos < len; lineno++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *why = NULL;
		int r = env_file_line(text + pos, end - pos, caller, out, n, &why);

		if (r == -EINVAL)
			return err_set(err, errlen, r, "line %zu: %s", lineno + 1, why);
		if (r < 0)
			return err_set(err, errlen, -r, "line %zu", lineno + 1);
		pos = end + 1;
	}
	return 0;
}

int env_file_read(const char *path, char *const *caller, char ***out, size_t *n, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	ssize_t got;

	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(err, errlen, errno, "cannot read it");
	if (S_ISDIR(st.st_mode))
		return err_set(err, errlen, EISDIR, "cannot read it");
	text = malloc(ENV_FILE_MAX + 1);
	if (!text)
		return err_set(err, errlen, ENOMEM, "read");
	/* One byte more than allowed tells a file that is too large from one that fits. */
	got = read_all(fd, text, ENV_FILE_MAX + 1);
	if (got < 0)
		return err_set(err, errlen, (int)-got, "read");
	if (got > ENV_FILE_MAX)
		return err_set(err, errlen, -EFBIG, "larger than %d bytes", ENV_FILE_MAX);
	return env_file_parse(text, (size_t)got, caller, out, n, err, errlen);
}
