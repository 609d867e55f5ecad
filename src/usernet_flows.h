/* usernet_flows.h: --flow-log on the libslirp path: a table of the sandbox's outgoing flows,
 * filled from the frames the guard sees, and one JSON line per flow when it ends.
 *
 * A flow is opened by the sandbox: a TCP SYN (without ACK), or a UDP datagram to a (port,
 * address, port) not yet in the table. It is counted in both directions (TCP and UDP payload
 * bytes) and written out when it ends: TCP at a RST either way or once both sides sent FIN;
 * UDP after USERNET_FLOW_UDP_IDLE_S without a datagram; any flow when the table must make room
 * for a new one, and all of them when the network ends. A refused TCP connection is written at
 * once (it ends with the refusal). The table is allocated once, at set-up; nothing per packet.
 *
 * Each line: {"time": START (UTC, ISO 8601, ms), "proto": "tcp"|"udp", "dst": ADDR,
 * "port": N, "src_port": N, "allowed_by": NAME|null, "verdict": "allowed"|"refused"|"dropped",
 * "bytes_out": N, "bytes_in": N} (out: from the sandbox). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netpolicy.h"
#include "usernet_filter.h"

#define USERNET_FLOWS_SLOTS 4096 /* a power of two */
#define USERNET_FLOWS_PROBE 8    /* slots looked at for one flow */
#define USERNET_FLOW_UDP_IDLE_S 30
#define USERNET_FLOW_TCP_IDLE_S 7200
#define USERNET_FLOW_LINE_MAX 512

struct usernet_flow {
	int64_t start_wall_ms; /* CLOCK_REALTIME */
	int64_t last_ns;       /* the loop's clock at the last frame */
	uint64_t bytes_out, bytes_in;
	const char *allowed_by; /* a NAME in the policy, or NULL */
	unsigned char daddr[16];
	uint16_t sport, dport;
	uint8_t family; /* 0: a free slot */
	uint8_t proto;
	uint8_t fins; /* 1: the sandbox sent FIN, 2: the other side did */
	enum usernet_verdict verdict;
};

struct usernet_flows {
	int fd; /* where lines go */
	struct usernet_flow *slot;
	size_t used;
	int64_t last_sweep_ns;
};

/* Allocate the table; lines go to fd. 0 or -ENOMEM. */
int usernet_flows_init(struct usernet_flows *f, int fd);
void usernet_flows_destroy(struct usernet_flows *f);
/* A frame from the sandbox and the guard's verdict on it; p tells which NAME allowed it. */
void usernet_flows_in(struct usernet_flows *f, const struct net_policy *p,
		      const unsigned char *frame, size_t len, enum usernet_verdict v, int64_t now_ns);
/* A frame towards the sandbox. */
void usernet_flows_out(struct usernet_flows *f, const unsigned char *frame, size_t len,
		       int64_t now_ns);
/* Write out the flows idle for too long (at most once a second), or all of them (at the end). */
void usernet_flows_sweep(struct usernet_flows *f, int64_t now_ns, bool all);
/* The JSON line of a flow, with its newline, into buf (USERNET_FLOW_LINE_MAX is enough).
 * Its length, or -ENOSPC. Pure. */
int usernet_flow_format(char *buf, size_t len, const struct usernet_flow *fl);
