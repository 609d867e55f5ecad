/* fuzz_ociconf.c: libFuzzer harness for what sandbox-oci reads: a bundle's config.json (then
 * its mount plan), exec's process.json and the state file. The first byte picks the parser;
 * the rest is its input. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ociconf.h"
#include "ocistate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config c;
	struct oci_process p;
	struct oci_state st;
	struct mountplan plan;
	char err[256], *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (ociconf_parse(s, size - 1, &c, err, sizeof(err)) == 0) {
			if (ociconf_mountplan(&c, "/rootfs", &plan, err, sizeof(err)) == 0)
				mountplan_free(&plan);
			char *json = ocistate_json("id", OCI_RUNNING, 1, "/b", c.annotations);
			free(json);
			ociconf_free(&c);
		}
		break;
	case 1:
		if (ociconf_parse_process(s, size - 1, &p, err, sizeof(err)) == 0)
			ociconf_process_free(&p);
		break;
	default:
		if (ocistate_parse(s, &st, err, sizeof(err)) == 0) {
			char buf[8192];
			(void)ocistate_format(buf, sizeof(buf), &st);
		}
		break;
	}
	free(s);
	return 0;
}
