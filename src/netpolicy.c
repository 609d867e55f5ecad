/* netpolicy.c: the egress policy (see netpolicy.h). Pure: no I/O, no allocation. */
#include "config.h"

#include "netpolicy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "util.h"

#define DNS_PORT 53
#define DNS_HDR 12
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
/* A CNAME chain longer than this is not followed (resolvers stop near 8-16 too). */
#define DNS_CHAIN_MAX 8
/* Compression pointers followed within one name: real messages need one or two. */
#define DNS_HOPS_MAX 32
#define SPEC_MAX 300

static const char usage[] = "expected ADDR[/PREFIX][:PORT[-PORT]] or NAME[:PORT[-PORT]]";

/* Every parse error names the destination it is about, quoted: "SPEC": WHY. */
static int np_quoted(char *err, size_t errlen, int r, const char *spec)
{
	return err_prefix(err, errlen, r, "\"%.*s\": ", SPEC_MAX, spec ? spec : "");
}

void netpolicy_init(struct net_policy *p)
{
	memset(p, 0, sizeof(*p));
}

bool netpolicy_active(const struct net_policy *p)
{
	return p->nallow > 0;
}

/* Plain decimal of at most max, no sign or spaces (strtoul takes both). */
static int np_number(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* PORT or PORT-PORT, each 1-65535, the first not above the second. */
static int np_ports(const char *s, struct netpolicy_allow *a)
{
	const char *dash = strchr(s, '-');
	unsigned long lo, hi;

	if (np_number(s, dash ? (size_t)(dash - s) : strlen(s), 65535, &lo) < 0 || lo == 0)
		return -EINVAL;
	hi = lo;
	if (dash && (np_number(dash + 1, strlen(dash + 1), 65535, &hi) < 0 || hi < lo))
		return -EINVAL;
	a->port_lo = (uint16_t)lo;
	a->port_hi = (uint16_t)hi;
	return 0;
}

/* Zero the bits past the prefix, so a match compares whole bytes and one masked byte. */
static void np_mask(unsigned char *addr, unsigned len, unsigned prefix)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
		if (bits < 8)
			addr[i] &= (unsigned char)(0xff00 >> bits);
	}
}

/* A host name: letters, digits, '-' and '_' in dot-separated labels of 1-63, 253 in all, not
 * only digits and dots (that is a mistyped IPv4 address). Stored lower case. */
static int np_name(const char *s, struct netpolicy_allow *a, const char **why)
{
	size_t n = strlen(s), label = 0;
	bool letter = false;

	if (n > 0 && s[n - 1] == '.')
		n--; /* the root's dot: "example.org." is "example.org" */
	if (n == 0 || n > NETPOLICY_NAME_MAX) {
		*why = n ? "the name is longer than 253 characters" : "the name is empty";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0) {
				*why = "the name has an empty label";
				return -EINVAL;
			}
			label = 0;
			a->name[i] = '.';
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			*why = "a name has only letters, digits, '-', '_' and '.'";
			return -EINVAL;
		}
		if (!(c >= '0' && c <= '9'))
			letter = true;
		if (++label > 63) {
			*why = "a label of the name is longer than 63 characters";
			return -EINVAL;
		}
		a->name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (label == 0) {
		*why = "the name has an empty label";
		return -EINVAL;
	}
	if (!letter) {
		*why = "not a valid IPv4 address";
		return -EINVAL;
	}
	a->name[n] = '\0';
	a->family = AF_UNSPEC;
	return 0;
}

/* host[/prefix] of family (AF_UNSPEC: IPv4 address, else a NAME when there is no prefix). */
static int np_host(char *host, int family, struct netpolicy_allow *a, char *err, size_t errlen)
{
	char *slash = strchr(host, '/');
	unsigned long prefix;
	const char *why = NULL;

	if (slash)
		*slash = '\0';
	if (family != AF_INET6 && inet_pton(AF_INET, host, a->addr) == 1) {
		a->family = AF_INET;
	} else if (family != AF_UNSPEC && inet_pton(AF_INET6, host, a->addr) == 1) {
		a->family = AF_INET6;
	} else if (family == AF_INET6) {
		return err_set(err, errlen, -EINVAL, "'%s' is not an IPv6 address", host);
	} else if (slash) {
		return err_set(err, errlen, -EINVAL, "'%s' is not an IPv4 address (a prefix needs one)",
			       host);
	} else if (np_name(host, a, &why) < 0) {
		return err_set(err, errlen, -EINVAL, "%s", why);
	} else {
		return 0;
	}
	a->prefix = a->family == AF_INET ? 32 : 128;
	if (slash) {
		if (np_number(slash + 1, strlen(slash + 1), a->prefix, &prefix) < 0)
			return err_set(err, errlen, -EINVAL, "the prefix must be 0-%u", a->prefix);
		a->prefix = (unsigned)prefix;
	}
	np_mask(a->addr, a->family == AF_INET ? 4 : 16, a->prefix);
	return 0;
}

