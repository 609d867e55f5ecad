/* fuzz_mountplan.c: libFuzzer harness for mountplan_normalize. The first byte picks the
 * output buffer's size, so that -ENAMETOOLONG paths are exercised too; a normalized path
 * must be absolute, hold no "//", "/./" or "/../", and normalize to itself. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t outlen;
	char *in, *out, *again;

	if (size < 1)
		return 0;
	outlen = data[0] == 0xff ? 4096 : data[0];
	data++;
	size--;
	in = malloc(size + 1);
	out = malloc(outlen ? outlen : 1);
	again = malloc(4096);
	if (!in || !out || !again)
		goto out;
	memcpy(in, data, size);
	in[size] = '\0';
	if (mountplan_normalize(in, out, outlen) == 0) {
		size_t n = strlen(out);
		if (n >= outlen || out[0] != '/' || strstr(out, "//") || strstr(out, "/./") ||
		    strstr(out, "/../") || (n > 1 && out[n - 1] == '/') ||
		    (n >= 2 && strcmp(out + n - 2, "/.") == 0) || (n >= 3 && strcmp(out + n - 3, "/..") == 0))
			__builtin_trap();
		if (mountplan_normalize(out, again, 4096) != 0 || strcmp(out, again) != 0)
			__builtin_trap();
	}
out:
	free(in);
	free(out);
	free(again);
	return 0;
}
