/* portfwd.h: the fast path of published TCP ports (--net-fast on, the default).
 *
 * libslirp forwards a published port by accepting on the host and replaying the bytes as TCP
 * frames over the tap, bounded by its own TCP (no window scaling: ~5 Gbit/s at best). Instead,
 * the network helper forks a forwarder, before its own lock-down, that holds the host-side
 * listeners. The sandbox's child sends the helper its user and network namespaces along with
 * the tap; the forwarder joins them (joining a user namespace its owner created needs no
 * privilege), locks itself down, and from then on turns every accepted host connection into a
 * connection made inside the sandbox's network namespace from the sandbox's own address
 * (10.0.2.100, or fd00::100 for an IPv6 listener; never 127.0.0.1) to SANDBOX_PORT, and joins
 * the two with splice(2) through a pair of pipes (a small message by one recv and one send):
 * the bytes never pass libslirp.
 *
 * The forwarder lives in the host's pid namespace (invisible to the sandbox), dies with the
 * helper (PR_SET_PDEATHSIG: its listeners close, so clients are refused, never left hanging),
 * and holds at most PORTFWD_MAX_CONNS connections; past that it stops accepting and new
 * clients wait in the listen backlog. UDP published ports stay with libslirp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "publish.h"

enum { PORTFWD_MAX_CONNS = 1024 };

struct portfwd {
	pid_t pid; /* the forwarder; -1: none */
	int sock;  /* the helper's end of its socket; -1: none */
};

#define PORTFWD_INIT { .pid = -1, .sock = -1 }

/* In the helper, before usernet_lockdown_isolate (afterwards the forwarder could no longer join
 * the sandbox's user namespace): bind a listener for every TCP entry of pub and fork the
 * forwarder holding them. No TCP entry: nothing is forked. selftest_forbidden (tests only):
 * right after its lock-down the forwarder makes a call its filter does not allow, instead of
 * running its loop. 0 or -errno with err, e.g. "publish 127.0.0.1:8080/tcp: Address already in
 * use". */
int portfwd_start(const struct publish *pub, size_t n, bool selftest_forbidden, struct portfwd *pf, char *err,
		  size_t errlen);
/* After the tap: receive the sandbox's user and network namespace fds from the sandbox's child
 * on from (CHAN_MSG_USERNS, then CHAN_MSG_NETNS) and hand them to the forwarder, which joins
 * them and starts forwarding. The helper keeps no copy, nor its end of the forwarder's socket.
 * 0, -EPIPE when the child ended first, or -errno. */
int portfwd_pass_namespaces(struct portfwd *pf, int from);
