/* usernet_flows.c: the flow table of --flow-log (see usernet_flows.h). Frames are read at
 * fixed header offsets, like the guard does; a flow is found by hashing its key into a few
 * slots, so the cost per frame stays constant however many flows are open. */
#include "config.h"

#include "usernet_flows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

#define ETH_HDR 14
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define NS_PER_S 1000000000LL

/* What a frame says about the flow it belongs to, from the sandbox's side: local is the
 * sandbox's end, remote the other. */
struct flow_pkt {
	int family;
	int proto;
	const unsigned char *remote; /* 4 or 16 bytes */
	uint16_t local_port, remote_port;
	uint8_t tcp_flags;
	size_t payload;
};

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Parse a TCP or UDP frame, unfragmented; to_sandbox swaps source and destination. */
static bool flow_parse(const unsigned char *frame, size_t len, bool to_sandbox, struct flow_pkt *k)
{
	const unsigned char *ip = frame + ETH_HDR, *l4, *dst;
	size_t iplen, hl, l4len;
	unsigned type;

	if (len < ETH_HDR + 20)
		return false;
	type = get16(frame + 12);
	iplen = len - ETH_HDR;
	if (type == 0x0800) {
		hl = (size_t)(ip[0] & 0x0f) * 4;
		if (hl < 20 || hl > iplen || (get16(ip + 6) & 0x3fff))
			return false;
		/* the IP length, not the frame's: Ethernet pads short frames */
		if (get16(ip + 2) >= hl && get16(ip + 2) < iplen)
			iplen = get16(ip + 2);
		k->family = AF_INET;
		k->proto = ip[9];
		dst = to_sandbox ? ip + 12 : ip + 16;
	} else if (type == 0x86dd && iplen >= 40) {
		hl = 40;
		if ((size_t)40 + get16(ip + 4) < iplen)
			iplen = (size_t)40 + get16(ip + 4);
		k->family = AF_INET6;
		k->proto = ip[6];
		dst = to_sandbox ? ip + 8 : ip + 24;
	} else {
		return false;
	}
	l4 = ip + hl;
	l4len = iplen - hl;
	if (k->proto == IPPROTO_TCP) {
		size_t thl;

		if (l4len < 20)
			return false;
		thl = (size_t)(l4[12] >> 4) * 4;
		if (thl < 20 || thl > l4len)
			return false;
		k->tcp_flags = l4[13];
		k->payload = l4len - thl;
	} else if (k->proto == IPPROTO_UDP) {
		if (l4len < 8)
			return false;
		k->tcp_flags = 0;
		k->payload = l4len - 8;
	} else {
		return false;
	}
	k->remote = dst;
	k->local_port = get16(l4 + (to_sandbox ? 2 : 0));
	k->remote_port = get16(l4 + (to_sandbox ? 0 : 2));
	return true;
}

int usernet_flows_init(struct usernet_flows *f, int fd)
{
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->slot = calloc(USERNET_FLOWS_SLOTS, sizeof(*f->slot));
	return f->slot ? 0 : -ENOMEM;
}

void usernet_flows_destroy(struct usernet_flows *f)
{
	free(f->slot);
	f->slot = NULL;
}

static size_t flow_hash(const struct flow_pkt *k)
{
	size_t alen = k->family == AF_INET ? 4 : 16;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < alen; i++)
		h = (h ^ k->remote[i]) * 16777619u;
	h = (h ^ k->local_port) * 16777619u;
	h = (h ^ k->remote_port) * 16777619u;
	h = (h ^ (uint32_t)k->proto) * 16777619u;
	return h & (USERNET_FLOWS_SLOTS - 1);
}

static bool flow_match(const struct usernet_flow *fl, const struct flow_pkt *k)
{
	return fl->family == k->family && fl->proto == k->proto && fl->sport == k->local_port &&
	       fl->dport == k->remote_port &&
	       memcmp(fl->daddr, k->remote, k->family == AF_INET ? 4 : 16) == 0;
}

static struct usernet_flow *flow_find(struct usernet_flows *f, const struct flow_pkt *k)
{
	size_t h = flow_hash(k);

	for (size_t i = 0; i < USERNET_FLOWS_PROBE; i++) {
		struct usernet_flow *fl = &f->slot[(h + i) & (USERNET_FLOWS_SLOTS - 1)];

		if (fl->family && flow_match(fl, k))
			return fl;
	}
	return NULL;
}

