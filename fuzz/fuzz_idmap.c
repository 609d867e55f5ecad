/* fuzz_idmap.c: libFuzzer harness for idmap_parse_line (one line of /proc/PID/uid_map) and
 * idmap_host_span (a whole gid_map through fmemopen). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct idmap_range r;
	uint32_t low, high;
	FILE *f;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	idmap_parse_line(s, &r);
	if (size > 0 && (f = fmemopen((void *)data, size, "r")) != NULL) {
		idmap_host_span(f, &low, &high);
		fclose(f);
	}
	free(s);
	return 0;
}
