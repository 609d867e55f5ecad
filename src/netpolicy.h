/* netpolicy.h: the egress policy of --net-allow (pure, allocation-free).
 *
 * Once one --net-allow DEST is given, an outgoing flow of the sandbox is allowed only when its
 * destination matches an entry: DEST is ADDR[/PREFIX][:PORT[-PORT]] (IPv6 in brackets:
 * [2001:db8::/32]:443 or [2001:db8::]/32:443; without a port, a bare IPv6 address needs none)
 * or NAME[:PORT[-PORT]]. No port means every port. A NAME is allowed by the addresses that the
 * sandbox's own DNS (the forwarder 10.0.2.3 / fd00::3) answered for it: the network helper feeds
 * every DNS answer that passes to netpolicy_learn_dns, which remembers the A and AAAA records of
 * an allowed name, following CNAME chains from the name asked for, in a bounded table (the
 * oldest forgotten first). DNS to the forwarder's port 53 is always allowed.
 *
 * Everything here is fixed-size, so the helper can judge frames with it without allocating, and
 * every path that makes connections for the sandbox (the frame guard, connect() interception)
 * asks the same netpolicy_verdict. The host-loopback rule (10.0.2.2 without
 * --allow-host-loopback) is not part of it: callers apply it on top. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETPOLICY_MAX_ALLOW 64   /* --net-allow entries */
#define NETPOLICY_NAME_MAX 253   /* a DNS name's text form, without the final dot */
#define NETPOLICY_LEARNED 512    /* remembered (address, name) pairs */

struct netpolicy_allow {
	int family;             /* AF_INET, AF_INET6, or AF_UNSPEC for a NAME */
	unsigned char addr[16]; /* network order; IPv4 in the first 4 bytes */
	unsigned prefix;        /* bits of addr that must match */
	uint16_t port_lo, port_hi;
	char name[NETPOLICY_NAME_MAX + 1]; /* lower case, no final dot; "" for an address */
};

struct netpolicy_learned {
	int family;
	unsigned char addr[16];
	uint16_t name_idx; /* allow[] entry of the name the answer was for */
};

struct net_policy {
	size_t nallow;
	struct netpolicy_allow allow[NETPOLICY_MAX_ALLOW];
	size_t nlearned;       /* valid entries of learned[] */
	size_t next_learned;   /* ring position of the next one */
	struct netpolicy_learned learned[NETPOLICY_LEARNED];
};

enum netpolicy_verdict {
	NETPOLICY_ALLOW,
	NETPOLICY_REFUSE,
};

/* An empty policy: no entry, everything allowed (today's behaviour without --net-allow). */
void netpolicy_init(struct net_policy *p);
/* At least one --net-allow was given: everything not allowed is refused. */
bool netpolicy_active(const struct net_policy *p);
/* Parse one DEST. 0, or -EINVAL with a one-line reason in err ("\"DEST\": WHY"). */
int netpolicy_parse(const char *spec, struct netpolicy_allow *out, char *err, size_t errlen);
/* Parse DEST and add it: 0, -EINVAL (err as above), -ENOSPC past NETPOLICY_MAX_ALLOW. */
int netpolicy_add(struct net_policy *p, const char *spec, char *err, size_t errlen);

/* May the sandbox open a flow to addr (struct in_addr or in6_addr as family says, network
 * order; an IPv4-mapped IPv6 address counts as IPv4) port (host order) over proto (IPPROTO_TCP,
 * IPPROTO_UDP; for IPPROTO_ICMP/ICMPV6 the port is ignored)? Always allowed without a policy
 * and for DNS to the forwarder. *allowed_by (when not NULL) gets the NAME that allowed it, else
 * NULL (no policy, an address entry, the forwarder, or a refusal); it points into p. */
enum netpolicy_verdict netpolicy_verdict(const struct net_policy *p, int family, const void *addr,
					 uint16_t port, int proto, const char **allowed_by);

/* A DNS message (UDP payload) that the forwarder sent to the sandbox: when it answers a question
 * for an allowed NAME, remember its addresses for that name. Untrusted input: anything
 * malformed is ignored. The number of addresses learnt (or refreshed), or -EINVAL when the
 * message could not be parsed. */
int netpolicy_learn_dns(struct net_policy *p, const unsigned char *msg, size_t len);
