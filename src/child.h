/* child.h: the sandbox's first process, from clone to PID 1. */
#pragma once

#include "cmdplan.h"
#include "mountplan.h"
#include "net.h"
#include "ucount.h"

/* What the supervisor planned for the child: all it reads. */
struct child_args {
	const char *hostname;        /* the UTS namespace's */
	const struct net_plan *net;
	const struct mountplan *plan;
	const struct command_plan *cmd;
	int chan;            /* our end of the supervisor's socketpair */
	int net_sock;        /* the network helper's socket, or -1 */
	bool want_tty;       /* give COMMAND a new pseudo-terminal */
	struct ucount_limits caller_limits; /* the caller's /proc/sys/user: the sandbox gets a share */
};

__attribute__((noreturn)) void child_main(const struct child_args *a);
