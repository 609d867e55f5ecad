/* chan.h: typed messages between the supervisor and the sandbox's child, over one
 * SOCK_SEQPACKET socketpair, with file descriptors passed by SCM_RIGHTS. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

enum chan_msg_type {
	CHAN_MSG_GO = 1,   /* supervisor -> child: the maps are written, go on */
	CHAN_MSG_ERROR,    /* child -> supervisor: setup failed: text = the step and its reason */
	CHAN_MSG_STARTED,  /* child -> supervisor: COMMAND started; its host pid by SCM_CREDENTIALS */
	CHAN_MSG_EXIT,     /* child -> supervisor: COMMAND ended; value = wait status */
	CHAN_MSG_PTY,      /* child -> supervisor: the pty master, by SCM_RIGHTS */
	CHAN_MSG_NET_OK,   /* supervisor -> child: the network helper is up, ports bound */
	CHAN_MSG_TAP,      /* child -> network helper: the tap device, by SCM_RIGHTS */
	CHAN_MSG_CONNECT,  /* COMMAND -> supervisor: its connect() notification fd, by SCM_RIGHTS */
	CHAN_MSG_USERNS,   /* child -> network helper: its user namespace, for the published */
	CHAN_MSG_NETNS,    /*   ports' forwarder, and its network namespace (portfwd.h) */
	CHAN_MSG_HOOKS,    /* OCI container -> runtime: mounts made, run prestart and createRuntime, then GO */
};

struct chan_msg {
	uint32_t type;
	int32_t value; /* wait status, pid, ... */
	char text[248];
};

/* 0 or -errno. */
int chan_send(int sock, const struct chan_msg *m);
/* 0, -EPIPE at EOF (the peer is gone), or -errno. */
int chan_recv(int sock, struct chan_msg *m);
/* Send m with fd attached. 0 or -errno. */
int chan_send_fd(int sock, const struct chan_msg *m, int fd);
/* Receive m and, when one is attached, *fd (else -1). Also the sender's credentials when
 * the socket has SO_PASSCRED: *pid (else 0). pid and fd may be NULL. */
int chan_recv_full(int sock, struct chan_msg *m, int *fd, pid_t *pid);
/* Receive one message of type carrying an fd: the fd, -EPIPE at EOF, -EBADMSG for another
 * message (its fd closed), or -errno. */
int chan_recv_fd(int sock, uint32_t type);
/* Send m with the credentials of process pid (translated into the receiver's pid namespace
 * by the kernel). 0 or -errno. */
int chan_send_creds(int sock, const struct chan_msg *m, pid_t pid);
/* For the child: send the failed step as CHAN_MSG_ERROR, with ": strerror(e)" when e > 0
 * (err_set's rule), and _exit(EXIT_SETUP). */
__attribute__((noreturn, format(printf, 3, 4))) void chan_fail(int sock, int e, const char *fmt, ...);
/* For the child: send CHAN_MSG_ERROR with the failed step and its reason, which the supervisor
 * prints. Never fails loudly. */
void chan_send_error(int sock, const char *text);
