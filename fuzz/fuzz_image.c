/* fuzz_image.c: libFuzzer harness for the image documents (index.json, a manifest, a config,
 * docker's manifest.json), the IMAGE argument and the helper's answer to sandbox. The first
 * byte picks the parser; the rest is its input. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "imageconf.h"
#include "imageref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct image_manifest m;
	static char layers[IMAGE_MAX_LAYERS][IMAGE_PATH_MAX];
	char config[IMAGE_PATH_MAX], err[256];
	struct image_desc d;
	struct image_config c;
	struct image_ref r;
	struct image_defaults def;
	size_t n;
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		image_index_pick(s, size - 1, NULL, "amd64", &d, err, sizeof(err));
		image_index_pick(s, size - 1, "latest", "amd64", &d, err, 8);
		break;
	case 1:
		image_manifest_parse(s, size - 1, &m, err, sizeof(err));
		break;
	case 2:
		if (image_config_parse(s, size - 1, &c, err, sizeof(err)) == 0)
			image_config_free(&c);
		break;
	case 3:
		image_docker_manifest_pick(s, size - 1, size > 8 ? "latest" : NULL, config, layers, &n, err, sizeof(err));
		break;
	case 4:
		image_ref_parse(s, &r, err, sizeof(err));
		break;
	case 5: {
		/* image_defaults_parse owns its buffer */
		char *buf = malloc(size - 1 ? size - 1 : 1);
		if (buf) {
			memcpy(buf, data + 1, size - 1);
			image_defaults_parse(buf, size - 1, &def, err, sizeof(err));
			image_defaults_free(&def);
		}
		break;
	}
	}
	free(s);
	return 0;
}
