/* publish.h: -p/--publish [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp] (pure parser). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct publish {
	int family;   /* AF_INET or AF_INET6 (of the host address) */
	bool udp;     /* false: tcp */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} host_addr;  /* default 127.0.0.1 */
	uint16_t host_port;
	uint16_t sandbox_port;
	const char *spec; /* the text it was parsed from (passed on to the network helper) */
};

/* 0, or -EINVAL with a reason in err. */
int publish_parse(const char *spec, struct publish *out, char *err, size_t errlen);

/* Where a published port's connections go: the host-side listener's address (host) and the
 * sandbox's address and port that a forwarded connection reaches (sandbox: 10.0.2.100, or
 * fd00::100 for an IPv6 listener: an IPv6 listener reaches the sandbox over IPv6). */
struct publish_addrs {
	struct sockaddr_storage host, sandbox;
	socklen_t host_len, sandbox_len;
};
void publish_addrs(const struct publish *p, struct publish_addrs *out);
/* "publish 127.0.0.1:8080/tcp" or "publish [::1]:8080/tcp", for messages. */
void publish_describe(const struct publish *p, char *buf, size_t len);
/* How many of the n are TCP. */
size_t publish_count_tcp(const struct publish *p, size_t n);