/* netpolicy_parse without the quoted spec in front of the reason. */
static int np_parse(const char *spec, struct netpolicy_allow *out, char *err, size_t errlen)
{
	char buf[SPEC_MAX + 1];
	char *host = buf, *ports = NULL;
	int family = AF_UNSPEC;
	struct netpolicy_allow a;
	int r;

	memset(&a, 0, sizeof(a));
	a.port_lo = 1;
	a.port_hi = 65535;
	if (!spec || !*spec)
		return err_set(err, errlen, -EINVAL, "%s", usage);
	if (strlen(spec) > SPEC_MAX)
		return err_set(err, errlen, -EINVAL, "longer than %d characters", SPEC_MAX);
	strcpy(buf, spec);

	if (buf[0] == '[') {
		/* [V6] or [V6/PREFIX], then /PREFIX if not inside, then :PORTS */
		char *close = strchr(buf, ']'), *rest;

		if (!close)
			return err_set(err, errlen, -EINVAL, "missing ']' after the IPv6 address");
		*close = '\0';
		host = buf + 1;
		rest = close + 1;
		family = AF_INET6;
		if (*rest == '/') {
			/* move "/PREFIX" next to the address, where np_host looks for it */
			char *colon = strchr(rest, ':');
			size_t n = colon ? (size_t)(colon - rest) : strlen(rest);

			if (strchr(host, '/'))
				return err_set(err, errlen, -EINVAL, "two prefixes");
			memmove(close, rest, n);
			close[n] = '\0';
			rest = colon ? colon : close + n;
			if (colon) {
				ports = colon + 1;
				rest = NULL;
			}
		}
		if (rest && *rest == ':')
			ports = rest + 1;
		else if (rest && *rest)
			return err_set(err, errlen, -EINVAL, "unexpected '%s' after ']'", rest);
	} else {
		char *colon = strchr(buf, ':');

		if (colon && strchr(colon + 1, ':')) {
			family = AF_INET6; /* a bare IPv6 address: no port without brackets */
		} else if (colon) {
			*colon = '\0';
			ports = colon + 1;
		}
	}
	if (ports && np_ports(ports, &a) < 0)
		return err_set(err, errlen, -EINVAL, "the port must be PORT or PORT-PORT, 1-65535, low to high");
	r = np_host(host, family, &a, err, errlen);
	if (r < 0)
		return r;
	*out = a;
	return 0;
}

int netpolicy_parse(const char *spec, struct netpolicy_allow *out, char *err, size_t errlen)
{
	int r = np_parse(spec, out, err, errlen);

	return r < 0 ? np_quoted(err, errlen, r, spec) : 0;
}

int netpolicy_add(struct net_policy *p, const char *spec, char *err, size_t errlen)
{
	struct netpolicy_allow a;
	int r = netpolicy_parse(spec, &a, err, errlen);

	if (r < 0)
		return r;
	if (p->nallow >= NETPOLICY_MAX_ALLOW) {
		err_set(err, errlen, -ENOSPC, "more than %d destinations", NETPOLICY_MAX_ALLOW);
		return np_quoted(err, errlen, -ENOSPC, spec);
	}
	p->allow[p->nallow++] = a;
	return 0;
}

/* ---- the verdict ---- */

