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

enum fastconnect_verdict fastconnect_route(const struct sockaddr *addr, size_t len, bool allow_host_loopback,
					   struct sockaddr_storage *host, socklen_t *hostlen)
{
	memset(host, 0, sizeof(*host));
	*hostlen = 0;
	if (len >= sizeof(struct sockaddr_in) && addr->sa_family == AF_INET) {
		struct sockaddr_in in, *out = (struct sockaddr_in *)host;
		uint32_t a;
		enum fastconnect_verdict v;

		memcpy(&in, addr, sizeof(in));
		if (in.sin_port == 0)
			return FASTCONNECT_SLIRP;
		v = route4(ntohl(in.sin_addr.s_addr), allow_host_loopback, &a);
		out->sin_family = AF_INET;
		out->sin_port = in.sin_port;
		out->sin_addr.s_addr = htonl(a);
		*hostlen = sizeof(*out);
		return v;
	}
	if (len >= sizeof(struct sockaddr_in6) && addr->sa_family == AF_INET6) {
		struct sockaddr_in6 in;
		enum fastconnect_verdict v;

		memcpy(&in, addr, sizeof(in));
		if (in.sin6_port == 0)
			return FASTCONNECT_SLIRP;
		v = route6(&in, allow_host_loopback, (struct sockaddr_in6 *)host);
		*hostlen = sizeof(struct sockaddr_in6);
		return v;
	}
	return FASTCONNECT_SLIRP;
}