int usernet_flow_format(char *buf, size_t len, const struct usernet_flow *fl)
{
	static const char *const verdicts[] = { [USERNET_DROP] = "dropped",
						[USERNET_PASS] = "allowed",
						[USERNET_REJECT] = "refused" };
	char addr[INET6_ADDRSTRLEN] = "?", when[40];
	time_t secs = (time_t)(fl->start_wall_ms / 1000);
	struct tm tm;
	size_t used = 0;

	if (!gmtime_r(&secs, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		strcpy(when, "1970-01-01T00:00:00");
	inet_ntop(fl->family == AF_INET ? AF_INET : AF_INET6, fl->daddr, addr, sizeof(addr));
	if (buf_appendf(buf, len, &used,
			"{\"time\": \"%s.%03dZ\", \"proto\": \"%s\", \"dst\": \"%s\", \"port\": %u, "
			"\"src_port\": %u, \"allowed_by\": ",
			when, (int)(fl->start_wall_ms % 1000), fl->proto == IPPROTO_TCP ? "tcp" : "udp",
			addr, fl->dport, fl->sport) < 0)
		return -ENOSPC;
	if (fl->allowed_by ? json_append_string(buf, len, &used, fl->allowed_by) < 0
			   : buf_appendf(buf, len, &used, "null") < 0)
		return -ENOSPC;
	if (buf_appendf(buf, len, &used,
			", \"verdict\": \"%s\", \"bytes_out\": %llu, \"bytes_in\": %llu}\n",
			verdicts[fl->verdict], (unsigned long long)fl->bytes_out,
			(unsigned long long)fl->bytes_in) < 0)
		return -ENOSPC;
	return (int)used;
}

/* Write the flow's line and free its slot. A failed write (a full pipe, a closed reader) loses
 * the line: the log must never slow down or stop the network. */
static void flow_end(struct usernet_flows *f, struct usernet_flow *fl)
{
	char line[USERNET_FLOW_LINE_MAX];
	int n = usernet_flow_format(line, sizeof(line), fl);

	if (n > 0 && f->fd >= 0) {
		ssize_t w = write(f->fd, line, (size_t)n);
		(void)w;
	}
	memset(fl, 0, sizeof(*fl));
	if (f->used > 0)
		f->used--;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A slot for a new flow: a free one among the probed, else the least recently used of them,
 * written out first. */
static struct usernet_flow *flow_new(struct usernet_flows *f, const struct flow_pkt *k)
{
	size_t h = flow_hash(k);
	struct usernet_flow *oldest = NULL;

	for (size_t i = 0; i < USERNET_FLOWS_PROBE; i++) {
		struct usernet_flow *fl = &f->slot[(h + i) & (USERNET_FLOWS_SLOTS - 1)];

		if (!fl->family) {
			oldest = fl;
			break;
		}
		if (!oldest || fl->last_ns < oldest->last_ns)
			oldest = fl;
	}
	if (oldest->family)
		flow_end(f, oldest);
	oldest->family = (uint8_t)k->family;
	oldest->proto = (uint8_t)k->proto;
	oldest->sport = k->local_port;
	oldest->dport = k->remote_port;
	memcpy(oldest->daddr, k->remote, k->family == AF_INET ? 4 : 16);
	oldest->start_wall_ms = wall_ms();
	f->used++;
	return oldest;
}

/* RST either way, or FIN from both sides, ends a TCP flow. */
static void flow_tcp_flags(struct usernet_flows *f, struct usernet_flow *fl, uint8_t flags,
			   uint8_t fin_bit)
{
	if (flags & TCP_RST) {
		flow_end(f, fl);
		return;
	}
	if (flags & TCP_FIN)
		fl->fins |= fin_bit;
	if (fl->fins == 3)
		flow_end(f, fl);
}

void usernet_flows_in(struct usernet_flows *f, const struct net_policy *p,
		      const unsigned char *frame, size_t len, enum usernet_verdict v, int64_t now_ns)
{
	struct usernet_flow *fl;
	struct flow_pkt k;

	if (!f->slot || !flow_parse(frame, len, false, &k))
		return;
	fl = flow_find(f, &k);
	if (!fl) {
		bool opens = k.proto == IPPROTO_UDP ||
			     (k.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
		if (!opens)
			return; /* a connection the host opened through -p, or one already ended */
		fl = flow_new(f, &k);
		fl->verdict = v;
		if (v == USERNET_PASS && p)
			(void)netpolicy_verdict(p, k.family, k.remote, k.remote_port, k.proto,
						&fl->allowed_by);
	}
	fl->last_ns = now_ns;
	if (v == USERNET_PASS)
		fl->bytes_out += k.payload;
	if (k.proto == IPPROTO_TCP) {
		/* a refused connection ends with its refusal */
		if (fl->verdict != USERNET_PASS)
			flow_end(f, fl);
		else
			flow_tcp_flags(f, fl, k.tcp_flags, 1);
	}
}

void usernet_flows_out(struct usernet_flows *f, const unsigned char *frame, size_t len,
		       int64_t now_ns)
{
	struct usernet_flow *fl;
	struct flow_pkt k;

	if (!f->slot || f->used == 0 || !flow_parse(frame, len, true, &k))
		return;
	fl = flow_find(f, &k);
	if (!fl)
		return;
	fl->last_ns = now_ns;
	fl->bytes_in += k.payload;
	if (k.proto == IPPROTO_TCP)
		flow_tcp_flags(f, fl, k.tcp_flags, 2);
}

void usernet_flows_sweep(struct usernet_flows *f, int64_t now_ns, bool all)
{
	if (!f->slot || f->used == 0)
		return;
	if (!all && now_ns - f->last_sweep_ns < NS_PER_S)
		return;
	f->last_sweep_ns = now_ns;
	for (size_t i = 0; i < USERNET_FLOWS_SLOTS && f->used > 0; i++) {
		struct usernet_flow *fl = &f->slot[i];
		int64_t idle = (fl->proto == IPPROTO_UDP ? USERNET_FLOW_UDP_IDLE_S
							 : USERNET_FLOW_TCP_IDLE_S) * NS_PER_S;

		if (fl->family && (all || now_ns - fl->last_ns >= idle))
			flow_end(f, fl);
	}
}