static bool np_prefix_match(const unsigned char *net, const unsigned char *addr, unsigned prefix)
{
	size_t whole = prefix / 8;
	unsigned rest = prefix % 8;

	if (memcmp(net, addr, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return (addr[whole] & (unsigned char)(0xff00 >> rest)) == net[whole];
}

static bool np_port_ok(const struct netpolicy_allow *a, uint16_t port, int proto)
{
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		return true;
	return port >= a->port_lo && port <= a->port_hi;
}

static bool np_is_forwarder(int family, const unsigned char *a)
{
	unsigned char dns[16];

	if (inet_pton(family, family == AF_INET ? NETADDR_DNS4 : NETADDR_DNS6, dns) != 1)
		return false;
	return memcmp(a, dns, family == AF_INET ? 4 : 16) == 0;
}

/* An allow entry NAME (the first with that name: learned entries point there) that allows port. */
static bool np_name_allows(const struct net_policy *p, size_t idx, uint16_t port, int proto)
{
	for (size_t j = idx; j < p->nallow; j++) {
		if (p->allow[j].family == AF_UNSPEC && strcmp(p->allow[j].name, p->allow[idx].name) == 0 &&
		    np_port_ok(&p->allow[j], port, proto))
			return true;
	}
	return false;
}

enum netpolicy_verdict netpolicy_verdict(const struct net_policy *p, int family, const void *addr,
					 uint16_t port, int proto, const char **allowed_by)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const unsigned char *a = addr;
	size_t alen;

	if (allowed_by)
		*allowed_by = NULL;
	if (!netpolicy_active(p))
		return NETPOLICY_ALLOW;
	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		family = AF_INET;
		a += 12;
	}
	if (family != AF_INET && family != AF_INET6)
		return NETPOLICY_REFUSE;
	alen = family == AF_INET ? 4 : 16;
	if (np_is_forwarder(family, a) && port == DNS_PORT &&
	    (proto == IPPROTO_UDP || proto == IPPROTO_TCP))
		return NETPOLICY_ALLOW;
	for (size_t i = 0; i < p->nallow; i++) {
		const struct netpolicy_allow *e = &p->allow[i];

		if (e->family == family && np_prefix_match(e->addr, a, e->prefix) &&
		    np_port_ok(e, port, proto))
			return NETPOLICY_ALLOW;
	}
	for (size_t i = 0; i < p->nlearned; i++) {
		const struct netpolicy_learned *l = &p->learned[i];

		if (l->family == family && memcmp(l->addr, a, alen) == 0 &&
		    np_name_allows(p, l->name_idx, port, proto)) {
			if (allowed_by)
				*allowed_by = p->allow[l->name_idx].name;
			return NETPOLICY_ALLOW;
		}
	}
	return NETPOLICY_REFUSE;
}

/* ---- learning from DNS answers ---- */

static uint16_t np_get16(const unsigned char *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The name at *off (compression followed), as lower-case dotted text into out (at least
 * NETPOLICY_NAME_MAX + 1 bytes); *off moves past it. -EINVAL when malformed; 1 when well-formed
 * but not a host name we could have been given (odd bytes in a label): it then matches nothing. */
static int np_dns_name(const unsigned char *msg, size_t len, size_t *off, char *out)
{
	size_t pos = *off, n = 0;
	bool jumped = false, odd = false;
	unsigned hops = 0;

	for (;;) {
		unsigned c;

		if (pos >= len)
			return -EINVAL;
		c = msg[pos];
		if (c == 0) {
			pos++;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > DNS_HOPS_MAX)
				return -EINVAL;
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			continue;
		}
		if (c & 0xc0)
			return -EINVAL; /* the obsolete extended label types */
		if (pos + 1 + c > len || n + (n > 0) + c > NETPOLICY_NAME_MAX)
			return -EINVAL;
		if (n > 0)
			out[n++] = '.';
		for (unsigned i = 0; i < c; i++) {
			unsigned char ch = msg[pos + 1 + i];

			if (ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch - 'A' + 'a');
			else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
				   ch == '_'))
				odd = true, ch = '?';
			out[n++] = (char)ch;
		}
		pos += 1 + c;
	}
	if (!jumped)
		*off = pos;
	out[n] = '\0';
	return odd ? 1 : 0;
}

struct np_rr {
	char owner[NETPOLICY_NAME_MAX + 1];
	bool owner_ok; /* a well-formed host name */
	uint16_t type, klass;
	size_t rdoff, rdlen;
};

