/* etcfiles.h: text of the generated /etc/resolv.conf, /etc/hosts and /etc/hostname (pure). */
#pragma once

#include <stddef.h>

#include "mountplan.h"
#include "options.h"

/* Length written to buf (NUL-terminated), or -ENOSPC. For --net host the host's own
 * /etc/resolv.conf is copied (it is read before pivot_root). */
int etcfiles_text(enum etc_file which, const struct config *cfg, char *buf, size_t len);
