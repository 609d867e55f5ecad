/* publish.c: provisional until the network lands. */
#include "config.h"

#include "publish.h"

#include <errno.h>
#include <stdio.h>

int publish_parse(const char *spec, struct publish *out, char *err, size_t errlen)
{
	(void)out;
	snprintf(err, errlen, "'%s': publishing ports needs --net slirp, not available yet", spec);
	return -EINVAL;
}
