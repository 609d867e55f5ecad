/* fastconnect.h: the outgoing TCP fast path. COMMAND's connect() on an AF_INET/AF_INET6 stream
 * socket stops at a seccomp user notification (secfilter_connect_notify, installed last in
 * COMMAND); the supervisor, which keeps the host's network namespace, receives the listener and
 * answers each call from a thread of its own:
 *
 *   - the destination is judged (fastconnect_route, pure): 10.0.2.2 / fd00::2 is the host's
 *     loopback only with --allow-host-loopback and is refused at once (ECONNREFUSED) without;
 *     the sandbox's own addresses, its loopback, 10.0.2.3 and other special addresses stay with
 *     libslirp; with an egress policy, only a destination its address entries allow is
 *     switched: one allowed by a NAME (whose addresses only the network helper learns, from the
 *     DNS answers it forwards) or refused continues into libslirp, whose frame guard decides
 *     (and answers a refusal with a RST), so the policy has one judge per destination;
 *   - a switched call gets a host socket, the options COMMAND already set copied onto it, the
 *     connection made from the host, and only once it is established the socket is put in place
 *     of the sandbox's one (SECCOMP_IOCTL_NOTIF_ADDFD, same fd number) and connect() returns 0;
 *   - everything it cannot switch faithfully (a bound socket, another family or type, options it
 *     cannot copy, a non-blocking connect that does not complete quickly, a socket of another
 *     network namespace) continues into the kernel: libslirp then carries it, under its own guard.
 *
 * Why only established sockets are installed: a host socket that was never connected, or whose
 * connection attempt failed, could be bound, listened on or connected anywhere from the host's
 * network namespace (listen(), sendto(MSG_FASTOPEN)), past the guard. A socket the kernel has
 * marked connected never goes back to unconnected except by connect(AF_UNSPEC), which this path
 * refuses on a host socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "netpolicy.h"

enum fastconnect_verdict {
	FASTCONNECT_SLIRP,  /* let the kernel go on: libslirp carries it */
	FASTCONNECT_SWITCH, /* connect a host socket to *host instead */
	FASTCONNECT_REFUSE, /* fail connect() with ECONNREFUSED at once */
};

/* Judge the address a sandboxed process passed to connect() (len bytes as it gave them) for the
 * host. On FASTCONNECT_SWITCH *host, *hostlen hold the address to connect from the host
 * (10.0.2.2 -> 127.0.0.1, fd00::2 -> ::1, IPv4-mapped forms kept mapped; anything else
 * unchanged). policy (NULL or inactive: none) is asked about the address as the sandbox gave
 * it, as the frame guard sees it: what it does not allow goes to libslirp (FASTCONNECT_SLIRP),
 * never to the host; the host-loopback rule comes first. Pure. */
enum fastconnect_verdict fastconnect_route(const struct sockaddr *addr, size_t len, bool allow_host_loopback,
					   const struct net_policy *policy, struct sockaddr_storage *host,
					   socklen_t *hostlen);

/* The supervisor's side. */
struct fastconnect_plan {
	bool allow_host_loopback;
	const char *const *net_allow; /* --net-allow DEST..., already checked by the options */
	size_t nnet_allow;
	dev_t netns_dev; /* the sandbox's network namespace (stat of /proc/PID/ns/net) */
	ino_t netns_ino;
};

/* Start answering the notifications of listener in a thread of the calling process, which
 * then owns listener (on failure the caller still does). 0 or -errno with the step in err. Once the listener
 * exists, nobody else may close it: every connect() inside would fail with ENOSYS. */
int fastconnect_start(int listener, const struct fastconnect_plan *plan, char *err, size_t errlen);
