/* usernet_filter.c: the guard (see usernet_filter.h). Called for every frame in both
 * directions, so it only reads header bytes at fixed offsets and never allocates. */
#include "config.h"

#include "usernet_filter.h"

#include <errno.h>
#include <string.h>

#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define DNS_PORT 53

/* 10.0.2.0/24 and its forwarder 10.0.2.3; fd00::/64 and fd00::3. */
static const unsigned char net4[3] = { 10, 0, 2 };
static const unsigned char net6[8] = { 0xfd, 0 };
static const unsigned char dns6_iid[8] = { 0, 0, 0, 0, 0, 0, 0, 3 };

enum guard_dst { DST_OTHER, DST_FORBIDDEN, DST_ALIAS, DST_DNS };

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool v4_forbidden(const unsigned char *a)
{
	/* 127/8 is loopback; 0/8 is "this host", which connect() turns into a local address. */
	return a[0] == 127 || a[0] == 0;
}

static enum guard_dst classify4(const unsigned char *a)
{
	if (v4_forbidden(a))
		return DST_FORBIDDEN;
	if (memcmp(a, net4, 3) == 0)
		return a[3] == 3 ? DST_DNS : DST_ALIAS;
	return DST_OTHER;
}

static enum guard_dst classify6(const unsigned char *a)
{
	static const unsigned char zero[12];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	/* :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d nobody legitimately uses. */
	if (memcmp(a, zero, 12) == 0)
		return DST_FORBIDDEN;
	if (memcmp(a, mapped, 12) == 0)
		return v4_forbidden(a + 12) ? DST_FORBIDDEN : DST_OTHER;
	if (memcmp(a, net6, 8) == 0)
		return memcmp(a + 8, dns6_iid, 8) == 0 ? DST_DNS : DST_ALIAS;
	return DST_OTHER;
}

void usernet_guard_init(struct usernet_guard *g, bool allow_loopback)
{
	memset(g, 0, sizeof(*g));
	g->allow_loopback = allow_loopback;
}

int usernet_guard_add_udp_port(struct usernet_guard *g, uint16_t sandbox_port)
{
	for (size_t i = 0; i < g->nudp; i++) {
		if (g->udp_ports[i] == sandbox_port)
			return 0;
	}
	if (g->nudp >= USERNET_GUARD_PORTS)
		return -ENOSPC;
	g->udp_ports[g->nudp++] = sandbox_port;
	return 0;
}

static bool guard_udp_reply_ok(const struct usernet_guard *g, uint16_t sport, uint16_t dport)
{
	for (unsigned i = 0; i < USERNET_GUARD_FLOWS; i++) {
		if (g->flows[i].sandbox_port == sport && g->flows[i].host_port == dport && sport)
			return true;
	}
	return false;
}

/* proto and l4 (NULL when the L4 header is not in this frame) of a frame to dst class c. */
static bool guard_l4(const struct usernet_guard *g, enum guard_dst c, int proto,
		     const unsigned char *l4, size_t l4len)
{
	if (c == DST_OTHER)
		return true;
	if (c == DST_FORBIDDEN)
		return false;
	/* Allowed loopback: the aliases lead to the host's loopback by the user's choice. */
	if (g->allow_loopback)
		return true;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		return true; /* answered by libslirp itself: echo, NDP */
	if (proto != PROTO_TCP && proto != PROTO_UDP)
		return false;
	if (!l4 || l4len < (proto == PROTO_TCP ? 14u : 8u))
		return false; /* no header to judge: a fragment or a runt */
	if (c == DST_DNS)
		return get16(l4 + 2) == DNS_PORT;
	if (proto == PROTO_TCP)
		return (l4[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN;
	return guard_udp_reply_ok(g, get16(l4), get16(l4 + 2));
}

bool usernet_guard_in(const struct usernet_guard *g, const unsigned char *frame, size_t len)
{
	unsigned type;

	if (len < ETH_HDR)
		return true; /* libslirp drops runts itself */
	type = get16(frame + 12);
	if (type == ETHERTYPE_IPV4) {
		const unsigned char *ip = frame + ETH_HDR;
		size_t iplen = len - ETH_HDR, hl;
		enum guard_dst c;

		if (iplen < 20)
			return false;
		c = classify4(ip + 16);
		if (c == DST_OTHER)
			return true;
		hl = (size_t)(ip[0] & 0x0f) * 4;
		/* A fragment (MF set or an offset) may not hold the whole L4 header: judge only
		 * unfragmented packets to these destinations. */
		if (hl < 20 || hl > iplen || (get16(ip + 6) & 0x3fff))
			return c == DST_FORBIDDEN ? false : guard_l4(g, c, ip[9], NULL, 0);
		return guard_l4(g, c, ip[9], ip + hl, iplen - hl);
	}
	if (type == ETHERTYPE_IPV6) {
		const unsigned char *ip = frame + ETH_HDR;
		size_t iplen = len - ETH_HDR;
		enum guard_dst c;

		if (iplen < 40)
			return false;
		c = classify6(ip + 24);
		/* Extension headers (fragments among them) leave the L4 header elsewhere: only a
		 * next header of TCP, UDP or ICMPv6 right after the fixed header is judged. */
		return guard_l4(g, c, ip[6], ip + 40, iplen - 40);
	}
	return true;
}

void usernet_guard_out(struct usernet_guard *g, const unsigned char *frame, size_t len)
{
	const unsigned char *ip, *l4;
	enum guard_dst c;
	unsigned type;
	uint16_t sport, dport;

	if (g->allow_loopback || g->nudp == 0 || len < ETH_HDR)
		return;
	type = get16(frame + 12);
	ip = frame + ETH_HDR;
	if (type == ETHERTYPE_IPV4 && len >= ETH_HDR + 20 + 8 && ip[9] == PROTO_UDP &&
	    !(get16(ip + 6) & 0x1fff)) {
		size_t hl = (size_t)(ip[0] & 0x0f) * 4;
		if (hl < 20 || len < ETH_HDR + hl + 8)
			return;
		c = classify4(ip + 12); /* the source: a host client appears as an alias */
		l4 = ip + hl;
	} else if (type == ETHERTYPE_IPV6 && len >= ETH_HDR + 40 + 8 && ip[6] == PROTO_UDP) {
		c = classify6(ip + 8);
		l4 = ip + 40;
	} else {
		return;
	}
	if (c != DST_ALIAS)
		return;
	sport = get16(l4);
	dport = get16(l4 + 2);
	for (size_t i = 0; i < g->nudp; i++) {
		if (g->udp_ports[i] != dport)
			continue;
		if (guard_udp_reply_ok(g, dport, sport))
			return; /* known: do not push an older pair out of the ring */
		g->flows[g->next_flow].sandbox_port = dport;
		g->flows[g->next_flow].host_port = sport;
		g->next_flow = (g->next_flow + 1) % USERNET_GUARD_FLOWS;
		return;
	}
}
