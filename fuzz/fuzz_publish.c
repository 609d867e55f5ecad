/* fuzz_publish.c: libFuzzer harness for publish_parse (-p/--publish specs). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "publish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct publish p;
	char err[256];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	publish_parse(s, &p, err, sizeof(err));
	/* A short error buffer must be truncated, never overrun. */
	publish_parse(s, &p, err, 8);
	free(s);
	return 0;
}
