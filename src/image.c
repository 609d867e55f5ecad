/* image.c: the sandbox side of an IMAGE run: ask sandbox-image, apply its answer. */
#include "config.h"

#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imagefast.h"
#include "log.h"
#include "util.h"

#define IMAGE_HELPER_NAME "sandbox-image"

static int push(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int image_defaults_parse(char *buf, size_t len, struct image_defaults *d, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off_v, off_n;
	} lists[] = {
		{ "layer", offsetof(struct image_defaults, layers), offsetof(struct image_defaults, nlayers) },
		{ "entrypoint", offsetof(struct image_defaults, entrypoint),
		  offsetof(struct image_defaults, nentrypoint) },
		{ "cmd", offsetof(struct image_defaults, cmd), offsetof(struct image_defaults, ncmd) },
		{ "env", offsetof(struct image_defaults, env), offsetof(struct image_defaults, nenv) },
	};
	size_t pos = 0;

	memset(d, 0, sizeof(*d));
	d->buf = buf;
	if (len && buf[len - 1] != '\0')
		return err_set(err, errlen, -EINVAL, "image: the helper's answer is cut off");
	while (pos < len) {
		char *rec = buf + pos, *eq = strchr(rec, '=');
		bool known = false;

		pos += strlen(rec) + 1;
		if (!eq)
			return err_set(err, errlen, -EINVAL, "image: a record of the helper has no key");
		*eq = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
			if (strcmp(rec, lists[i].key) != 0)
				continue;
			if (push((const char ***)((char *)d + lists[i].off_v), (size_t *)((char *)d + lists[i].off_n),
				 eq + 1) < 0)
				return err_set(err, errlen, ENOMEM, "image");
			known = true;
		}
		if (strcmp(rec, "workdir") == 0)
			d->workdir = eq + 1, known = true;
		else if (strcmp(rec, "user") == 0)
			d->user = eq + 1, known = true;
		if (!known)
			return err_set(err, errlen, -EINVAL, "image: unknown record '%s' from the helper", rec);
	}
	if (d->nlayers == 0)
		return err_set(err, errlen, -EINVAL, "image: the helper named no layer");
	for (size_t i = 0; i < d->nlayers; i++)
		if (d->layers[i][0] != '/')
			return err_set(err, errlen, -EINVAL, "image: a layer path is not absolute");
	return 0;
}

/* podman run's command: --entrypoint replaces Entrypoint ("" removes it) and then drops Cmd too;
 * COMMAND replaces Cmd and follows the entrypoint; nothing at all is /bin/sh. */
static int build_argv(const struct config *cfg, struct image_defaults *d)
{
	const char *const *ep = d->entrypoint, *const *cmd = d->cmd;
	size_t nep = d->nentrypoint, ncmd = d->ncmd, n = 0;

	if (cfg->entrypoint) {
		ep = &cfg->entrypoint;
		nep = cfg->entrypoint[0] ? 1 : 0;
		ncmd = 0;
	}
	if (cfg->argv_given) {
		cmd = (const char *const *)cfg->argv;
		ncmd = strv_len(cfg->argv);
	}
	d->argv = calloc(nep + ncmd + 2, sizeof(*d->argv));
	if (!d->argv)
		return -ENOMEM;
	for (size_t i = 0; i < nep; i++)
		d->argv[n++] = (char *)ep[i];
	for (size_t i = 0; i < ncmd; i++)
		d->argv[n++] = (char *)cmd[i];
	if (n == 0)
		d->argv[n++] = "/bin/sh";
	return 0;
}

