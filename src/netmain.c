/* netmain.c: sandbox-net, the network helper program. The supervisor runs it with the control
 * socket at fd 3 and the socket that brings the tap at fd 4:
 *     sandbox-net --mtu N [--allow-host-loopback] [-p SPEC]...
 * It is not meant to be run by hand. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nethelper.h"
#include "options.h"
#include "util.h"

/* Set by the hidden --selftest-forbidden (tests only, never passed by the supervisor). */
static bool selftest_forbidden;

/* Parse our own short command line into cfg; on error tell the supervisor and exit. */
static void parse(int argc, char **argv, struct config *cfg, struct publish *pub)
{
	struct net_ready_msg msg = { .err = -EINVAL };
	unsigned long long v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->net = NET_SLIRP;
	cfg->mtu = DEFAULT_MTU;
	cfg->publish = pub;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc && parse_uint(argv[i + 1], MAX_MTU, &v) == 0 &&
		    v >= MIN_MTU) {
			cfg->mtu = (unsigned)v;
			i++;
		} else if (strcmp(argv[i], "--selftest-forbidden") == 0) {
			selftest_forbidden = true;
		} else if (strcmp(argv[i], "--allow-host-loopback") == 0) {
			cfg->allow_host_loopback = true;
		} else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc &&
			   publish_parse(argv[i + 1], &pub[cfg->npublish], msg.text, sizeof(msg.text)) == 0) {
			pub[cfg->npublish++].spec = argv[++i];
		} else {
			snprintf(msg.text, sizeof(msg.text), "network helper: bad argument '%s'", argv[i]);
			(void)send(NETHELPER_CTL_FD, &msg, sizeof(msg), MSG_NOSIGNAL);
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct publish *pub = calloc((size_t)argc, sizeof(*pub));

	if (!pub)
		return 1;
	parse(argc, argv, &cfg, pub);
	net_helper_main(&cfg, NETHELPER_CTL_FD, NETHELPER_TAP_FD, selftest_forbidden);
}
