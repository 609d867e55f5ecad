/* imageconf.h: the JSON documents of a container image (OCI image-spec 1.x and Docker's
 * image manifest v2 / `docker save` format), parsed with json-c into plain structs (pure). Only
 * sandbox-image links this: the sandbox binary never maps json-c. Every digest is checked to be
 * "sha256:" and 64 lowercase hex digits, because digests become file names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_MAX_LAYERS 128 /* overlayfs stacks at most 500; images have far fewer */

struct image_desc {
	char digest[72]; /* "sha256:<64 hex>" */
	char media_type[128];
	long long size;
};

struct image_manifest {
	struct image_desc config;
	struct image_desc layers[IMAGE_MAX_LAYERS];
	size_t nlayers;
};

/* The defaults of the image's config; NULL-terminated string arrays, NULL when absent. */
struct image_config {
	char **entrypoint;
	char **cmd;
	char **env;
	char *workdir;
	char *user;
};

/* Whether s is "sha256:" and 64 lowercase hex digits. */
bool image_digest_valid(const char *s);
/* Whether a media type names an image index (OCI index or Docker manifest list). */
bool image_type_is_index(const char *media_type);

/* From an index.json (or a nested index): the manifest named tag (annotation
 * org.opencontainers.image.ref.name), or with tag NULL the only one; among several of one name,
 * the one for this machine's architecture (arch: "amd64", "arm64"...). 0, -ENOENT when none
 * matches, -EINVAL for a malformed document; err says why. */
int image_index_pick(const char *text, size_t len, const char *tag, const char *arch, struct image_desc *out,
		     char *err, size_t errlen);
/* The config and the layers of an image manifest. 0 or -EINVAL with a reason. */
int image_manifest_parse(const char *text, size_t len, struct image_manifest *out, char *err, size_t errlen);
/* The run defaults of an image config ("config": Entrypoint, Cmd, Env, WorkingDir, User).
 * 0, -EINVAL or -ENOMEM; free with image_config_free. */
int image_config_parse(const char *text, size_t len, struct image_config *out, char *err, size_t errlen);
void image_config_free(struct image_config *c);

/* `docker save` / `podman save --format docker-archive`: manifest.json, an array of
 * {"Config": PATH, "RepoTags": [...], "Layers": [PATH...]}. The entry whose RepoTags holds tag
 * (or with tag NULL the first); the paths are copied into config (PATHLEN bytes) and layers
 * (IMAGE_MAX_LAYERS of them). Paths are checked to be relative and free of "..". */
#define IMAGE_PATH_MAX 256
int image_docker_manifest_pick(const char *text, size_t len, const char *tag, char config[IMAGE_PATH_MAX],
			       char layers[][IMAGE_PATH_MAX], size_t *nlayers, char *err, size_t errlen);
