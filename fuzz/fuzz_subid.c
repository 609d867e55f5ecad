/* fuzz_subid.c: libFuzzer harness for subid_find, over the input as the text of
 * /etc/subuid (through fmemopen, as the real file is read through a FILE). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subid.h"

static void find(const uint8_t *data, size_t size, const char *user, uint32_t id)
{
	struct subid_span span;
	FILE *f;

	if (size == 0)
		return;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return;
	if (subid_find(f, user, id, &span) == 0 &&
	    (span.count == 0 || (uint64_t)span.start + span.count - 1 > UINT32_MAX))
		__builtin_trap(); /* documented: zero counts and overflowing ranges are skipped */
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	find(data, size, "sbtest", 1000);
	find(data, size, "root", 0);
	find(data, size, "", 4294967295u);
	return 0;
}
