/* usernet_filter.c: the guard (see usernet_filter.h). Called for every frame in both
 * directions, so it only reads header bytes at fixed offsets and never allocates. */
#include "config.h"

#include "usernet_filter.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define IP4_DF 0x4000
#define TCP_ACK 0x10
#define DNS_PORT 53
#define ICMP_ECHO 8
#define ICMPV6_ECHO 128

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
	g->max_sockets = USERNET_GUARD_MAX_SOCKETS;
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
static enum usernet_verdict guard_l4(const struct usernet_guard *g, enum guard_dst c, int proto,
				     const unsigned char *l4, size_t l4len)
{
	if (c == DST_OTHER)
		return USERNET_PASS;
	if (c == DST_FORBIDDEN)
		return USERNET_DROP;
	/* Allowed loopback: the aliases lead to the host's loopback by the user's choice. */
	if (g->allow_loopback)
		return USERNET_PASS;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		return USERNET_PASS; /* answered by libslirp itself: echo, NDP */
	if (proto != PROTO_TCP && proto != PROTO_UDP)
		return USERNET_DROP;
	if (!l4 || l4len < (proto == PROTO_TCP ? 14u : 8u))
		return USERNET_DROP; /* no header to judge: a runt */
	/* Refused like a firewall's REJECT: the sandbox's connect() fails at once instead of
	 * retrying into a silent drop for minutes. */
	if (c == DST_DNS)
		return get16(l4 + 2) == DNS_PORT ? USERNET_PASS : USERNET_REJECT;
	if (proto == PROTO_TCP) {
		if ((l4[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return USERNET_PASS; /* libslirp resets what it has no socket for */
		return USERNET_REJECT;
	}
	return guard_udp_reply_ok(g, get16(l4), get16(l4 + 2)) ? USERNET_PASS : USERNET_REJECT;
}

/* With a policy: a frame that opens a flow to a destination it does not allow is refused (an
 * echo request dropped); everything else keeps verdict v. dst is the destination address. */
static enum usernet_verdict guard_policy(const struct usernet_guard *g, enum usernet_verdict v,
					 enum guard_dst c, int family, const unsigned char *dst,
					 int proto, const unsigned char *l4, size_t l4len)
{
	uint16_t port = 0;

	if (v != USERNET_PASS || !g->policy || !netpolicy_active(g->policy))
		return v;
	if (proto == PROTO_TCP) {
		if (l4len < 14 || (l4[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return v; /* libslirp resets segments of connections it does not have */
		port = get16(l4 + 2);
	} else if (proto == PROTO_UDP) {
		if (l4len < 8)
			return USERNET_DROP;
		/* a published UDP port answering the host client that wrote to it */
		if (c == DST_ALIAS && guard_udp_reply_ok(g, get16(l4), get16(l4 + 2)))
			return v;
		port = get16(l4 + 2);
	} else if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
		/* echo requests only: neighbour discovery and the like stay with libslirp */
		if (l4len < 1 || l4[0] != (proto == PROTO_ICMP ? ICMP_ECHO : ICMPV6_ECHO))
			return v;
	} else {
		return v;
	}
	if (netpolicy_verdict(g->policy, family, dst, port, proto, NULL) == NETPOLICY_ALLOW)
		return v;
	return proto == PROTO_TCP || proto == PROTO_UDP ? USERNET_REJECT : USERNET_DROP;
}

/* A TCP connection opening (SYN without ACK) that would take libslirp past its socket bound is
 * refused, whatever its destination; everything else keeps verdict v. */
static enum usernet_verdict guard_cap(const struct usernet_guard *g, enum usernet_verdict v,
				      int proto, const unsigned char *l4, size_t l4len)
{
	if (v == USERNET_PASS && proto == PROTO_TCP && l4len >= 14 &&
	    (l4[13] & (TCP_SYN | TCP_ACK)) == TCP_SYN && g->sockets >= g->max_sockets)
		return USERNET_REJECT;
	return v;
}

enum usernet_verdict usernet_guard_in(const struct usernet_guard *g, const unsigned char *frame,
				      size_t len)
{
	unsigned type;

	if (len < ETH_HDR)
		return USERNET_PASS; /* libslirp drops runts itself */
	type = get16(frame + 12);
	if (type == ETHERTYPE_IPV4) {
		const unsigned char *ip = frame + ETH_HDR;
		size_t iplen = len - ETH_HDR, hl;

		if (iplen < 20)
			return USERNET_DROP;
		/* No fragment ever reaches libslirp: its reassembly (ip_reass) is where 4.7.0
		 * corrupts memory. libslirp reassembles whenever a bit but DF is set in the
		 * fragment field (MF, an offset, or the reserved bit), so all of those go. */
		if (get16(ip + 6) & ~IP4_DF)
			return USERNET_DROP;
		hl = (size_t)(ip[0] & 0x0f) * 4;
		if (hl < 20 || hl > iplen)
			return USERNET_DROP;
		enum guard_dst c = classify4(ip + 16);
		enum usernet_verdict v = guard_l4(g, c, ip[9], ip + hl, iplen - hl);

		v = guard_policy(g, v, c, AF_INET, ip + 16, ip[9], ip + hl, iplen - hl);
		return guard_cap(g, v, ip[9], ip + hl, iplen - hl);
	}
	if (type == ETHERTYPE_IPV6) {
		const unsigned char *ip = frame + ETH_HDR;
		size_t iplen = len - ETH_HDR;

		if (iplen < 40)
			return USERNET_DROP;
		/* libslirp serves only TCP, UDP and ICMPv6 right after the fixed header; any
		 * extension header (a fragment header among them) is dropped here, so nothing
		 * fragmented or unparsed reaches it. */
		if (ip[6] != PROTO_TCP && ip[6] != PROTO_UDP && ip[6] != PROTO_ICMPV6)
			return USERNET_DROP;
		enum guard_dst c = classify6(ip + 24);
		enum usernet_verdict v = guard_l4(g, c, ip[6], ip + 40, iplen - 40);

		v = guard_policy(g, v, c, AF_INET6, ip + 24, ip[6], ip + 40, iplen - 40);
		return guard_cap(g, v, ip[6], ip + 40, iplen - 40);
	}
	return USERNET_PASS;
}

/* ---- the refusal ---- */

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The Internet checksum's running sum of len bytes (RFC 1071), folded at the end. */
static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header's sum for a TCP/UDP/ICMPv6 checksum. */
static uint32_t csum_pseudo(bool v6, const unsigned char *src, const unsigned char *dst,
			    int proto, size_t l4len)
{
	uint32_t sum = csum_add(csum_add(0, src, v6 ? 16 : 4), dst, v6 ? 16 : 4);

	return sum + (uint32_t)proto + (uint32_t)l4len;
}

/* Ethernet and IP headers of a reply to the frame in (addresses and MACs swapped); the L4 part
 * follows at out + 14 + (v6 ? 40 : 20). Returns that offset. */
static size_t reply_headers(const unsigned char *in, bool v6, int proto, size_t l4len,
			    unsigned char *out)
{
	const unsigned char *ip = in + ETH_HDR;
	unsigned char *o = out + ETH_HDR;

	memcpy(out, in + 6, 6);
	memcpy(out + 6, in, 6);
	memcpy(out + 12, in + 12, 2);
	if (v6) {
		memset(o, 0, 40);
		o[0] = 0x60;
		put16(o + 4, (uint32_t)l4len);
		o[6] = (unsigned char)proto;
		o[7] = 64;
		memcpy(o + 8, ip + 24, 16);
		memcpy(o + 24, ip + 8, 16);
		return ETH_HDR + 40;
	}
	memset(o, 0, 20);
	o[0] = 0x45;
	put16(o + 2, (uint32_t)(20 + l4len));
	put16(o + 6, IP4_DF);
	o[8] = 64;
	o[9] = (unsigned char)proto;
	memcpy(o + 12, ip + 16, 4);
	memcpy(o + 16, ip + 12, 4);
	put16(o + 10, csum_fold(csum_add(0, o, 20)));
	return ETH_HDR + 20;
}

size_t usernet_guard_reject(const unsigned char *frame, size_t len, unsigned char *out,
			    size_t outlen)
{
	bool v6 = len >= ETH_HDR && get16(frame + 12) == ETHERTYPE_IPV6;
	const unsigned char *ip = frame + ETH_HDR;
	size_t hl, l4len, off;
	int proto;

	if (outlen < USERNET_REJECT_MAX || len < ETH_HDR + (v6 ? 40u : 20u))
		return 0;
	hl = v6 ? 40 : (size_t)(ip[0] & 0x0f) * 4;
	proto = v6 ? ip[6] : ip[9];
	if (hl < 20 || len < ETH_HDR + hl + 8 || (proto == PROTO_TCP && len < ETH_HDR + hl + 20))
		return 0;
	if (proto == PROTO_TCP) {
		const unsigned char *t = ip + hl;
		size_t iplen = v6 ? 40 + (size_t)get16(ip + 4) : get16(ip + 2);
		size_t thl = (size_t)(t[12] >> 4) * 4;
		uint32_t seq = (uint32_t)get16(t + 4) << 16 | get16(t + 6);
		/* A SYN's acknowledgement: its one sequence number plus any data it carried. */
		uint32_t ack = seq + 1 + (uint32_t)(iplen > hl + thl ? iplen - hl - thl : 0);
		unsigned char *r;

		l4len = 20;
		off = reply_headers(frame, v6, PROTO_TCP, l4len, out);
		r = out + off;
		memset(r, 0, l4len);
		memcpy(r, t + 2, 2);
		memcpy(r + 2, t, 2);
		put16(r + 8, ack >> 16);
		put16(r + 10, ack);
		r[12] = 5 << 4;
		r[13] = TCP_RST | TCP_ACK;
		put16(r + 16, csum_fold(csum_add(csum_pseudo(v6, out + ETH_HDR + (v6 ? 8 : 12),
							     out + ETH_HDR + (v6 ? 24 : 16),
							     PROTO_TCP, l4len),
						 r, l4len)));
		return off + l4len;
	}
	if (proto != PROTO_UDP)
		return 0;
	/* ICMP destination unreachable, port unreachable, quoting the IP header and the first
	 * 8 bytes of the datagram (all RFC 792 asks for; the sandbox's stack needs no more). */
	{
		size_t quote = hl + 8;
		unsigned char *r;

		l4len = 8 + quote;
		off = reply_headers(frame, v6, v6 ? PROTO_ICMPV6 : PROTO_ICMP, l4len, out);
		r = out + off;
		memset(r, 0, 8);
		r[0] = v6 ? 1 : 3; /* destination unreachable */
		r[1] = v6 ? 4 : 3; /* port unreachable */
		memcpy(r + 8, ip, quote);
		if (v6)
			put16(r + 2, csum_fold(csum_add(csum_pseudo(true, out + ETH_HDR + 8,
								    out + ETH_HDR + 24,
								    PROTO_ICMPV6, l4len),
							r, l4len)));
		else
			put16(r + 2, csum_fold(csum_add(0, r, l4len)));
		return off + l4len;
	}
}

/* A UDP datagram from the forwarder's port 53: the policy learns the names it answers. */
static void guard_learn_dns(const struct usernet_guard *g, const unsigned char *l4, size_t l4len)
{
	size_t udplen;

	if (l4len < 8 || get16(l4) != DNS_PORT)
		return;
	udplen = get16(l4 + 4);
	/* a first fragment holds less than its UDP length: nothing to learn from half an answer */
	if (udplen < 8 || udplen > l4len)
		return;
	(void)netpolicy_learn_dns(g->policy, l4 + 8, udplen - 8);
}

void usernet_guard_out(struct usernet_guard *g, const unsigned char *frame, size_t len)
{
	const unsigned char *ip, *l4;
	enum guard_dst c;
	unsigned type;
	uint16_t sport, dport;
	size_t l4len;
	bool policy = g->policy && netpolicy_active(g->policy);

	/* The reply ring serves the loopback rule and the policy, whichever is on. */
	if ((g->allow_loopback && !policy) || (g->nudp == 0 && !policy) || len < ETH_HDR)
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
		l4len = len - ETH_HDR - hl;
	} else if (type == ETHERTYPE_IPV6 && len >= ETH_HDR + 40 + 8 && ip[6] == PROTO_UDP) {
		c = classify6(ip + 8);
		l4 = ip + 40;
		l4len = len - ETH_HDR - 40;
	} else {
		return;
	}
	if (c == DST_DNS && policy)
		guard_learn_dns(g, l4, l4len);
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
