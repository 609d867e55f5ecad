/* netaddr.h: the address plan of --net slirp, the one place it is spelled. Plain text macros,
 * no libslirp: the supervisor (status line, generated /etc files), the sandbox's child (eth0's
 * addresses and routes) and the network helper (libslirp's configuration) all read it here.
 * The guard (usernet_filter.c) matches the same networks in binary form. */
#pragma once

#define NETADDR_NET4 "10.0.2.0"
#define NETADDR_MASK4 "255.255.255.0"
#define NETADDR_PREFIX4_LEN 24
#define NETADDR_HOST4 "10.0.2.2"    /* the gateway; the host's loopback with --allow-host-loopback */
#define NETADDR_DNS4 "10.0.2.3"     /* libslirp's forwarder to the host's resolvers */
#define NETADDR_GUEST4 "10.0.2.100" /* the sandbox's eth0 */
/* libslirp requires a DHCP start address inside the network even with DHCP off. */
#define NETADDR_DHCP_START4 "10.0.2.15"
#define NETADDR_PREFIX6 "fd00::"
#define NETADDR_PREFIX6_LEN 64
#define NETADDR_HOST6 "fd00::2"
#define NETADDR_DNS6 "fd00::3"
#define NETADDR_GUEST6 "fd00::100"

/* eth0's and libslirp's MTU: --mtu's default and bounds, which the helper checks again. */
#define DEFAULT_MTU 65520
#define MIN_MTU 1280 /* IPv6 needs at least this */
#define MAX_MTU 65521
