/* fuzz_options.c: libFuzzer harness for options_parse (and, when the options parse, the
 * mount plan built from them). The input is argv after the program name, split on NUL bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountplan.h"
#include "options.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	struct config cfg;
	struct mountplan plan;
	char err[256];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "sandbox";
	for (size_t i = 0; i <= size && argc <= MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (options_parse(argc, argv, &cfg, err, sizeof(err)) == 0 && cfg.cmd == CMD_RUN) {
		memset(&plan, 0, sizeof(plan));
		if (mountplan_build(&cfg, &plan, err, sizeof(err)) == 0)
			mountplan_free(&plan);
	}
	config_free(&cfg);
	free(buf);
	return 0;
}
