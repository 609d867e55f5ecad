/* publish.c: parse -p/--publish [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp].
 *
 * Pure: no I/O, no printing. Every rejection names the spec and the part that is wrong, so the
 * caller can print "sandbox: -p: <reason>" and exit 125.
 */
#include "config.h"

#include "publish.h"

#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* Longest text form of an IPv6 address, with a zone would be longer, but a zone makes no sense
 * for a listener address given on the command line, so anything longer is rejected. */
#define PUBLISH_ADDR_MAX INET6_ADDRSTRLEN

/* A port is 1-65535 in plain decimal: no sign, no spaces, no hex, no empty string. strtoul
 * accepts all of those, so parse by hand. */
static int publish_port(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int publish_parse(const char *spec, struct publish *out, char *err, size_t errlen)
{
	char addr[PUBLISH_ADDR_MAX];
	const char *ports, *slash, *colon, *end;
	struct publish p;

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.host_addr.v4.s_addr = htonl(INADDR_LOOPBACK);

	if (!spec || !*spec)
		return err_set(err, errlen, -EINVAL, "\"%s\": expected [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]",
			       spec ? spec : "");

	/* The protocol suffix first: '/' cannot appear anywhere else. */
	end = spec + strlen(spec);
	slash = strchr(spec, '/');
	if (slash) {
		if (strcmp(slash + 1, "tcp") == 0)
			p.udp = false;
		else if (strcmp(slash + 1, "udp") == 0)
			p.udp = true;
		else
			return err_set(err, errlen, -EINVAL, "\"%s\": protocol must be tcp or udp", spec);
		end = slash;
	}

	if (spec[0] == '[') {
		/* IPv6 in brackets, the only place colons may appear inside the address. */
		const char *close = memchr(spec, ']', (size_t)(end - spec));
		size_t n;

		if (!close)
			return err_set(err, errlen, -EINVAL, "\"%s\": missing ']' after IPv6 address", spec);
		n = (size_t)(close - spec - 1);
		if (n == 0)
			return err_set(err, errlen, -EINVAL, "\"%s\": host address is empty", spec);
		if (n >= sizeof(addr))
			return err_set(err, errlen, -EINVAL, "\"%s\": bad IPv6 host address", spec);
		memcpy(addr, spec + 1, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET6, addr, &p.host_addr.v6) != 1)
			return err_set(err, errlen, -EINVAL, "\"%s\": bad IPv6 host address \"%s\"", spec, addr);
		p.family = AF_INET6;
		if (close + 1 >= end || close[1] != ':')
			return err_set(err, errlen, -EINVAL, "\"%s\": expected ':' and ports after the IPv6 address",
				       spec);
		ports = close + 2;
	} else {
		/* Count the colons: one means HOST_PORT:SANDBOX_PORT, two HOST_IP:..., anything
		 * else is malformed (an IPv6 address without brackets lands here too). */
		int ncolons = 0;
		const char *first = NULL;

		for (const char *c = spec; c < end; c++) {
			if (*c == ':') {
				if (!first)
					first = c;
				ncolons++;
			}
		}
		if (ncolons == 2) {
			size_t n = (size_t)(first - spec);

			if (n == 0)
				return err_set(err, errlen, -EINVAL, "\"%s\": host address is empty", spec);
			if (n >= sizeof(addr))
				return err_set(err, errlen, -EINVAL, "\"%s\": bad host address", spec);
			memcpy(addr, spec, n);
			addr[n] = '\0';
			if (inet_pton(AF_INET, addr, &p.host_addr.v4) != 1)
				return err_set(err, errlen, -EINVAL,
					       "\"%s\": bad host address \"%s\" (IPv6 needs brackets: [::1]:8080:80)",
					       spec, addr);
			ports = first + 1;
		} else if (ncolons == 1) {
			ports = spec;
		} else {
			return err_set(err, errlen, -EINVAL, "\"%s\": %s", spec,
				       ncolons > 2 ? "too many ':' (IPv6 needs brackets: [::1]:8080:80)"
						   : "expected [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]");
		}
	}

	colon = memchr(ports, ':', (size_t)(end - ports));
	if (!colon)
		return err_set(err, errlen, -EINVAL, "\"%s\": expected HOST_PORT:SANDBOX_PORT", spec);
	if (memchr(colon + 1, ':', (size_t)(end - colon - 1)))
		return err_set(err, errlen, -EINVAL, "\"%s\": too many ':'", spec);
	if (publish_port(ports, (size_t)(colon - ports), &p.host_port) < 0)
		return err_set(err, errlen, -EINVAL, "\"%s\": host port must be 1-65535", spec);
	if (publish_port(colon + 1, (size_t)(end - colon - 1), &p.sandbox_port) < 0)
		return err_set(err, errlen, -EINVAL, "\"%s\": sandbox port must be 1-65535", spec);

	*out = p;
	return 0;
}

void publish_addrs(const struct publish *p, struct publish_addrs *out)
{
	memset(out, 0, sizeof(*out));
	if (p->family == AF_INET6) {
		struct sockaddr_in6 *h = (struct sockaddr_in6 *)&out->host;
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&out->sandbox;

		h->sin6_family = AF_INET6;
		h->sin6_addr = p->host_addr.v6;
		h->sin6_port = htons(p->host_port);
		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, NETADDR_GUEST6, &s->sin6_addr);
		s->sin6_port = htons(p->sandbox_port);
		out->host_len = out->sandbox_len = sizeof(struct sockaddr_in6);
	} else {
		struct sockaddr_in *h = (struct sockaddr_in *)&out->host;
		struct sockaddr_in *s = (struct sockaddr_in *)&out->sandbox;

		h->sin_family = AF_INET;
		h->sin_addr = p->host_addr.v4;
		h->sin_port = htons(p->host_port);
		s->sin_family = AF_INET;
		inet_pton(AF_INET, NETADDR_GUEST4, &s->sin_addr);
		s->sin_port = htons(p->sandbox_port);
		out->host_len = out->sandbox_len = sizeof(struct sockaddr_in);
	}
}

void publish_describe(const struct publish *p, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (!buf || !len)
		return;
	inet_ntop(p->family, &p->host_addr, text, sizeof(text));
	snprintf(buf, len, p->family == AF_INET6 ? "publish [%s]:%u/%s" : "publish %s:%u/%s", text,
		 p->host_port, p->udp ? "udp" : "tcp");
}

size_t publish_count_tcp(const struct publish *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += !p[i].udp;
	return k;
}
