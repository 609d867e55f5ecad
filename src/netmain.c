/* netmain.c: sandbox-net, the network helper program. The supervisor runs it with the control
 * socket at fd 3 and the socket that brings the tap at fd 4:
 *     sandbox-net --mtu N [--allow-host-loopback] [--net-fast on|off] [-p SPEC]...
 *                 [--net-allow DEST]... [--flow-log-fd N]
 * It is not meant to be run by hand. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nethelper.h"
#include "netpolicy.h"
#include "netaddr.h"
#include "util.h"

/* Parse our own short command line into the helper's plan (pub holds argc entries); on error
 * tell the supervisor and exit. --selftest-forbidden and --selftest-portfwd-forbidden are for
 * tests only: the supervisor never passes them. */
static void parse(int argc, char **argv, struct net_helper_plan *plan, struct publish *pub,
		  char **allow)
{
	struct net_ready_msg msg = { .err = -EINVAL };
	struct netpolicy_allow a;
	unsigned long long v;
	size_t n = 0, nallow = 0;

	memset(plan, 0, sizeof(*plan));
	plan->mtu = DEFAULT_MTU;
	plan->flow_log_fd = -1;
	plan->fast_ports = true;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc &&
		    parse_uint(argv[i + 1], MAX_MTU, &v) == 0 && v >= MIN_MTU) {
			plan->mtu = (unsigned)v;
			i++;
		} else if (strcmp(argv[i], "--selftest-forbidden") == 0) {
			plan->selftest_forbidden = true;
		} else if (strcmp(argv[i], "--selftest-portfwd-forbidden") == 0) {
			plan->selftest_portfwd_forbidden = true;
		} else if (strcmp(argv[i], "--net-fast") == 0 && i + 1 < argc &&
			   (strcmp(argv[i + 1], "on") == 0 || strcmp(argv[i + 1], "off") == 0)) {
			plan->fast_ports = strcmp(argv[++i], "on") == 0;
		} else if (strcmp(argv[i], "--allow-host-loopback") == 0) {
			plan->allow_host_loopback = true;
		} else if (strcmp(argv[i], "--net-allow") == 0 && i + 1 < argc &&
			   netpolicy_parse(argv[i + 1], &a, msg.text, sizeof(msg.text)) == 0) {
			allow[nallow++] = argv[++i];
		} else if (strcmp(argv[i], "--flow-log-fd") == 0 && i + 1 < argc &&
			   parse_uint(argv[i + 1], INT32_MAX, &v) == 0 && v > 2) {
			plan->flow_log_fd = (int)v;
			i++;
		} else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc &&
			   publish_parse(argv[i + 1], &pub[n], msg.text, sizeof(msg.text)) == 0) {
			pub[n++].spec = argv[++i];
		} else {
			err_set(msg.text, sizeof(msg.text), -EINVAL, "network helper: bad argument '%s'", argv[i]);
			(void)send(NETHELPER_CTL_FD, &msg, sizeof(msg), MSG_NOSIGNAL);
			exit(1);
		}
	}
	plan->publish = pub;
	plan->npublish = n;
	plan->net_allow = allow;
	plan->nnet_allow = nallow;
}

int main(int argc, char **argv)
{
	struct net_helper_plan plan;
	struct publish *pub = calloc((size_t)argc, sizeof(*pub));
	char **allow = calloc((size_t)argc, sizeof(*allow));

	if (!pub || !allow)
		return 1;
	parse(argc, argv, &plan, pub, allow);
	net_helper_main(&plan, NETHELPER_CTL_FD, NETHELPER_TAP_FD);
}
