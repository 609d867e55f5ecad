/* publish.h: -p/--publish [HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp] (pure parser). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
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
