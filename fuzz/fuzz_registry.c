/* fuzz_registry.c: libFuzzer harness for registry_decode, the reader of a named sandbox's entry
 * (NAME.entry, which exec trusts for the command it runs). What it accepts must encode again,
 * read back the same, and print as a list --json line. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry_entry e, again;
	char *buf = NULL, *buf2 = NULL, *line = NULL;
	size_t len, len2;
	char err[256];

	if (registry_decode(data, size, &e, err, sizeof(err)) < 0) {
		if (e.name || e.cmd.argv || e.rootfs)
			__builtin_trap(); /* a refused entry leaves nothing behind */
		return 0;
	}
	if (registry_encode(&e, &buf, &len) < 0 || registry_decode(buf, len, &again, err, sizeof(err)) < 0)
		__builtin_trap();
	if (registry_encode(&again, &buf2, &len2) < 0 || len != len2 || memcmp(buf, buf2, len))
		__builtin_trap();
	if (registry_format_json(&e, 0, &line) < 0)
		__builtin_trap();
	free(line);
	free(buf);
	free(buf2);
	registry_entry_free(&again);
	registry_entry_free(&e);
	return 0;
}
