/* net.h: the sandbox's network behind a small interface (provisional: lo only). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "options.h"

struct net_helper {
	pid_t pid;
	int ctl_fd;
};

int net_helper_start(const struct config *cfg, struct net_helper *h, int *child_sock, char *err, size_t errlen);
int net_helper_wait_ready(struct net_helper *h, char *err, size_t errlen);
void net_helper_stop(struct net_helper *h);
int net_child_setup(const struct config *cfg, int child_sock, char *err, size_t errlen);
