/* nethelper.h: the network helper program (sandbox-net) and what it shares with net.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "publish.h"

/* helper -> supervisor, once: 0 = ready, else -errno with the reason. */
struct net_ready_msg {
	int32_t err;
	char text[252];
};

/* The helper program, and the fd numbers at which it receives its two sockets and --flow-log's
 * fd. */
#define NETHELPER_NAME "sandbox-net"
enum { NETHELPER_CTL_FD = 3, NETHELPER_TAP_FD = 4, NETHELPER_FLOW_LOG_FD = 5 };

/* The helper's own plan, from its command line (netmain.c): what the supervisor passes, nothing
 * of the sandbox's other options. */
struct net_helper_plan {
	unsigned mtu;
	bool allow_host_loopback;
	bool fast_ports; /* published TCP ports by the forwarder (portfwd.h), not libslirp */
	const struct publish *publish;
	size_t npublish;
	char *const *net_allow; /* --net-allow DESTs, validated */
	size_t nnet_allow;
	int flow_log_fd; /* --flow-log's fd, or -1 */
	bool selftest_forbidden; /* tests only: see net_helper_main */
	bool selftest_portfwd_forbidden; /* tests only: the same for the forwarder */
};

/* The helper's life: libslirp set up and the published ports bound, its own namespaces, "ready"
 * sent on ctl, the tap fd received on tapsk, the rest of the lock-down, then the loop until the
 * sandbox is gone. selftest_forbidden (tests only): right after the lock-down, make a call the
 * filter does not allow, instead of running the loop. selftest_portfwd_forbidden (tests only):
 * the forwarder does that, and the helper, once it has passed the namespaces on, waits for it,
 * says on stderr how it ended ("network: selftest: forwarder: signal 31") and exits 3. */
__attribute__((noreturn)) void net_helper_main(const struct net_helper_plan *plan, int ctl,
					       int tapsk);
