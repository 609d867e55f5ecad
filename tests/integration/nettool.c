/* nettool.c: a small static network tool for the integration tests, run on the host and inside
 * the busybox rootfs alike (busybox's nc has no UDP and no checksums). Each mode does one thing
 * and exits non-zero on any failure; streams are a deterministic byte sequence so both ends can
 * check what arrived. Traffic goes only where the test points it (loopback or the sandbox). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "nettool: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* "1.2.3.4" or "::1" and a port into a sockaddr. */
static socklen_t addr_of(const char *host, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return sizeof(*a6);
	}
	fprintf(stderr, "nettool: bad address %s\n", host);
	exit(2);
}

static int listen_on(int type, int port, const char *host)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(host ? host : "::", port, &ss);
	int s = socket(ss.ss_family, type, 0), one = 1, zero = 0;
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(s, 512) < 0)
		die("listen");
	return s;
}

static int connect_to(int type, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(host, port, &ss);
	int s = socket(ss.ss_family, type, 0);
	if (s < 0)
		die("socket");
	struct timeval tv = { 3, 0 };
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/* A connect() that does not block: O_NONBLOCK, then poll until the socket is writable and read
 * the result from SO_ERROR, as event loops do. The socket is blocking again afterwards. */
static int connect_nonblocking(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(host, port, &ss), elen = sizeof(int);
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), e = 0;
	struct pollfd p = { .fd = s, .events = POLLOUT };

	if (s < 0)
		die("socket");
	if (connect(s, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		die("connect");
	if (poll(&p, 1, 3000) != 1)
		die("poll");
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		die("SO_ERROR");
	if (e != 0) {
		errno = e;
		die("connect (SO_ERROR)");
	}
	if (fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK) < 0)
		die("fcntl");
	return s;
}

/* Connect with TCP_NODELAY, SO_KEEPALIVE and an 8-second TCP_KEEPIDLE set beforehand; print
 * the peer's address as the socket says and whether the options are still set. */
static int tcp_info(const char *host, int port)
{
	struct sockaddr_storage ss, peer;
	socklen_t len = addr_of(host, port, &ss), plen = sizeof(peer), olen = sizeof(int);
	int s = socket(ss.ss_family, SOCK_STREAM, 0), one = 1, idle = 8, nodelay = 0, keepalive = 0;
	char text[INET6_ADDRSTRLEN] = "?";

	if (s < 0)
		die("socket");
	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0)
		die("setsockopt");
	if (connect(s, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	if (getpeername(s, (struct sockaddr *)&peer, &plen) < 0)
		die("getpeername");
	if (peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, text, sizeof(text));
	getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &nodelay, &olen);
	olen = sizeof(int);
	getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &olen);
	olen = sizeof(int);
	idle = 0;
	getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &olen);
	printf("peer %s nodelay %d keepalive %d keepidle %d\n", text, nodelay, keepalive, idle);
	return 0;
}

struct info_args {
	const char *host;
	int port;
};

static void *tcp_info_thread(void *arg)
{
	const struct info_args *a = arg;
	tcp_info(a->host, a->port);
	return NULL;
}

/* tcp_info from a second thread: the call then comes from a thread that does not lead its
 * process. */
static int tcp_info_in_thread(const char *host, int port)
{
	struct info_args a = { host, port };
	pthread_t t;

	if (pthread_create(&t, NULL, tcp_info_thread, &a) != 0 || pthread_join(t, NULL) != 0)
		die("thread");
	return 0;
}

/* The test stream: byte i is a function of i, so the receiver can verify it alone. */
static unsigned char stream_byte(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void send_stream(int s, uint64_t total)
{
	static unsigned char buf[65536];
	for (uint64_t off = 0; off < total;) {
		size_t n = total - off < sizeof(buf) ? (size_t)(total - off) : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = stream_byte(off + i);
		ssize_t w = write(s, buf, n);
		if (w < 0)
			die("write");
		off += (uint64_t)w;
	}
	shutdown(s, SHUT_WR);
}

/* Read to EOF; print "BYTES ok" when every byte is the stream's, else "BYTES bad@OFFSET". */
static void recv_stream(int s)
{
	static unsigned char buf[65536];
	uint64_t off = 0, bad = UINT64_MAX;
	for (;;) {
		ssize_t n = read(s, buf, sizeof(buf));
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && bad == UINT64_MAX; i++)
			if (buf[i] != stream_byte(off + (uint64_t)i))
				bad = off + (uint64_t)i;
		off += (uint64_t)n;
	}
	if (bad == UINT64_MAX)
		printf("%llu ok\n", (unsigned long long)off);
	else
		printf("%llu bad@%llu\n", (unsigned long long)off, (unsigned long long)bad);
}

