/* init.h: PID 1 of the sandbox. */
#pragma once

#include "command.h"

/* Become the sandbox's init: start COMMAND (command_exec in a child), report its host pid
 * (CHAN_MSG_STARTED), reap every orphan, forward the contract's signals to COMMAND, and when
 * COMMAND ends report its wait status (CHAN_MSG_EXIT) and exit with its code (128+N for a
 * signal). The kernel then kills whatever is left in the pid namespace. */
__attribute__((noreturn)) void init_run(const struct command_ctx *ctx, int chan);

/* Block the forwarded signals and return a signalfd that receives them (supervisor and
 * `sandbox exec`, which relay them), or -errno. */
int init_signalfd_forwarded(void);

/* The signals the sandbox forwards to COMMAND. */
extern const int init_forwarded_signals[];
extern const size_t init_nforwarded_signals;
