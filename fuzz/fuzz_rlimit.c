/* fuzz_rlimit.c: libFuzzer harness for rlimit_parse (--rlimit NAME=SOFT[:HARD]). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rlimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct rlimit_setting r;
	char err[256];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rlimit_parse(s, &r, err, sizeof(err)) == 0 && r.hard_set && r.soft > r.hard)
		__builtin_trap(); /* the parser must refuse soft > hard */
	rlimit_parse(s, &r, err, 8);
	rlimit_by_name(s);
	free(s);
	return 0;
}
