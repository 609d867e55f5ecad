/* supervisor.h: the outer process: clone the sandbox, write its maps, wait for it. */
#pragma once

#include "options.h"

/* Run the sandbox described by cfg; returns the exit status of the contract. */
int supervisor_run(const struct config *cfg);
