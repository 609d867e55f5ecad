/* usernet_filter.c: the loopback guard in front of libslirp (see usernet_filter.h).
 * Called for every frame, so it only reads a few header bytes at fixed offsets. */
#include "usernet_filter.h"

#include <stdint.h>
#include <string.h>

#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

static bool usernet_v4_forbidden(const unsigned char *a)
{
	/* 127/8 is loopback; 0/8 is "this host", which connect() also turns into a local
	 * address. */
	return a[0] == 127 || a[0] == 0;
}

bool usernet_frame_allowed(const unsigned char *frame, size_t len)
{
	unsigned type;

	if (len < ETH_HDR)
		return true; /* libslirp drops runts itself */
	type = (unsigned)frame[12] << 8 | frame[13];
	if (type == ETHERTYPE_IPV4) {
		/* Destination at offset 16 of the IPv4 header. A frame too short to hold it is
		 * dropped: libslirp would not accept it either. */
		if (len < ETH_HDR + 20)
			return false;
		return !usernet_v4_forbidden(frame + ETH_HDR + 16);
	}
	if (type == ETHERTYPE_IPV6) {
		static const unsigned char zero[12];
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		const unsigned char *dst;

		if (len < ETH_HDR + 40)
			return false;
		dst = frame + ETH_HDR + 24;
		if (memcmp(dst, zero, 12) == 0) {
			/* :: and ::1 (and the deprecated IPv4-compatible ::a.b.c.d, which no
			 * legitimate sandbox sends to). */
			return false;
		}
		if (memcmp(dst, mapped, 12) == 0)
			return !usernet_v4_forbidden(dst + 12);
		return true;
	}
	return true;
}
