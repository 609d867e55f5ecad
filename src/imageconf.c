/* imageconf.c: image index, manifest and config documents, parsed with json-c. */
#include "config.h"

#include "imageconf.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "util.h"

#define MAX_DOC (4 << 20) /* an index, manifest or config is a few KiB; refuse absurd ones */

bool image_digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return false;
	for (s += 7; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

bool image_type_is_index(const char *t)
{
	return strcmp(t, "application/vnd.oci.image.index.v1+json") == 0 ||
	       strcmp(t, "application/vnd.docker.distribution.manifest.list.v2+json") == 0;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int copy_string(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_desc(json_object *o, struct image_desc *d, const char *what, char *err, size_t errlen)
{
	const char *digest, *type;
	json_object *size;

	if (!json_object_is_type(o, json_type_object))
		return err_set(err, errlen, -EINVAL, "%s: a descriptor is not an object", what);
	digest = get_string(o, "digest");
	type = get_string(o, "mediaType");
	if (!digest || !image_digest_valid(digest))
		return err_set(err, errlen, -EINVAL, "%s: a digest is missing or not sha256", what);
	memset(d, 0, sizeof(*d));
	copy_string(d->digest, sizeof(d->digest), digest);
	if (type && copy_string(d->media_type, sizeof(d->media_type), type) < 0)
		return err_set(err, errlen, -EINVAL, "%s: a media type is too long", what);
	if (json_object_object_get_ex(o, "size", &size)) {
		if (!json_object_is_type(size, json_type_int) || json_object_get_int64(size) < 0)
			return err_set(err, errlen, -EINVAL, "%s: a size is not a number", what);
		d->size = json_object_get_int64(size);
	}
	return 0;
}

static bool platform_matches(json_object *m, const char *arch)
{
	json_object *p;
	const char *a, *os;

	if (!json_object_object_get_ex(m, "platform", &p))
		return true;
	a = get_string(p, "architecture");
	os = get_string(p, "os");
	return (!a || strcmp(a, arch) == 0) && (!os || strcmp(os, "linux") == 0);
}

int image_index_pick(const char *text, size_t len, const char *tag, const char *arch, struct image_desc *out,
		     char *err, size_t errlen)
{
	_cleanup_json_ json_object *doc = jsondoc_parse(text, len, MAX_DOC, "index", err, errlen);
	json_object *manifests;
	size_t n, found = 0;

	if (!doc)
		return -EINVAL;
	if (!json_object_object_get_ex(doc, "manifests", &manifests) ||
	    !json_object_is_type(manifests, json_type_array))
		return err_set(err, errlen, -EINVAL, "index: no manifests array");
	n = json_object_array_length(manifests);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(manifests, i), *ann;
		const char *name = NULL;
		struct image_desc d;

		if (parse_desc(m, &d, "index", err, errlen) < 0)
			return -EINVAL;
		if (json_object_object_get_ex(m, "annotations", &ann))
			name = get_string(ann, "org.opencontainers.image.ref.name");
		if (tag && (!name || strcmp(name, tag) != 0))
			continue;
		if (!platform_matches(m, arch))
			continue;
		if (found++ == 0)
			*out = d;
	}
	if (found == 0)
		return tag ? err_set(err, errlen, -ENOENT, "index: no image tagged '%s' for linux/%s", tag, arch)
			   : err_set(err, errlen, -ENOENT, "index: no image for linux/%s", arch);
	if (found > 1 && !tag)
		return err_set(err, errlen, -EINVAL, "index: holds %zu images: name one with :TAG", found);
	return 0;
}

int image_manifest_parse(const char *text, size_t len, struct image_manifest *out, char *err, size_t errlen)
{
	_cleanup_json_ json_object *doc = jsondoc_parse(text, len, MAX_DOC, "manifest", err, errlen);
	json_object *config, *layers;
	size_t n;

	if (!doc)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(doc, "config", &config))
		return err_set(err, errlen, -EINVAL, "manifest: no config");
	if (parse_desc(config, &out->config, "manifest", err, errlen) < 0)
		return -EINVAL;
	if (!json_object_object_get_ex(doc, "layers", &layers) || !json_object_is_type(layers, json_type_array))
		return err_set(err, errlen, -EINVAL, "manifest: no layers array");
	n = json_object_array_length(layers);
	if (n > IMAGE_MAX_LAYERS)
		return err_set(err, errlen, -EINVAL, "manifest: %zu layers, more than %d", n, IMAGE_MAX_LAYERS);
	for (size_t i = 0; i < n; i++) {
		struct image_desc *d = &out->layers[i];
		if (parse_desc(json_object_array_get_idx(layers, i), d, "manifest", err, errlen) < 0)
			return -EINVAL;
		/* tar, tar+gzip, tar+zstd in OCI's and Docker's names; never a foreign layer that
		 * would have to be fetched from elsewhere. */
		if (d->media_type[0] && (!strstr(d->media_type, "tar") || strstr(d->media_type, "foreign") ||
					 strstr(d->media_type, "nondistributable")))
			return err_set(err, errlen, -EINVAL, "manifest: layer type %s is not supported", d->media_type);
	}
	out->nlayers = n;
	return 0;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A JSON array of strings (or null) as a NULL-terminated vector; *out NULL when absent. */
static int get_strv(json_object *o, const char *key, char ***out, char *err, size_t errlen)
{
	json_object *a;
	size_t n;
	char **v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return err_set(err, errlen, -EINVAL, "config: %s is not an array", key);
	n = json_object_array_length(a);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return err_set(err, errlen, ENOMEM, "config: %s", key);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string) || memchr(json_object_get_string(s), '\0',
									 (size_t)json_object_get_string_len(s))) {
			free_strv(v);
			return err_set(err, errlen, -EINVAL, "config: %s holds something else than strings", key);
		}
		v[i] = strdup(json_object_get_string(s));
		if (!v[i]) {
			free_strv(v);
			return err_set(err, errlen, ENOMEM, "config: %s", key);
		}
	}
	*out = v;
	return 0;
}

