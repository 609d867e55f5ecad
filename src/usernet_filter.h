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
 *       TCP: a connection opening (SYN without ACK) is refused (a RST back to the sandbox, as a
 *            firewall's REJECT does); segments of connections the host opened through -p pass
 *            (libslirp resets anything else it has no socket for);
 *       UDP: passes only as a reply from a published UDP port to a host port that recently sent
 *            to it (learnt from libslirp's frames towards the sandbox); anything else is refused
 *            with ICMP port unreachable;
 *       ICMP passes (libslirp answers it itself); anything else is dropped;
 *     and the DNS forwarder only takes port 53 (libslirp would forward any port of 10.0.2.3 to
 *     the host's resolver, 127.0.0.53 for systemd-resolved), the rest refused the same way;
 *   - refused, whatever the destination: a new TCP connection (SYN) while libslirp holds
 *     max_sockets sockets (USERNET_GUARD_MAX_SOCKETS), which bounds the helper's memory;
 *   - with --net-allow (netpolicy.h), on top of the above: a frame that opens a flow (a TCP SYN
 *     without ACK, any UDP datagram but a reply from a published UDP port, an ICMP echo
 *     request) to a destination the policy does not allow is refused like the host's loopback
 *     (TCP: a RST, UDP: ICMP port unreachable; an echo request is dropped). The policy learns
 *     the names' addresses from the DNS answers of the forwarder as they pass towards the
 *     sandbox (usernet_guard_out);
 *   - always dropped, whatever the destination: IPv4 fragments (MF, an offset or the reserved
 *     bit set) and IPv6 packets whose next header is not TCP, UDP or ICMPv6 (a fragment header
 *     among them). libslirp 4.7.0's reassembly (ip_reass) corrupts memory when fed fragments
 *     (Debian 12's build; fixed upstream in 4.8.0), and the helper runs in the host's network
 *     namespace, so fragments never reach it. The sandbox's kernel fragments what is larger
 *     than the MTU, so the largest UDP payload that arrives is MTU - 28 over IPv4 (65492 at the
 *     default 65520) and MTU - 48 over IPv6 (65472); TCP is unaffected (segments fit the MSS). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netpolicy.h"

#define USERNET_GUARD_PORTS 64
/* libslirp sockets (flows) the sandbox may hold at once before its new TCP connections are
 * refused (a RST): each connection costs the helper up to its two socket buffers in libslirp,
 * so without a bound a sandbox could grow the helper's memory, which is outside the sandbox's
 * limits, without end (4000 connections made it 540 MB). 1024 is the usual open-file limit, so
 * a program that works on the host works here. */
#define USERNET_GUARD_MAX_SOCKETS 1024
#define USERNET_GUARD_FLOWS 256

struct usernet_guard {
	bool allow_loopback;
	/* --net-allow, or NULL: learns from DNS answers, so not const (owned by the caller). */
	struct net_policy *policy;
	/* libslirp's live sockets (kept by usernet.c from its register/unregister callbacks) and
	 * the bound past which a new TCP connection from the sandbox is refused. */
	unsigned sockets, max_sockets;
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
enum usernet_verdict {
	USERNET_DROP,   /* silently */
	USERNET_PASS,   /* to libslirp */
	USERNET_REJECT, /* answer with usernet_guard_reject's frame, then drop */
};

/* The largest refusal usernet_guard_reject builds: Ethernet + IPv4 + ICMP quoting an IPv4
 * header with options and 8 bytes (110), or IPv6 + ICMPv6 quoting 48 bytes (110). */
#define USERNET_REJECT_MAX 128

/* May this frame from the sandbox enter libslirp? */
enum usernet_verdict usernet_guard_in(const struct usernet_guard *g, const unsigned char *frame,
				      size_t len);
/* For a frame judged USERNET_REJECT: build into out (outlen >= USERNET_REJECT_MAX) the frame
 * that refuses it towards the sandbox: a TCP RST+ACK for a SYN, ICMP or ICMPv6 port unreachable
 * for UDP. Its length, or 0 when there is nothing to answer. */
size_t usernet_guard_reject(const unsigned char *frame, size_t len, unsigned char *out,
			    size_t outlen);
/* A frame libslirp sends to the sandbox: learn UDP replies that will be allowed back, and the
 * addresses of the policy's names from the forwarder's DNS answers. */
void usernet_guard_out(struct usernet_guard *g, const unsigned char *frame, size_t len);
