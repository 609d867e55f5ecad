/* net.h: the network of the sandbox, as the core sees it. Its calls, in this order:
 *
 *   supervisor                                   sandbox's child (new user + net namespace)
 *   ----------                                   ------------------------------------------
 *   net_helper_start(plan, &h, &child_sock, cgroup_fd)
 *   clone(child), child inherits child_sock  ->  net_child_setup(plan, child_sock)
 *   close(child_sock)                              (before pivot_root: it opens /dev/net/tun)
 *   net_helper_wait_ready(&h)  (exit 125 on error, before COMMAND starts)
 *   ... wait for the sandbox, watching net_helper_fd(&h) with net_helper_check(&h) ...
 *   net_helper_stop(&h)
 *
 * Only --net slirp has a helper: for the other modes net_helper_start sets child_sock to -1 and
 * h->pid to -1, and the other calls do nothing, so the core can call them unconditionally.
 *
 * The helper is its own program, sandbox-net (nethelper.h), forked and exec'd by the
 * supervisor: libslirp and GLib are mapped only there. In the host's network namespace it sets
 * up libslirp and binds every -p listener (TCP ones in its forwarder, portfwd.h), moves into a
 * user and mount namespace of its own, reports "ready" (or the first error) on h->ctl_fd, then
 * receives the tap fd from the sandbox's child over child_sock, drops the rest of its privileges
 * (usernet_lockdown.h) and runs the loop. It dies with the supervisor (PR_SET_PDEATHSIG; EOF on
 * ctl_fd makes it deliver what it still holds and exit), and ends by itself when the sandbox's
 * network namespace is gone (the tap hangs up). If the network fails while the sandbox runs, it
 * prints one line "sandbox: network: WHY" on stderr and exits; the sandbox goes on without
 * network.
 *
 * Notes for the caller:
 * - child_sock is CLOEXEC: clear it in the child (or dup it) if the child execs before using
 *   it; the supervisor must close its copy right after clone, or the helper never sees EOF when
 *   the child dies before sending the tap.
 * - The helper is a child process of the supervisor: a waitpid(-1, ...) in the supervisor can
 *   reap it; compare the pid with h->pid (net_helper_stop tolerates an already-reaped helper).
 * - The calls that can fail return 0 or -errno with a one-line reason in err (no "sandbox: "
 *   prefix). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "publish.h"

/* The sandbox's network, planned once by the supervisor from the options: what the child sets
 * up inside its namespace and what the helper is started with. The executors below read only
 * this. */
struct net_plan {
	bool own_ns;                    /* a network namespace of its own (not --net host): lo up */
	bool slirp;                     /* and a tap eth0 with the helper behind it (--net slirp) */
	unsigned mtu;                   /* eth0's and libslirp's */
	const char *addr4, *gateway4;   /* eth0's address and default route; prefix4 bits */
	int prefix4;
	const char *addr6, *gateway6;   /* the same for IPv6, where the kernel has it */
	int prefix6;
	bool allow_host_loopback;       /* the helper: the gateway reaches the host's loopback */
	bool fast_connect;              /* COMMAND's connect() answered by the supervisor (fastconnect.h) */
	bool fast_ports;                /* the helper: TCP -p by the forwarder (portfwd.h) */
	const struct publish *publish;  /* the helper: -p, each with its spec (borrowed) */
	size_t npublish;
	const char *const *net_allow;   /* the helper: --net-allow DESTs, validated (borrowed) */
	size_t nnet_allow;
	int flow_log_fd;                /* the helper: --flow-log's fd, or -1 */
};

struct net_helper {
	pid_t pid;  /* -1: none */
	int ctl_fd; /* supervisor's end of the control socket; -1: none */
	bool wait_exit; /* --flow-log: net_helper_stop waits for the helper's last lines */
};

#define NET_HELPER_INIT { .pid = -1, .ctl_fd = -1 }

/* Supervisor, before it clones the sandbox's child. Forks the helper for plan->slirp, into the
 * cgroup cgroup_fd when it is not -1 (with --memory and the like: its memory counts). */
int net_helper_start(const struct net_plan *plan, struct net_helper *h, int *child_sock, int cgroup_fd, char *err,
		     size_t errlen);
/* Supervisor: block until the helper has set up libslirp and bound every -p listener, or
 * return its error, e.g. "publish 127.0.0.1:8080/tcp: Address already in use". Never hangs on
 * a dead helper (EOF is an error). */
int net_helper_wait_ready(struct net_helper *h, char *err, size_t errlen);
/* Supervisor, while the sandbox runs: an fd to poll for POLLIN, readable when the helper has
 * ended (-1: no helper, or it was reaped). */
int net_helper_fd(const struct net_helper *h);
/* Supervisor, when that fd is readable: reap the helper and, when a signal killed it, print
 * "sandbox: network helper died: signal N". The sandbox goes on without network. True when the
 * helper was reaped (net_helper_fd is then -1). */
bool net_helper_check(struct net_helper *h);
/* Supervisor, when the sandbox ends: close ctl_fd, which asks the helper to deliver what it
 * still holds and exit (it is reaped if it is gone already, not waited for). Idempotent. */
void net_helper_stop(struct net_helper *h);
/* The sandbox's child, as uid 0 of its user namespace, in its new network namespace, before
 * pivot_root. own_ns: lo up. slirp: also tap eth0 with plan->mtu, link up, the plan's
 * addresses and default routes, tap fd sent to the helper over child_sock. Not own_ns (--net
 * host): nothing. child_sock (may be -1 without slirp) is closed. */
int net_child_setup(const struct net_plan *plan, int child_sock, char *err, size_t errlen);
