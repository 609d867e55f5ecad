/* chan.c: parent/child messages and fd passing over a SOCK_SEQPACKET socketpair. */

#include "config.h"

#include "chan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int send_with(int sock, const struct chan_msg *m, const void *ctl, size_t ctllen, int level, int type)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (ctl) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(ctllen);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = level;
		c->cmsg_type = type;
		c->cmsg_len = CMSG_LEN(ctllen);
		memcpy(CMSG_DATA(c), ctl, ctllen);
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return n == (ssize_t)sizeof(*m) ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

int chan_send(int sock, const struct chan_msg *m)
{
	return send_with(sock, m, NULL, 0, 0, 0);
}

int chan_send_fd(int sock, const struct chan_msg *m, int fd)
{
	return send_with(sock, m, &fd, sizeof(fd), SOL_SOCKET, SCM_RIGHTS);
}

int chan_recv_fd(int sock, uint32_t type)
{
	struct chan_msg m;
	int fd, r;

	memset(&m, 0, sizeof(m));
	r = chan_recv_full(sock, &m, &fd, NULL);
	if (r < 0)
		return r;
	if (m.type != type || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	return fd;
}

int chan_send_creds(int sock, const struct chan_msg *m, pid_t pid)
{
	struct ucred cr = { .pid = pid, .uid = getuid(), .gid = getgid() };
	return send_with(sock, m, &cr, sizeof(cr), SOL_SOCKET, SCM_CREDENTIALS);
}

int chan_recv_full(int sock, struct chan_msg *m, int *fd, pid_t *pid)
{
	struct iovec iov = { m, sizeof(*m) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;

	if (fd)
		*fd = -1;
	if (pid)
		*pid = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd)
				*fd = got;
			else
				close(got);
		} else if (c->cmsg_type == SCM_CREDENTIALS && pid) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			*pid = cr.pid;
		}
	}
	if (n != (ssize_t)sizeof(*m))
		return -EBADMSG;
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

int chan_recv(int sock, struct chan_msg *m)
{
	return chan_recv_full(sock, m, NULL, NULL);
}

void chan_send_error(int sock, const char *text)
{
	struct chan_msg m = { .type = CHAN_MSG_ERROR };

	snprintf(m.text, sizeof(m.text), "%s", text);
	(void)chan_send(sock, &m);
}

void chan_fail(int sock, int e, const char *fmt, ...)
{
	char text[sizeof(((struct chan_msg *)0)->text)];
	va_list ap;

	va_start(ap, fmt);
	err_vset(text, sizeof(text), e, fmt, ap);
	va_end(ap);
	chan_send_error(sock, text);
	_exit(EXIT_SETUP);
}
