/* tty.h: the command's terminal.
 *
 * Interactive (stdin and stdout are terminals, no --no-tty): the sandbox opens a pseudo-terminal
 * in its own devpts instance, the command makes the slave its controlling terminal, and the
 * supervisor, outside, relays bytes between the caller's terminal (in raw mode) and the master,
 * which it receives by SCM_RIGHTS. Job control, Ctrl-C and Ctrl-Z then happen in the sandbox's
 * line discipline, once, and the caller's terminal is never the command's: nothing inside can
 * reach it with TIOCSTI (bubblewrap CVE-2017-5226). Otherwise the command keeps the caller's
 * fds but runs in a new session, so it has no controlling terminal to inject into either; the
 * seccomp filter blocks TIOCSTI as a second layer in both cases. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

/* --- sandbox side (after the devpts instance is at /dev/pts and /dev/ptmx -> pts/ptmx) --- */

/* Open a master on /dev/ptmx, unlock it and open its slave through the master (TIOCGPTPEER:
 * no path lookup under /dev/pts, so nothing in the rootfs can substitute another file). Both
 * are O_CLOEXEC and O_NOCTTY. 0 or -errno with the step in err. */
int tty_open_pair(int *master, int *slave, char *err, size_t errlen);

/* --- command side --- */

/* New session, slave as the controlling terminal, slave on 0, 1 and 2 (closed when it was
 * another fd). 0 or -errno with the step in err. */
int tty_make_controlling(int slave, char *err, size_t errlen);
/* Without a pty: a new session, no controlling terminal, fds untouched. */
int tty_new_session(char *err, size_t errlen);

/* --- supervisor side --- */

/* The contract's test for "interactive". */
bool tty_interactive(int in_fd, int out_fd);

enum { TTY_RELAY_NFDS = 3, TTY_RELAY_BUFSZ = 16384 };

struct tty_relay {
	int in;	    /* our own non-blocking descriptor of the caller's terminal, reading */
	int out;    /* same, writing */
	int master; /* the pty master, non-blocking */
	int in_orig, out_orig; /* the caller's fds they were opened from */
	bool in_shared, out_shared; /* dups of the caller's file descriptions (no /proc) */
	bool in_paused; /* not in the terminal's foreground process group: no raw mode, no input */
	bool in_closed, master_closed, out_broken;
	size_t to_master_start, to_master_end;
	size_t to_out_start, to_out_end;
	unsigned char to_master[TTY_RELAY_BUFSZ];
	unsigned char to_out[TTY_RELAY_BUFSZ];
};

/* Take over master (the relay closes it), open private non-blocking descriptors of in_fd and
 * out_fd (the caller's own file descriptions, shared with its shell, are left blocking),
 * give the master the caller's termios and window size, then, when we are in the terminal's
 * foreground process group, put the caller's terminal in raw mode, saving its termios for
 * tty_restore(). A background job relays output only and never touches the terminal's
 * settings or reads it (which would stop it with SIGTTOU/SIGTTIN). 0 or -errno with the step
 * in err; on error nothing is changed and master is closed. */
int tty_relay_start(struct tty_relay *r, int in_fd, int out_fd, int master, char *err,
		    size_t errlen);

/* A background relay that is now in the foreground (the shell's `fg`) takes the terminal as
 * tty_relay_start would have. A no-op otherwise; cheap enough to call on every wake-up. */
void tty_relay_resume(struct tty_relay *r);

/* Whether fd is our controlling terminal and another process group is its foreground one
 * (where reading it or changing its settings would stop us). */
bool tty_in_background(int fd);

/* For a poll(2) loop: fill pfd[0..TTY_RELAY_NFDS-1] with what the relay waits for now (fd -1
 * where nothing), to pass to tty_relay_handle after poll. With epoll instead: register
 * r->in, r->out and r->master once, edge-triggered, for EPOLLIN|EPOLLOUT, and call
 * tty_relay_handle on any of their events. */
void tty_relay_fds(const struct tty_relay *r, struct pollfd pfd[TTY_RELAY_NFDS]);

/* Move every byte that can move now, both ways, without blocking. Returns 0 while the
 * relay runs, 1 once the command side is gone (EIO/EOF on the master) and its output is
 * delivered (or the caller's terminal is gone). EOF on the caller's terminal only stops
 * reading it. Never fails: errors on either side end that direction. */
int tty_relay_handle(struct tty_relay *r);

/* SIGWINCH: copy the caller's window size to the master (the kernel then signals the
 * command's foreground process group). 0 or -errno. */
int tty_relay_winch(struct tty_relay *r);

/* After the command has ended: deliver what is left in the master, for at most timeout_ms. */
void tty_relay_drain(struct tty_relay *r, int timeout_ms);

/* Restore the caller's terminal and close the relay's fds. Idempotent. */
void tty_relay_close(struct tty_relay *r);

/* Put the caller's terminal back as tty_relay_start found it. Async-signal-safe (tcsetattr
 * and fcntl only), idempotent, a no-op when nothing was changed: call it from the
 * supervisor's teardown on every path, including SIGTERM/SIGINT/SIGHUP handlers. */
void tty_restore(void);
