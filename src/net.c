/* net.c: provisional network setup: loopback only, until the slirp helper lands. */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int net_helper_start(const struct config *cfg, struct net_helper *h, int *child_sock, char *err, size_t errlen)
{
	h->pid = -1;
	h->ctl_fd = -1;
	*child_sock = -1;
	if (cfg->net == NET_SLIRP) {
		snprintf(err, errlen, "--net slirp: not available in this build yet");
		return -ENOTSUP;
	}
	return 0;
}

int net_helper_wait_ready(struct net_helper *h, char *err, size_t errlen)
{
	(void)h;
	(void)err;
	(void)errlen;
	return 0;
}

void net_helper_stop(struct net_helper *h)
{
	(void)h;
}

int net_child_setup(const struct config *cfg, int child_sock, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int s = -1;

	(void)child_sock;
	if (cfg->net == NET_HOST)
		return 0;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "network: bring lo up: %s", strerror(errno));
	return -errno;
}