static int tcp_echo(int port, const char *host)
{
	int l = listen_on(SOCK_STREAM, port, host);
	signal(SIGCHLD, SIG_IGN);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			char buf[4096];
			ssize_t n;
			while ((n = read(c, buf, sizeof(buf))) > 0)
				if (write(c, buf, (size_t)n) != n)
					break;
			_exit(0);
		}
		close(c);
	}
	return 0;
}

static int udp_echo(int port, const char *host)
{
	int s = listen_on(SOCK_DGRAM, port, host);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		char buf[65536];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n >= 0)
			sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

static int ask(int type, const char *host, int port, const char *msg)
{
	int s = connect_to(type, host, port);
	char buf[4096];
	if (write(s, msg, strlen(msg)) < 0)
		die("write");
	ssize_t n = read(s, buf, sizeof(buf) - 1);
	if (n <= 0) {
		if (n == 0)
			errno = ECONNRESET;
		die("no reply");
	}
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

/* One ICMP echo over an ICMP datagram socket, the unprivileged kind that net.ipv4.
 * ping_group_range allows (busybox's ping only tries a raw socket, which needs CAP_NET_RAW).
 * The kernel fills in the identifier and the checksum; prints "echo reply" when one comes. */
static int icmp_ping(const char *host)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(host, 0, &ss);
	int v6 = ss.ss_family == AF_INET6;
	int s = socket(ss.ss_family, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	unsigned char req[16] = { v6 ? 128 : 8, 0, 0, 0, 0, 0, 0, 1, 'n', 'e', 't', 't', 'o', 'o', 'l' };
	unsigned char rep[256];
	struct timeval tv = { 3, 0 };
	if (s < 0)
		die("icmp socket");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(s, req, sizeof(req), 0, (struct sockaddr *)&ss, len) < 0)
		die("send echo request");
	for (;;) {
		ssize_t n = recv(s, rep, sizeof(rep), 0);
		if (n < 0)
			die("no echo reply");
		/* The socket only gets replies to its own identifier; skip anything else. */
		if (n >= 8 && rep[0] == (v6 ? 129 : 0) && rep[7] == 1)
			break;
	}
	printf("echo reply\n");
	return 0;
}

/* Serve one connection at a time: read to EOF (the client's half-close), then answer
 * "peer ADDR, N bytes" on the still open other half, and close. */
static int tcp_peer(int port)
{
	int l = listen_on(SOCK_STREAM, port, NULL);
	printf("listening\n");
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char buf[4096], addr[INET6_ADDRSTRLEN] = "?";
		size_t total = 0;
		ssize_t n;
		int c = accept(l, (struct sockaddr *)&ss, &sl);
		if (c < 0)
			continue;
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		n = snprintf(buf, sizeof(buf), "peer %s, %zu bytes", addr, total);
		if (write(c, buf, (size_t)n) != n)
			perror("nettool: write");
		close(c);
	}
	return 0;
}

