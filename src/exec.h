/* exec.h: `sandbox exec NAME COMMAND`: run a command inside a named sandbox. */
#pragma once

#include "options.h"

/* Join the sandbox cfg->name and run cfg->argv there as its COMMAND is run; wait for it and
 * return its exit status (128+N for a signal), or 125 with one line on stderr. */
int exec_run(const struct config *cfg);
