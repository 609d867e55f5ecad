/* tap.h: the tap device of the user-mode network. */
#pragma once

#define TAP_NAME "eth0"

/* Open /dev/net/tun and attach a new tap device called name (IFF_TAP | IFF_NO_PI: whole
 * Ethernet frames, no packet-info header, which is what libslirp reads and writes). Returns the
 * fd (CLOEXEC, non-blocking) or -errno; the device exists as long as the fd is open. Needs
 * CAP_NET_ADMIN in the user namespace that owns the current network namespace. */
int tap_open(const char *name);
