/* fuzz_envfile.c: libFuzzer harness for env_file_parse (--env-file, docker's format). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const caller[] = { "HOME=/home/u", "PATH=/bin", "EMPTY=", NULL };
	char **out = NULL;
	size_t n = 0;
	char err[256];

	if (env_file_parse((const char *)data, size, caller, &out, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			const char *eq = strchr(out[i], '=');
			/* Every entry is NAME=VALUE with a name of printable, non-blank bytes. */
			if (!eq || eq == out[i])
				__builtin_trap();
			for (const char *c = out[i]; c < eq; c++)
				if ((unsigned char)*c <= ' ' || *c == 0x7f)
					__builtin_trap();
		}
		if (out && out[n])
			__builtin_trap();
	} else if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "line ", 5) != 0) {
		__builtin_trap(); /* the reason names the line */
	}
	env_free(out);
	/* A short reason buffer is cut, never overrun. */
	out = NULL;
	n = 0;
	env_file_parse((const char *)data, size, caller, &out, &n, err, 4);
	env_free(out);
	return 0;
}
