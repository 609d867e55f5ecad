/* fuzz_imagefast.c: libFuzzer harness for the saved answer of sandbox-image as sandbox reads it
 * (a file in the user's cache): the record check, then the answer's parser on what passes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "imagefast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_defaults def;
	char err[256], *buf;
	size_t off;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (imagefast_check(buf, size, "oci:/i\n1\n2\n3\n4", &off) != 0) {
		free(buf);
		return 0;
	}
	memmove(buf, buf + off, size - off);
	image_defaults_parse(buf, size - off, &def, err, sizeof(err));
	image_defaults_free(&def);
	return 0;
}
