/* tty.c: provisional: no pty relay yet. */
#include "config.h"

#include "tty.h"

#include <errno.h>
#include <stdio.h>

int tty_open_pair(int *master, int *slave, char *err, size_t errlen)
{
	*master = *slave = -1;
	snprintf(err, errlen, "tty: the pseudo-terminal relay is not available yet");
	errno = ENOTSUP;
	return -ENOTSUP;
}
