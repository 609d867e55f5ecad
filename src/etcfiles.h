/* etcfiles.h: the text of the generated /etc/resolv.conf, /etc/hosts and /etc/hostname (pure).
 *
 * Each builder writes a NUL-terminated file into buf and returns its length (without the NUL),
 * -ENOSPC when buf is too small, or -EINVAL for a hostname that cannot appear in these files
 * (empty, or holding whitespace, '#' or control characters). The caller writes and mounts them. */
#pragma once

#include <stddef.h>

#include "mountplan.h"
#include "netaddr.h"
#include "netmode.h"

/* Debian's convention for the host's own name when it has no fixed address. */
#define ETCFILES_LOCAL_NAME_ADDR "127.0.1.1"

/* --add-host NAME:IP, split; both point into the argument (not NUL-terminated). */
struct add_host {
	const char *name;
	size_t name_len;
	const char *addr; /* without [] around an IPv6 address */
	size_t addr_len;
};

/* NET_SLIRP: the forwarder at 10.0.2.3. NET_HOST: host_text (the host's own resolv.conf, may be
 * NULL when it has none) copied as it is, since the sandbox shares the host's network. NET_NONE:
 * only comments, so resolvers fail at once instead of timing out. */
int etcfiles_resolv_conf(char *buf, size_t len, enum net_mode mode, const char *host_text);
/* localhost on 127.0.0.1 and ::1, and hostname on the sandbox's address (slirp) or 127.0.1.1. */
int etcfiles_hosts(char *buf, size_t len, const char *hostname, enum net_mode mode);
/* --dns: "nameserver IP" lines for the given servers, whatever the network mode. */
int etcfiles_resolv_conf_servers(char *buf, size_t len, const char *const *servers, size_t n);
/* --add-host: one "IP\tNAME" line each, appended to a hosts text. */
int etcfiles_hosts_extra(char *buf, size_t len, const struct add_host *hosts, size_t n);
/* Validate --dns IP (IPv4 or IPv6, no zone): 0 or -EINVAL. */
int etcfiles_check_ip(const char *ip);
/* Parse --add-host NAME:IP (IP may be IPv6, with or without brackets). 0, or -EINVAL with a
 * reason in err. */
int etcfiles_parse_add_host(const char *arg, struct add_host *out, char *err, size_t errlen);
/* "hostname\n" */
int etcfiles_hostname(char *buf, size_t len, const char *hostname);

/* The core's entry point (mount.c): the text of file `which` for the plan's network mode,
 * hostname, --dns servers and --add-host lines, built by the functions above. For --net host it reads the host's /etc/resolv.conf (call it before pivot_root): the
 * only function here that does I/O. Length or -ENOSPC/-EINVAL/-errno. */
int etcfiles_text(enum etc_file which, const struct mountplan *plan, char *buf, size_t len);
