/* image.h: the sandbox side of an IMAGE run. sandbox-image (which alone links json-c, and runs
 * sandbox-unpack, which alone links libarchive) resolves the image and prints its layers and
 * defaults; this reads them and turns them into the run's config. */
#pragma once

#include <stddef.h>

#include "options.h"

struct image_defaults {
	char *buf; /* the helper's output; every pointer below points into it */
	const char **layers; /* lowest first */
	size_t nlayers;
	const char **entrypoint, **cmd, **env;
	size_t nentrypoint, ncmd, nenv;
	const char *workdir;
	const char *user; /* "UID:GID" */
	char **argv;      /* built by image_apply */
};

/* Parse the helper's NUL-terminated "key=value" records (buf is kept and owned by d from now on).
 * 0, or -EINVAL/-ENOMEM with a reason. */
int image_defaults_parse(char *buf, size_t len, struct image_defaults *d, char *err, size_t errlen);
/* The defaults under the command line, as podman run applies them: COMMAND replaces Cmd and
 * follows Entrypoint, --entrypoint replaces Entrypoint ("" removes it) and drops Cmd (COMMAND
 * then follows it), -w replaces WorkingDir, --user replaces User, -e adds to (and wins over)
 * Env; the run gets an overlay over the layers unless --ro. 0 or -errno with a reason. */
int image_apply(struct config *cfg, struct image_defaults *d, char *err, size_t errlen);
void image_defaults_free(struct image_defaults *d);

/* Run `sandbox-image resolve IMAGE` and apply its answer to cfg. 0 or -errno; the helper has
 * said why on stderr when err is empty. */
int image_prepare(struct config *cfg, struct image_defaults *d, char *err, size_t errlen);
/* `sandbox images`, `sandbox rmi`: exec sandbox-image with args (only returns on failure). */
int image_exec_helper(char *const *args);
