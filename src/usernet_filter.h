/* usernet_filter.h: the guard between the sandbox's frames and libslirp (allocation-free).
 *
 * Why not libslirp's own disable_host_loopback: in 4.7 it (1) guards only its alias addresses,
 * so a frame crafted with destination 127.0.0.1, 0.0.0.0, ::1 or ::ffff:127.0.0.1 (a raw socket
 * inside) makes it connect() to the host's loopback (measured: 5 of 5 crafted SYNs accepted by a
 * host service on 127.0.0.1, 1 of 1 on ::1); and (2) drops the sandbox's replies on a published
 * UDP port, because the host client on 127.0.0.1 appears inside as 10.0.2.2 and the reply is
 * translated back through the same check. So libslirp runs with the check off and this guard
 * decides, per frame, at fixed header offsets:
 *   - always dropped: IPv4 to 127/8 or 0/8; IPv6 to ::/96 (:: and ::1) or ::ffff:127/8, ::ffff:0/8;
 *   - without --allow-host-loopback, for destinations libslirp maps to the host's loopback (every
 *     address of 10.0.2.0/24 and fd00::/64 except the DNS forwarder 10.0.2.3 / fd00::3):
 *       TCP: a connection opening (SYN without ACK) is dropped; segments of connections the host
 *            opened through -p pass (libslirp resets anything else it has no socket for);
 *       UDP: passes only as a reply from a published UDP port to a host port that recently sent
 *            to it (learnt from libslirp's frames towards the sandbox);
 *       ICMP passes (libslirp answers it itself); fragments and anything else are dropped;
 *     and the DNS forwarder only takes port 53 (libslirp would forward any port of 10.0.2.3 to
 *     the host's resolver, 127.0.0.53 for systemd-resolved). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERNET_GUARD_PORTS 64
#define USERNET_GUARD_FLOWS 256

struct usernet_guard {
	bool allow_loopback;
	size_t nudp;
	uint16_t udp_ports[USERNET_GUARD_PORTS]; /* published UDP ports inside the sandbox */
	/* Recent (sandbox port, host port) pairs of UDP sent by a host client through -p: a ring,
	 * so an old pair is forgotten after USERNET_GUARD_FLOWS newer ones. */
	struct {
		uint16_t sandbox_port, host_port;
	} flows[USERNET_GUARD_FLOWS];
	unsigned next_flow;
};

void usernet_guard_init(struct usernet_guard *g, bool allow_loopback);
/* A published UDP port; -ENOSPC past USERNET_GUARD_PORTS. */
int usernet_guard_add_udp_port(struct usernet_guard *g, uint16_t sandbox_port);
/* May this frame from the sandbox enter libslirp? */
bool usernet_guard_in(const struct usernet_guard *g, const unsigned char *frame, size_t len);
/* A frame libslirp sends to the sandbox: learn UDP replies that will be allowed back. */
void usernet_guard_out(struct usernet_guard *g, const unsigned char *frame, size_t len);
