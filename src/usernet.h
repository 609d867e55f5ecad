/* usernet.h: the user-mode network of --net slirp: libslirp set up for the contract's addresses,
 * published ports, and the loop that runs it. Used only inside the network helper process.
 *
 * Kept behind these few calls (init, publish, run, destroy) so that fast paths beside libslirp
 * can be added later without touching the sandbox's set-up. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"
#include "netaddr.h"
#include "publish.h"

struct usernet {
	Slirp *slirp;
	struct loop loop;
	struct usernet_guard guard;
	struct usernet_flows flows; /* --flow-log; slot NULL without one */
	int tap_fd; /* -1 until usernet_run */
};

/* Create the libslirp instance for a tap of this MTU; allow_host_loopback as the option says;
 * policy: --net-allow's (NULL: none; it must outlive u); flow_log_fd: where --flow-log's lines
 * go (-1: none). 0 or -errno with err. */
int usernet_init(struct usernet *u, unsigned mtu, bool allow_host_loopback,
		 struct net_policy *policy, int flow_log_fd, char *err, size_t errlen);
/* Bind one -p listener now, so that a taken port fails before the command starts. err gets
 * e.g. "publish 127.0.0.1:8080/tcp: Address already in use". */
int usernet_publish(struct usernet *u, const struct publish *p, char *err, size_t errlen);
/* Drive the network until ctl_fd's EOF or the tap's hang-up (0), or an error (-errno, err). */
int usernet_run(struct usernet *u, int tap_fd, int ctl_fd, char *err, size_t errlen);
void usernet_destroy(struct usernet *u);