int image_apply(struct config *cfg, struct image_defaults *d, char *err, size_t errlen)
{
	size_t n;
	struct env_setting *env;

	if (build_argv(cfg, d) < 0)
		return err_set(err, errlen, ENOMEM, "image");
	cfg->argv = d->argv;
	env = calloc(d->nenv + cfg->nenv + 1, sizeof(*env));
	if (!env)
		return err_set(err, errlen, ENOMEM, "image");

	/* Image first: env_build lets a later setting of a name win. */
	n = 0;
	for (size_t i = 0; i < d->nenv; i++) {
		const char *eq = strchr(d->env[i], '=');
		if (eq && eq != d->env[i])
			env[n++] = (struct env_setting){ .kind = ENV_SET, .name = d->env[i], .value = eq + 1 };
	}
	for (size_t i = 0; i < cfg->nenv; i++)
		env[n++] = cfg->env[i];
	free(cfg->env);
	cfg->env = env;
	cfg->nenv = n;

	if (!cfg->workdir && d->workdir && d->workdir[0] == '/')
		cfg->workdir = d->workdir;
	if (!cfg->user_set && d->user) {
		if (options_parse_user(d->user, &cfg->user_uid, &cfg->user_gid) < 0)
			return err_set(err, errlen, -EINVAL, "image: its user '%s' is not UID:GID", d->user);
		cfg->user_set = true;
		cfg->user_from_image = true;
	}
	cfg->image_layers = d->layers;
	cfg->nimage_layers = d->nlayers;
	cfg->rootfs = d->layers[d->nlayers - 1];
	cfg->host_mode = false;
	/* The image is never written: every run gets a throw-away layer over it. */
	if (!cfg->ro)
		cfg->overlay = true;
	return 0;
}

void image_defaults_free(struct image_defaults *d)
{
	free(d->layers);
	free(d->entrypoint);
	free(d->cmd);
	free(d->env);
	free(d->argv);
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

/* The helper's whole stdout. */
static ssize_t read_answer(int fd, char **out)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		if (cap - len < 4096) {
			char *nb = cap >= (64u << 20) ? NULL : realloc(buf, cap ? 2 * cap : 8192);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap ? 2 * cap : 8192;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	return (ssize_t)len;
}

/* The answer sandbox-image saved for IMAGE, when it is still true: every layer still there. */
static bool saved_answer(const char *image, struct image_defaults *d)
{
	char err[16], *buf;
	size_t len;
	struct stat st;

	if (imagefast_load(image, &buf, &len) < 0)
		return false;
	if (image_defaults_parse(buf, len, d, err, sizeof(err)) < 0) {
		image_defaults_free(d);
		return false;
	}
	for (size_t i = 0; i < d->nlayers; i++)
		if (stat(d->layers[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			image_defaults_free(d);
			return false;
		}
	return true;
}

int image_prepare(struct config *cfg, struct image_defaults *d, char *err, size_t errlen)
{
	char path[4096];
	char *argv[] = { IMAGE_HELPER_NAME, "resolve", (char *)cfg->rootfs, NULL };
	int fds[2], status;
	char *buf = NULL;
	ssize_t len;
	pid_t pid;

	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	if (saved_answer(cfg->rootfs, d))
		return image_apply(cfg, d, err, errlen);
	helper_path(IMAGE_HELPER_NAME, path, sizeof(path));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errlen, errno, "image: pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return err_set(err, errlen, e, "image: fork");
	}
	if (pid == 0) {
		if (dup2(fds[1], 1) < 0)
			_exit(EXIT_SETUP);
		execv(path, argv);
		warn_errno(errno, "image: run %s", path);
		_exit(EXIT_SETUP);
	}
	close(fds[1]);
	len = read_answer(fds[0], &buf);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errlen, errno, "image: wait for %s", IMAGE_HELPER_NAME);
	if (len < 0)
		return err_set(err, errlen, (int)-len, "image: read the answer of %s", IMAGE_HELPER_NAME);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		return -EINVAL; /* it said why */
	}
	if (image_defaults_parse(buf, (size_t)len, d, err, errlen) < 0)
		return -EINVAL;
	return image_apply(cfg, d, err, errlen);
}

int image_exec_helper(char *const *args)
{
	char path[4096];
	size_t n = 0;

	while (args[n])
		n++;
	char **argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[0] = IMAGE_HELPER_NAME;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	helper_path(IMAGE_HELPER_NAME, path, sizeof(path));
	execv(path, argv);
	int e = errno;
	warn_errno(e, "run %s", path);
	free(argv);
	return -e;
}