static int get_str(json_object *o, const char *key, char **out, char *err, size_t errlen)
{
	json_object *s;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &s) || json_object_is_type(s, json_type_null))
		return 0;
	if (!json_object_is_type(s, json_type_string) ||
	    memchr(json_object_get_string(s), '\0', (size_t)json_object_get_string_len(s)))
		return err_set(err, errlen, -EINVAL, "config: %s is not a string", key);
	if (json_object_get_string_len(s) == 0)
		return 0;
	*out = strdup(json_object_get_string(s));
	return *out ? 0 : err_set(err, errlen, ENOMEM, "config: %s", key);
}

int image_config_parse(const char *text, size_t len, struct image_config *out, char *err, size_t errlen)
{
	_cleanup_json_ json_object *doc = jsondoc_parse(text, len, MAX_DOC, "config", err, errlen);
	json_object *c;
	int r;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return -EINVAL;
	if (!json_object_object_get_ex(doc, "config", &c) || json_object_is_type(c, json_type_null))
		return 0; /* an image without defaults */
	if (!json_object_is_type(c, json_type_object))
		return err_set(err, errlen, -EINVAL, "config: \"config\" is not an object");
	if ((r = get_strv(c, "Entrypoint", &out->entrypoint, err, errlen)) < 0 ||
	    (r = get_strv(c, "Cmd", &out->cmd, err, errlen)) < 0 ||
	    (r = get_strv(c, "Env", &out->env, err, errlen)) < 0 ||
	    (r = get_str(c, "WorkingDir", &out->workdir, err, errlen)) < 0 ||
	    (r = get_str(c, "User", &out->user, err, errlen)) < 0) {
		image_config_free(out);
		return r;
	}
	return 0;
}

void image_config_free(struct image_config *c)
{
	free_strv(c->entrypoint);
	free_strv(c->cmd);
	free_strv(c->env);
	free(c->workdir);
	free(c->user);
	memset(c, 0, sizeof(*c));
}

static bool path_safe(const char *p)
{
	if (p[0] == '/' || p[0] == '\0' || strlen(p) >= IMAGE_PATH_MAX)
		return false;
	for (const char *s = p; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return false;
	return true;
}

static bool has_tag(json_object *entry, const char *tag)
{
	json_object *tags;

	if (!json_object_object_get_ex(entry, "RepoTags", &tags) || !json_object_is_type(tags, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(tags); i++) {
		json_object *t = json_object_array_get_idx(tags, i);
		const char *s = json_object_is_type(t, json_type_string) ? json_object_get_string(t) : "";
		size_t n = strlen(s), tl = strlen(tag);
		/* "docker.io/library/busybox:latest" is also "busybox:latest" and "latest". */
		if (strcmp(s, tag) == 0 || (n > tl && strcmp(s + n - tl, tag) == 0 && strchr("/:", s[n - tl - 1])))
			return true;
	}
	return false;
}

int image_docker_manifest_pick(const char *text, size_t len, const char *tag, char config[IMAGE_PATH_MAX],
			       char layers[][IMAGE_PATH_MAX], size_t *nlayers, char *err, size_t errlen)
{
	json_object *doc, *entry = NULL, *ls;
	const char *cfg;
	int r = -EINVAL;
	size_t n;

	if (len > MAX_DOC || memchr(text, '\0', len))
		return err_set(err, errlen, -EINVAL, "manifest.json: not a JSON document");
	{
		json_tokener *tok = json_tokener_new();
		if (!tok)
			return err_set(err, errlen, ENOMEM, "manifest.json");
		doc = json_tokener_parse_ex(tok, text, (int)len);
		if (doc && json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(doc);
			doc = NULL;
		}
		json_tokener_free(tok);
	}
	if (!doc || !json_object_is_type(doc, json_type_array)) {
		err_set(err, errlen, -EINVAL, "manifest.json: not a JSON array");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(doc) && !entry; i++) {
		json_object *e = json_object_array_get_idx(doc, i);
		if (json_object_is_type(e, json_type_object) && (!tag || has_tag(e, tag)))
			entry = e;
	}
	if (!entry) {
		r = tag ? err_set(err, errlen, -ENOENT, "manifest.json: no image tagged '%s'", tag)
			: err_set(err, errlen, -ENOENT, "manifest.json: no image");
		goto out;
	}
	cfg = get_string(entry, "Config");
	if (!cfg || !path_safe(cfg)) {
		err_set(err, errlen, -EINVAL, "manifest.json: Config is missing or not a relative path");
		goto out;
	}
	strcpy(config, cfg);
	if (!json_object_object_get_ex(entry, "Layers", &ls) || !json_object_is_type(ls, json_type_array)) {
		err_set(err, errlen, -EINVAL, "manifest.json: no Layers array");
		goto out;
	}
	n = json_object_array_length(ls);
	if (n > IMAGE_MAX_LAYERS) {
		err_set(err, errlen, -EINVAL, "manifest.json: %zu layers, more than %d", n, IMAGE_MAX_LAYERS);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(ls, i);
		const char *p = json_object_is_type(l, json_type_string) ? json_object_get_string(l) : NULL;
		if (!p || !path_safe(p)) {
			err_set(err, errlen, -EINVAL, "manifest.json: a layer is not a relative path");
			goto out;
		}
		strcpy(layers[i], p);
	}
	*nlayers = n;
	r = 0;
out:
	if (doc)
		json_object_put(doc);
	return r;
}
