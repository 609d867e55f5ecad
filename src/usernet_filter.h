/* usernet_filter.h: which frames from the sandbox may enter libslirp (pure). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* False for an IPv4 frame to 127.0.0.0/8 or 0.0.0.0/8, or an IPv6 frame to ::1, ::, or an
 * IPv4-mapped address of those. libslirp 4.7 only guards its own aliases (10.0.2.2, fd00::2)
 * with disable_host_loopback: a frame crafted with such a destination (a raw socket, or a route
 * with route_localnet inside the sandbox) would make it connect() to the host's loopback, or to
 * any local address for 0.0.0.0 and ::. No legitimate packet on eth0 has those destinations, so
 * they are dropped whatever --allow-host-loopback says. Everything else (ARP, other IP) passes. */
bool usernet_frame_allowed(const unsigned char *frame, size_t len);
