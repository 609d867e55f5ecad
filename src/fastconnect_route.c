/* fastconnect_route.c: which connect() destinations the outgoing fast path takes (pure). */
#include "config.h"

#include "fastconnect.h"

#include <netinet/in.h>
#include <string.h>

/* 10.0.2.0/24 and its members, in host order. */
enum {
	NET4 = 0x0a000200u,
	HOST4 = 0x0a000202u,
};

/* Addresses libslirp must keep: the sandbox's own network (its DNS forwarder, itself), its own
 * loopback, and what has no meaning outside (unspecified, link-local, multicast, broadcast). */
static bool ipv4_stays_inside(uint32_t a)
{
	return (a & 0xffffff00u) == NET4 || (a >> 24) == 127 || (a >> 24) == 0 || (a & 0xffff0000u) == 0xa9fe0000u ||
	       (a >> 28) == 0xe || a == 0xffffffffu;
}

static enum fastconnect_verdict route4(uint32_t a, bool allow_host_loopback, uint32_t *host)
{
	if (a == HOST4) {
		*host = INADDR_LOOPBACK;
		return allow_host_loopback ? FASTCONNECT_SWITCH : FASTCONNECT_REFUSE;
	}
	*host = a;
	return ipv4_stays_inside(a) ? FASTCONNECT_SLIRP : FASTCONNECT_SWITCH;
}

static bool ipv6_in_sandbox_net(const struct in6_addr *a)
{
	static const unsigned char fd00[8] = { 0xfd, 0x00 };
	return memcmp(a->s6_addr, fd00, sizeof(fd00)) == 0;
}

static bool ipv6_is_host(const struct in6_addr *a)
{
	static const unsigned char fd00_2[16] = { 0xfd, 0x00, [15] = 0x02 };
	return memcmp(a->s6_addr, fd00_2, sizeof(fd00_2)) == 0;
}

static enum fastconnect_verdict route6(const struct sockaddr_in6 *in, bool allow_host_loopback,
				       struct sockaddr_in6 *out)
{
	const struct in6_addr *a = &in->sin6_addr;

	*out = *in;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		uint32_t v4, host;
		enum fastconnect_verdict v;

		memcpy(&v4, &a->s6_addr[12], 4);
		v = route4(ntohl(v4), allow_host_loopback, &host);
		host = htonl(host);
		memcpy(&out->sin6_addr.s6_addr[12], &host, 4);
		return v;
	}
	if (ipv6_is_host(a)) {
		out->sin6_addr = in6addr_loopback;
		return allow_host_loopback ? FASTCONNECT_SWITCH : FASTCONNECT_REFUSE;
	}
	if (ipv6_in_sandbox_net(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_V4COMPAT(a))
		return FASTCONNECT_SLIRP;
	/* A scope means an interface inside. */
	out->sin6_scope_id = 0;
	out->sin6_flowinfo = 0;
	return FASTCONNECT_SWITCH;
}

/* A destination fastconnect_route would switch: does the policy let the host connect to it? Only
 * an address entry can say yes here; a NAME's addresses are learnt in the network helper, so a
 * destination only a NAME allows is refused here and goes to libslirp, where the guard knows. */
static bool policy_allows(const struct net_policy *policy, const struct sockaddr_storage *dest)
{
	const void *addr;
	uint16_t port;

	if (!policy || !netpolicy_active(policy))
		return true;
	if (dest->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)dest;
		addr = &in->sin_addr;
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)dest;
		addr = &in6->sin6_addr;
		port = ntohs(in6->sin6_port);
	}
	return netpolicy_verdict(policy, dest->ss_family, addr, port, IPPROTO_TCP, NULL) == NETPOLICY_ALLOW;
}

enum fastconnect_verdict fastconnect_route(const struct sockaddr *addr, size_t len, bool allow_host_loopback,
					   const struct net_policy *policy, struct sockaddr_storage *host,
					   socklen_t *hostlen)
{
	struct sockaddr_storage asked;
	enum fastconnect_verdict v;

	memset(host, 0, sizeof(*host));
	*hostlen = 0;
	memset(&asked, 0, sizeof(asked));
	if (len >= sizeof(struct sockaddr_in) && addr->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&asked, *out = (struct sockaddr_in *)host;
		uint32_t a;

		memcpy(in, addr, sizeof(*in));
		if (in->sin_port == 0)
			return FASTCONNECT_SLIRP;
		v = route4(ntohl(in->sin_addr.s_addr), allow_host_loopback, &a);
		out->sin_family = AF_INET;
		out->sin_port = in->sin_port;
		out->sin_addr.s_addr = htonl(a);
		*hostlen = sizeof(*out);
	} else if (len >= sizeof(struct sockaddr_in6) && addr->sa_family == AF_INET6) {
		struct sockaddr_in6 *in = (struct sockaddr_in6 *)&asked;

		memcpy(in, addr, sizeof(*in));
		if (in->sin6_port == 0)
			return FASTCONNECT_SLIRP;
		v = route6(in, allow_host_loopback, (struct sockaddr_in6 *)host);
		*hostlen = sizeof(struct sockaddr_in6);
	} else {
		return FASTCONNECT_SLIRP;
	}
	if (v == FASTCONNECT_SWITCH && !policy_allows(policy, &asked))
		return FASTCONNECT_SLIRP;
	return v;
}
