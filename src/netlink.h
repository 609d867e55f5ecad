/* netlink.h: the few rtnetlink requests the sandbox needs, by hand (no libnl, no ip(8), which a
 * minimal rootfs may lack). Each request is acknowledged: the kernel's error comes back as the
 * return value (0 or -errno), so the caller can name the step. */
#pragma once

#include <stdbool.h>

/* A NETLINK_ROUTE socket (CLOEXEC), or -errno. */
int netlink_open(void);
/* The index of the link called name, or -errno (-ENODEV when there is none). */
int netlink_link_index(const char *name);
/* Set IFF_UP on the link. */
int netlink_link_up(int nl, int ifindex);
int netlink_set_mtu(int nl, int ifindex, unsigned mtu);
/* family AF_INET (addr: struct in_addr) or AF_INET6 (struct in6_addr). IPv6 addresses are added
 * with IFA_F_NODAD so they are usable at once instead of after about a second of DAD, which
 * would make the first connections of the command fail; nobody else is on that link. */
int netlink_add_addr(int nl, int ifindex, int family, const void *addr, unsigned prefixlen);
/* A default route via gw on the link, in the main table. */
int netlink_add_default_route(int nl, int ifindex, int family, const void *gw);
