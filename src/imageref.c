/* imageref.c: the IMAGE argument (pure). */
#include "config.h"

#include "imageref.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *prefix;
	enum image_kind kind;
} prefixes[] = {
	{ "oci:", IMAGE_OCI },
	{ "oci-archive:", IMAGE_OCI_ARCHIVE },
	{ "docker-archive:", IMAGE_DOCKER_ARCHIVE },
	{ "docker://", IMAGE_DOCKER },
};

enum image_kind image_ref_kind(const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(arg, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
			return prefixes[i].kind;
	return IMAGE_NONE;
}

int image_ref_parse(const char *arg, struct image_ref *out, char *err, size_t errlen)
{
	const char *rest = NULL, *colon;
	size_t loclen;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(arg, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0) {
			out->kind = prefixes[i].kind;
			rest = arg + strlen(prefixes[i].prefix);
		}
	if (!rest)
		return err_set(err, errlen, -EINVAL, "IMAGE: needs oci:, oci-archive:, docker-archive: or docker://");
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, errlen, -EINVAL, "IMAGE: holds a control character");
	colon = out->kind == IMAGE_DOCKER ? NULL : strchr(rest, ':');
	loclen = colon ? (size_t)(colon - rest) : strlen(rest);
	if (loclen == 0)
		return err_set(err, errlen, -EINVAL, "IMAGE: %s: the location is empty", arg);
	if (loclen >= sizeof(out->location) || (colon && strlen(colon + 1) >= sizeof(out->tag)))
		return err_set(err, errlen, -EINVAL, "IMAGE: too long");
	memcpy(out->location, rest, loclen);
	if (colon) {
		if (colon[1] == '\0')
			return err_set(err, errlen, -EINVAL, "IMAGE: %s: the tag after ':' is empty", arg);
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	return 0;
}