/* Send MSG, half-close (SHUT_WR), then print what comes back until EOF. */
static int tcp_halfclose(const char *host, int port, const char *msg)
{
	int s = connect_to(SOCK_STREAM, host, port);
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	if (write(s, msg, strlen(msg)) < 0)
		die("write");
	if (shutdown(s, SHUT_WR) < 0)
		die("shutdown");
	while (got < sizeof(buf) - 1 && (n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		die("read");
	buf[got] = '\0';
	printf("%s\n", buf);
	return 0;
}

/* N connections at once, each asks "ping I" and expects it back. Prints how many answered. */
static int tcp_many(const char *host, int port, int count)
{
	int *fds = calloc((size_t)count, sizeof(int)), ok = 0;
	if (!fds)
		die("calloc");
	for (int i = 0; i < count; i++)
		fds[i] = connect_to(SOCK_STREAM, host, port);
	for (int i = 0; i < count; i++) {
		char msg[32], buf[32];
		int len = snprintf(msg, sizeof(msg), "ping %d", i);
		if (write(fds[i], msg, (size_t)len) != len)
			continue;
		ssize_t n = read(fds[i], buf, sizeof(buf));
		if (n == len && memcmp(buf, msg, (size_t)len) == 0)
			ok++;
		close(fds[i]);
	}
	printf("%d\n", ok);
	return ok == count ? 0 : 1;
}

/* A DNS responder that answers every A query with one address. */
static int dns_server(int port, const char *host, const char *ip)
{
	int s = listen_on(SOCK_DGRAM, port, host);
	struct in_addr a;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return 2;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		unsigned char q[512], r[600];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		size_t qend = 12;
		while (qend < (size_t)n && q[qend])
			qend += q[qend] + 1u;
		qend += 5; /* zero label, type, class */
		if (qend > (size_t)n)
			continue;
		memcpy(r, q, qend);
		r[2] = 0x81, r[3] = 0x80;           /* response, recursion available */
		r[6] = 0, r[7] = 1;                 /* one answer */
		r[8] = r[9] = r[10] = r[11] = 0;
		unsigned char ans[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };
		memcpy(r + qend, ans, sizeof(ans));
		memcpy(r + qend + sizeof(ans), &a, 4);
		sendto(s, r, qend + sizeof(ans) + 4, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

/* Ask server:53 for NAME's A record; print the address. */
static int dns_query(const char *server, int port, const char *name)
{
	unsigned char q[512], r[512];
	size_t len = 12;
	memset(q, 0, 12);
	q[0] = 0x12, q[1] = 0x34, q[2] = 0x01, q[5] = 1;
	for (const char *p = name; *p;) {
		const char *dot = strchrnul(p, '.');
		size_t l = (size_t)(dot - p);
		q[len++] = (unsigned char)l;
		memcpy(q + len, p, l);
		len += l;
		p = *dot ? dot + 1 : dot;
	}
	q[len++] = 0;
	q[len++] = 0, q[len++] = 1, q[len++] = 0, q[len++] = 1;
	int s = connect_to(SOCK_DGRAM, server, port);
	if (write(s, q, len) < 0)
		die("write");
	ssize_t n = read(s, r, sizeof(r));
	if (n < (ssize_t)len + 16)
		die("dns reply");
	printf("%u.%u.%u.%u\n", r[n - 4], r[n - 3], r[n - 2], r[n - 1]);
	return 0;
}

/* One UDP datagram of size bytes; prints "reply N" with the size of the answer, or "no reply". */
static int udp_size(const char *host, int port, size_t size)
{
	static char buf[65536];
	int s = connect_to(SOCK_DGRAM, host, port);
	struct timeval tv = { 2, 0 };

	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(buf, 'u', size);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(s, buf, size, 0) < 0)
		die("send");
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	if (n < 0)
		printf("no reply\n");
	else
		printf("reply %zd\n", n);
	return 0;
}

/* count datagrams of size bytes as fast as the socket takes them (the attack on libslirp's
 * reassembly: above MTU - 28 each leaves as IP fragments). Prints "sent N". */
static int udp_flood(const char *host, int port, size_t size, int count)
{
	static char buf[65536];
	int s = connect_to(SOCK_DGRAM, host, port), sent = 0;

	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(buf, 'f', size);
	for (int i = 0; i < count; i++) {
		if (send(s, buf, size, 0) >= 0)
			sent++;
		else if (errno != ENOBUFS && errno != ECONNREFUSED && errno != EAGAIN)
			die("send");
	}
	printf("sent %d\n", sent);
	return 0;
}

/* One hand-made IP fragment to dst over a raw socket (needs CAP_NET_RAW): for IPv4 the UDP last
 * fragment that crashed libslirp 4.7.0 (id 2, offset 1384, MF clear, arriving with no first
 * fragment); for IPv6 the same behind a fragment header. Prints "sent". */
static int frag(const char *dst)
{
	unsigned char p[64];
	struct sockaddr_storage ss;
	socklen_t len = addr_of(dst, 0, &ss);
	int one = 1, s;

	memset(p, 'x', sizeof(p));
	if (ss.ss_family == AF_INET) {
		s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (s < 0)
			die("socket");
		if (setsockopt(s, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
			die("IP_HDRINCL");
		p[0] = 0x45;
		p[1] = 0;
		p[2] = 0;
		p[3] = sizeof(p);
		p[4] = 0;
		p[5] = 2;               /* id 2 */
		p[6] = 0;               /* MF clear */
		p[7] = 1384 / 8;        /* offset 1384 */
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		p[10] = p[11] = 0;      /* the kernel fills the checksum */
		inet_pton(AF_INET, "10.0.2.100", p + 12);
		memcpy(p + 16, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else {
		/* The kernel writes the IPv6 header with next header 44; the payload is the
		 * fragment header (UDP, offset 1384, M clear, id 2) and the fragment's bytes. */
		s = socket(AF_INET6, SOCK_RAW, IPPROTO_FRAGMENT);
		if (s < 0)
			die("socket");
		memset(p, 0, 8);
		p[0] = IPPROTO_UDP;
		p[2] = (unsigned char)((1384 >> 8) & 0xff);
		p[3] = (unsigned char)(1384 & 0xf8);
		p[7] = 2;
	}
	if (sendto(s, p, sizeof(p), 0, (struct sockaddr *)&ss, len) < 0)
		die("sendto");
	printf("sent\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "tcp-echo") && argc >= 3)
		return tcp_echo(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	if (!strcmp(m, "udp-echo") && argc >= 3)
		return udp_echo(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	if (!strcmp(m, "tcp-ask") && argc == 5)
		return ask(SOCK_STREAM, argv[2], atoi(argv[3]), argv[4]);
	if (!strcmp(m, "udp-ask") && argc == 5)
		return ask(SOCK_DGRAM, argv[2], atoi(argv[3]), argv[4]);
	if (!strcmp(m, "tcp-ask-nb") && argc == 5) {
		int s = connect_nonblocking(argv[2], atoi(argv[3]));
		char buf[4096];
		ssize_t n;
		if (write(s, argv[4], strlen(argv[4])) < 0)
			die("write");
		n = read(s, buf, sizeof(buf) - 1);
		if (n <= 0)
			die("no reply");
		printf("%.*s\n", (int)n, buf);
		return 0;
	}
	if (!strcmp(m, "tcp-info") && argc == 4)
		return tcp_info(argv[2], atoi(argv[3]));
	if (!strcmp(m, "tcp-info-thread") && argc == 4)
		return tcp_info_in_thread(argv[2], atoi(argv[3]));
	if (!strcmp(m, "tcp-peer") && argc == 3)
		return tcp_peer(atoi(argv[2]));
	if (!strcmp(m, "tcp-halfclose") && argc == 5)
		return tcp_halfclose(argv[2], atoi(argv[3]), argv[4]);
	if (!strcmp(m, "tcp-many") && argc == 5)
		return tcp_many(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(m, "send") && argc == 5) {
		send_stream(connect_to(SOCK_STREAM, argv[2], atoi(argv[3])), strtoull(argv[4], NULL, 10));
		return 0;
	}
	if (!strcmp(m, "recv") && argc == 4) {
		recv_stream(connect_to(SOCK_STREAM, argv[2], atoi(argv[3])));
		return 0;
	}
	if (!strcmp(m, "serve-sink") && argc >= 3) {  /* accept one, read the stream, report */
		int l = listen_on(SOCK_STREAM, atoi(argv[2]), argc > 3 ? argv[3] : NULL);
		printf("listening\n");
		int c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		recv_stream(c);
		return 0;
	}
	if (!strcmp(m, "serve-source") && argc >= 4) { /* accept one, send BYTES of the stream */
		int l = listen_on(SOCK_STREAM, atoi(argv[2]), argc > 4 ? argv[4] : NULL);
		printf("listening\n");
		int c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		send_stream(c, strtoull(argv[3], NULL, 10));
		char b;
		while (read(c, &b, 1) > 0) /* wait for the peer to close */
			;
		return 0;
	}
	if (!strcmp(m, "dns-server") && argc == 5)
		return dns_server(atoi(argv[2]), argv[3], argv[4]);
	if (!strcmp(m, "icmp-ping") && argc == 3)
		return icmp_ping(argv[2]);
	if (!strcmp(m, "dns-query") && argc == 5)
		return dns_query(argv[2], atoi(argv[3]), argv[4]);
	if (!strcmp(m, "udp-size") && argc == 5)
		return udp_size(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10));
	if (!strcmp(m, "udp-flood") && argc == 6)
		return udp_flood(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10), atoi(argv[5]));
	if (!strcmp(m, "frag") && argc == 3)
		return frag(argv[2]);
	fprintf(stderr, "usage: nettool tcp-echo|udp-echo PORT [ADDR] | tcp-ask|udp-ask HOST PORT MSG |\n"
			"  tcp-ask-nb HOST PORT MSG | tcp-info[-thread] HOST PORT | tcp-peer PORT |\n"
			"  tcp-halfclose HOST PORT MSG | icmp-ping HOST | tcp-many HOST PORT N |\n"
			"  send HOST PORT BYTES | recv HOST PORT |\n"
			"  serve-sink PORT [ADDR] |\n"
			"  serve-source PORT BYTES [ADDR] | dns-server PORT ADDR IP | dns-query SERVER PORT NAME |\n"
			"  udp-size HOST PORT SIZE | udp-flood HOST PORT SIZE COUNT | frag DST\n");
	return 2;
}