/* The resource record at *off; *off moves past it. */
static int np_dns_rr(const unsigned char *msg, size_t len, size_t *off, struct np_rr *rr)
{
	int r = np_dns_name(msg, len, off, rr->owner);

	if (r < 0)
		return r;
	rr->owner_ok = r == 0;
	if (*off + 10 > len)
		return -EINVAL;
	rr->type = np_get16(msg + *off);
	rr->klass = np_get16(msg + *off + 2);
	rr->rdlen = np_get16(msg + *off + 8);
	rr->rdoff = *off + 10;
	if (rr->rdoff + rr->rdlen > len)
		return -EINVAL;
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

static int np_find_name(const struct net_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nallow; i++) {
		if (p->allow[i].family == AF_UNSPEC && strcmp(p->allow[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Remember addr for the name of allow[idx]; 1 (learnt or already known). */
static int np_learn(struct net_policy *p, int family, const unsigned char *addr, size_t idx)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct netpolicy_learned *l;

	for (size_t i = 0; i < p->nlearned; i++) {
		l = &p->learned[i];
		if (l->family == family && l->name_idx == idx && memcmp(l->addr, addr, alen) == 0)
			return 1;
	}
	l = &p->learned[p->next_learned];
	memset(l, 0, sizeof(*l));
	l->family = family;
	memcpy(l->addr, addr, alen);
	l->name_idx = (uint16_t)idx;
	p->next_learned = (p->next_learned + 1) % NETPOLICY_LEARNED;
	if (p->nlearned < NETPOLICY_LEARNED)
		p->nlearned++;
	return 1;
}

int netpolicy_learn_dns(struct net_policy *p, const unsigned char *msg, size_t len)
{
	char chain[DNS_CHAIN_MAX + 1][NETPOLICY_NAME_MAX + 1];
	size_t nchain = 1, answers_off, off = DNS_HDR;
	unsigned flags, nan;
	struct np_rr rr;
	int idx, r, learnt = 0;

	if (len < DNS_HDR)
		return -EINVAL;
	flags = np_get16(msg + 2);
	nan = np_get16(msg + 6);
	/* A response (QR) to a standard query (opcode 0) without error (rcode 0), asking one
	 * question: what resolvers send for the lookups programs make. */
	if (!(flags & 0x8000))
		return -EINVAL;
	if ((flags & 0x7800) != 0 || (flags & 0x000f) != 0 || np_get16(msg + 4) != 1)
		return 0;
	r = np_dns_name(msg, len, &off, chain[0]);
	if (r < 0 || off + 4 > len)
		return -EINVAL;
	if (r > 0 || np_get16(msg + off + 2) != DNS_CLASS_IN)
		return 0;
	off += 4;
	idx = np_find_name(p, chain[0]);
	if (idx < 0 || !netpolicy_active(p))
		return 0;
	answers_off = off;

	/* Follow CNAMEs from the name asked: one pass over the answers per link, so nothing but
	 * the chain is stored. Only names on the chain may lend their addresses to the name. */
	for (bool more = true; more && nchain <= DNS_CHAIN_MAX;) {
		more = false;
		off = answers_off;
		for (unsigned i = 0; i < nan; i++) {
			size_t t;

			if (np_dns_rr(msg, len, &off, &rr) < 0)
				return -EINVAL;
			if (rr.type != DNS_TYPE_CNAME || rr.klass != DNS_CLASS_IN || !rr.owner_ok ||
			    strcmp(rr.owner, chain[nchain - 1]) != 0)
				continue;
			t = rr.rdoff;
			if (np_dns_name(msg, len, &t, chain[nchain]) != 0 || t != rr.rdoff + rr.rdlen)
				break; /* a malformed or odd target ends the chain */
			nchain++;
			more = true;
			break;
		}
	}
	off = answers_off;
	for (unsigned i = 0; i < nan; i++) {
		bool on_chain = false;

		if (np_dns_rr(msg, len, &off, &rr) < 0)
			return -EINVAL;
		if (rr.klass != DNS_CLASS_IN || !rr.owner_ok ||
		    !((rr.type == DNS_TYPE_A && rr.rdlen == 4) ||
		      (rr.type == DNS_TYPE_AAAA && rr.rdlen == 16)))
			continue;
		for (size_t c = 0; c < nchain && !on_chain; c++)
			on_chain = strcmp(rr.owner, chain[c]) == 0;
		if (on_chain)
			learnt += np_learn(p, rr.type == DNS_TYPE_A ? AF_INET : AF_INET6, msg + rr.rdoff,
					   (size_t)idx);
	}
	return learnt;
}
