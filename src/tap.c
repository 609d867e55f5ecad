/* tap.c: create the tap device (see tap.h).
 *
 * No IFF_VNET_HDR: libslirp takes plain frames, and a virtio header would only help if the
 * loop offloaded checksums or segmentation, which libslirp 4.7 cannot use. No IFF_MULTI_QUEUE:
 * one thread reads it. */
#include "config.h"

#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd, err;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	/* Non-blocking from the start: the loop drains it to EAGAIN and must never block on it. */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
