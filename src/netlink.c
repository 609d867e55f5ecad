/* netlink.c: rtnetlink requests (see netlink.h).
 *
 * One request at a time, each with NLM_F_ACK, read back until the ack with our sequence number:
 * the setup is a handful of messages, so simplicity beats batching. Buffers live on the stack. */
#include "config.h"

#include "netlink.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NETLINK_BUF 1024

struct netlink_req {
	struct nlmsghdr *nh;
	size_t cap;
};

int netlink_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int netlink_link_index(const char *name)
{
	unsigned idx = if_nametoindex(name);

	if (idx == 0)
		return errno ? -errno : -ENODEV;
	return (int)idx;
}

static void *netlink_start(struct netlink_req *r, void *buf, size_t cap, uint16_t type,
			   uint16_t flags, size_t hdrlen)
{
	memset(buf, 0, cap);
	r->nh = buf;
	r->cap = cap;
	r->nh->nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	r->nh->nlmsg_type = type;
	r->nh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return NLMSG_DATA(r->nh);
}

static int netlink_attr(struct netlink_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nh->nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > r->cap)
		return -ENOBUFS;
	rta = (struct rtattr *)((char *)r->nh + off);
	rta->rta_type = type;
	rta->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return 0;
}

/* Send the request and wait for its ack: 0 or the kernel's -errno. */
static int netlink_talk(int nl, struct netlink_req *r)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		char buf[NETLINK_BUF];
		struct nlmsghdr align;
	} reply;

	r->nh->nlmsg_seq = ++seq;
	for (;;) {
		ssize_t n = sendto(nl, r->nh, r->nh->nlmsg_len, 0, (struct sockaddr *)&kernel,
				   sizeof(kernel));
		if (n >= 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	for (;;) {
		ssize_t n = recv(nl, reply.buf, sizeof(reply.buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		for (h = &reply.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->nh->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error; /* 0 is the ack */
			}
		}
	}
}

/* RTM_NEWLINK on an existing link: flags and attributes change in place. */
static int netlink_newlink(int nl, int ifindex, unsigned flags, unsigned change,
			   const unsigned *mtu)
{
	union {
		char buf[NETLINK_BUF];
		struct nlmsghdr align;
	} u;
	struct netlink_req r;
	struct ifinfomsg *ifi = netlink_start(&r, u.buf, sizeof(u.buf), RTM_NEWLINK, 0,
					      sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (mtu) {
		uint32_t v = *mtu;
		int err = netlink_attr(&r, IFLA_MTU, &v, sizeof(v));
		if (err)
			return err;
	}
	return netlink_talk(nl, &r);
}

int netlink_link_up(int nl, int ifindex)
{
	return netlink_newlink(nl, ifindex, IFF_UP, IFF_UP, NULL);
}

int netlink_set_mtu(int nl, int ifindex, unsigned mtu)
{
	return netlink_newlink(nl, ifindex, 0, 0, &mtu);
}

static size_t netlink_addr_len(int family)
{
	if (family == AF_INET)
		return sizeof(struct in_addr);
	if (family == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

int netlink_add_addr(int nl, int ifindex, int family, const void *addr, unsigned prefixlen)
{
	union {
		char buf[NETLINK_BUF];
		struct nlmsghdr align;
	} u;
	struct netlink_req r;
	struct ifaddrmsg *ifa;
	size_t alen = netlink_addr_len(family);
	int err;

	if (!alen || prefixlen > alen * 8)
		return -EINVAL;
	ifa = netlink_start(&r, u.buf, sizeof(u.buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
			    sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	/* IFA_LOCAL is the address of the interface; for IPv4 IFA_ADDRESS is the peer, which on a
	 * broadcast link is the same address. */
	err = netlink_attr(&r, IFA_LOCAL, addr, alen);
	if (!err)
		err = netlink_attr(&r, IFA_ADDRESS, addr, alen);
	if (err)
		return err;
	return netlink_talk(nl, &r);
}

int netlink_add_default_route(int nl, int ifindex, int family, const void *gw)
{
	union {
		char buf[NETLINK_BUF];
		struct nlmsghdr align;
	} u;
	struct netlink_req r;
	struct rtmsg *rtm;
	size_t alen = netlink_addr_len(family);
	uint32_t oif = (uint32_t)ifindex;
	int err;

	if (!alen)
		return -EINVAL;
	rtm = netlink_start(&r, u.buf, sizeof(u.buf), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
			    sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = 0; /* default */
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	err = netlink_attr(&r, RTA_GATEWAY, gw, alen);
	if (!err)
		err = netlink_attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (err)
		return err;
	return netlink_talk(nl, &r);
}
