/* tty.c: the command's pseudo-terminal and the supervisor's relay (see tty.h for the model). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* --- sandbox side --- */

int tty_open_pair(int *master, int *slave, char *err, size_t errlen)
{
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) {
		int e = errno;
		return err_set(err, errlen, e, "opening /dev/ptmx");
	}
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "unlocking the pty (TIOCSPTLCK)");
	}
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int e = errno;
		return err_set(err, errlen, e, "opening the pty slave (TIOCGPTPEER)");
	}
	*slave = s;
	*master = steal_fd(&m);
	return 0;
}

/* --- command side --- */

int tty_new_session(char *err, size_t errlen)
{
	if (setsid() < 0) {
		int e = errno;
		return err_set(err, errlen, e, "setsid");
	}
	return 0;
}

int tty_make_controlling(int slave, char *err, size_t errlen)
{
	int r = tty_new_session(err, errlen);
	if (r < 0)
		return r;
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "making the pty the controlling terminal (TIOCSCTTY)");
	}
	for (int fd = 0; fd <= 2; fd++) {
		/* dup2 clears O_CLOEXEC on the copy; with slave == fd it is a no-op that would
		 * leave the flag, hence the explicit clear. */
		int rc = slave == fd ? fd_set_cloexec(fd, false) : (dup2(slave, fd) < 0 ? -errno : 0);
		if (rc < 0) {
			int e = -rc;
			return err_set(err, errlen, e, "putting the pty on fd %d", fd);
		}
	}
	if (slave > 2)
		close(slave);
	return 0;
}

/* --- supervisor side --- */

bool tty_interactive(int in_fd, int out_fd)
{
	return isatty(in_fd) && isatty(out_fd);
}

/* What tty_restore() puts back. Plain statics written before the terminal is changed and
 * read by a signal handler: saved_valid is set last and cleared first. */
static struct termios saved_termios;
static int saved_fd = -1;
static int saved_fl_fd = -1; /* the caller's fd whose O_NONBLOCK we had to set (fallback) */
static int saved_fl;
static volatile sig_atomic_t saved_valid;

void tty_restore(void)
{
	int e = errno;
	if (saved_valid) {
		sigset_t ttou, old;
		saved_valid = 0;
		/* Moved to the background meanwhile (SIGSTOP, then bg): with SIGTTOU blocked the
		 * kernel lets the restore through instead of stopping us on our way out. */
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		(void)sigprocmask(SIG_BLOCK, &ttou, &old);
		/* TCSANOW: TCSADRAIN could wait forever on a stopped (^S) terminal. */
		(void)tcsetattr(saved_fd, TCSANOW, &saved_termios);
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		if (saved_fl_fd >= 0)
			(void)fcntl(saved_fl_fd, F_SETFL, saved_fl);
	}
	errno = e;
}

bool tty_in_background(int fd)
{
	/* ENOTTY: not our controlling terminal, so no job control stops us on it. */
	pid_t fg = tcgetpgrp(fd);
	return fg >= 0 && fg != getpgrp();
}

/* A descriptor of the caller's terminal of our own, so O_NONBLOCK does not leak into the
 * file description the caller's shell shares (which would break it after we exit). Opening
 * /proc/self/fd/N of a terminal makes a new description. Without /proc: a dup, non-blocking,
 * with the flags saved for tty_restore. */
static int private_fd(int fd, int mode, bool *shared, char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int nfd = open(path, mode | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (nfd >= 0) {
		/* /proc/self/fd/N could be anything; it must still be the same terminal. */
		if (isatty(nfd)) {
			*shared = false;
			return nfd;
		}
		close(nfd);
	}
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0) {
		int e = errno;
		return err_set(err, errlen, e, "duplicating terminal fd %d", fd);
	}
	*shared = true;
	return nfd;
}

/* Save the caller's termios, then put its terminal in raw mode: from here on the bytes it
 * reads go to the command's pty. Only in the foreground: anywhere else tcsetattr and read
 * would stop us with SIGTTOU/SIGTTIN. */
static int take_terminal(struct tty_relay *r, char *err, size_t errlen)
{
	struct termios tio, raw;

	if (tcgetattr(r->in, &tio) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "reading the terminal's settings");
	}
	/* Save first, then change: a signal in between restores harmlessly. */
	saved_termios = tio;
	saved_fd = r->in;
	saved_fl_fd = -1;
	if (r->in_shared || r->out_shared) {
		int fd = r->in_shared ? r->in_orig : r->out_orig;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0) {
			int e = errno;
			return err_set(err, errlen, e, "reading terminal fd flags");
		}
		saved_fl = fl;
		saved_fl_fd = fd;
	}
	saved_valid = 1;

	raw = tio;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(r->in, TCSADRAIN, &raw) < 0) {
		int e = errno;
		tty_restore();
		return err_set(err, errlen, e, "putting the terminal in raw mode");
	}
	/* Shared descriptions (no /proc): non-blocking only now, undone by tty_restore. */
	int rr = r->in_shared ? fd_set_nonblock(r->in, true) : 0;
	if (rr == 0 && r->out_shared)
		rr = fd_set_nonblock(r->out, true);
	if (rr < 0) {
		tty_restore();
		return err_set(err, errlen, -rr, "making the terminal non-blocking");
	}
	r->in_paused = false;
	return 0;
}

int tty_relay_start(struct tty_relay *r, int in_fd, int out_fd, int master, char *err,
		    size_t errlen)
{
	_cleanup_close_ int m = master;
	_cleanup_close_ int in = -1;
	_cleanup_close_ int out = -1;
	bool in_shared = false, out_shared = false;
	struct termios tio;
	int rr;

	memset(r, 0, sizeof(*r));
	r->in = r->out = r->master = -1;

	if (tcgetattr(in_fd, &tio) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "reading the terminal's settings");
	}
	in = private_fd(in_fd, O_RDONLY, &in_shared, err, errlen);
	if (in < 0)
		return in;
	out = private_fd(out_fd, O_WRONLY, &out_shared, err, errlen);
	if (out < 0)
		return out;
	rr = fd_set_nonblock(m, true);
	if (rr < 0) {
		return err_set(err, errlen, -rr, "making the pty master non-blocking");
	}

	/* The command's terminal starts with the caller's settings (erase character, IUTF8...)
	 * and size, before it can read either. */
	if (tcsetattr(m, TCSANOW, &tio) < 0) {
		int e = errno;
		return err_set(err, errlen, e, "setting the pty's terminal settings");
	}
	struct winsize ws;
	if (ioctl(out, TIOCGWINSZ, &ws) == 0 || ioctl(in, TIOCGWINSZ, &ws) == 0) {
		if (ioctl(m, TIOCSWINSZ, &ws) < 0) {
			int e = errno;
			return err_set(err, errlen, e, "setting the pty's window size");
		}
	}

	r->in = in;
	r->out = out;
	r->in_orig = in_fd;
	r->out_orig = out_fd;
	r->in_shared = in_shared;
	r->out_shared = out_shared;
	/* A background job (`sandbox ... &`) leaves the terminal to the shell: output only,
	 * until the shell brings it to the foreground (tty_relay_resume). */
	r->in_paused = true;
	if (!tty_in_background(in)) {
		rr = take_terminal(r, err, errlen);
		if (rr < 0) {
			r->in = r->out = -1;
			return rr;
		}
	}
	r->in = steal_fd(&in);
	r->out = steal_fd(&out);
	r->master = steal_fd(&m);
	return 0;
}

void tty_relay_resume(struct tty_relay *r)
{
	char err[128];

	if (!r->in_paused || r->in < 0 || tty_in_background(r->in))
		return;
	/* On failure the relay stays output-only, as in the background. */
	(void)take_terminal(r, err, sizeof(err));
}

static size_t room(size_t end)
{
	return TTY_RELAY_BUFSZ - end;
}

void tty_relay_fds(const struct tty_relay *r, struct pollfd pfd[TTY_RELAY_NFDS])
{
	short ev;

	/* Only ask for what we can act on: a POLLHUP on an fd we cannot serve now would spin. */
	pfd[0] = (struct pollfd){ .fd = -1 };
	if (!r->in_paused && !r->in_closed && !r->master_closed && room(r->to_master_end) > 0)
		pfd[0] = (struct pollfd){ .fd = r->in, .events = POLLIN };

	pfd[1] = (struct pollfd){ .fd = -1 };
	if (!r->out_broken && r->to_out_end > r->to_out_start)
		pfd[1] = (struct pollfd){ .fd = r->out, .events = POLLOUT };

	ev = 0;
	if (!r->master_closed) {
		if (room(r->to_out_end) > 0)
			ev |= POLLIN;
		if (r->to_master_end > r->to_master_start)
			ev |= POLLOUT;
	}
	pfd[2] = (struct pollfd){ .fd = ev ? r->master : -1, .events = ev };
}

/* Read what fd has into buf[*end..]; false when nothing moved. */
static bool fill(int fd, unsigned char *buf, size_t *start, size_t *end, bool *closed)
{
	if (*start == *end)
		*start = *end = 0;
	else if (*end == TTY_RELAY_BUFSZ && *start > 0) {
		memmove(buf, buf + *start, *end - *start);
		*end -= *start;
		*start = 0;
	}
	if (room(*end) == 0)
		return false;
	ssize_t n = read(fd, buf + *end, room(*end));
	if (n > 0) {
		*end += (size_t)n;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	/* EOF, or EIO: a master whose slaves are all closed, a hung-up terminal. */
	*closed = true;
	return true;
}

/* Write buf[*start..*end] to fd; false when nothing moved. */
static bool flush(int fd, unsigned char *buf, size_t *start, size_t *end, bool *broken)
{
	if (*start == *end)
		return false;
	ssize_t n = write(fd, buf + *start, *end - *start);
	if (n > 0) {
		*start += (size_t)n;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	*broken = true;
	*start = *end = 0;
	return true;
}

int tty_relay_handle(struct tty_relay *r)
{
	bool moved;

	do {
		moved = false;
		if (!r->in_paused && !r->in_closed && !r->master_closed)
			moved |= fill(r->in, r->to_master, &r->to_master_start,
				      &r->to_master_end, &r->in_closed);
		if (!r->master_closed) {
			bool broken = false;
			moved |= flush(r->master, r->to_master, &r->to_master_start,
				       &r->to_master_end, &broken);
			/* A failed write to the master means the command side is going: its
			 * read side reports it. */
			(void)broken;
			moved |= fill(r->master, r->to_out, &r->to_out_start, &r->to_out_end,
				      &r->master_closed);
		}
		if (!r->out_broken)
			moved |= flush(r->out, r->to_out, &r->to_out_start, &r->to_out_end,
				       &r->out_broken);
		else
			r->to_out_start = r->to_out_end = 0;
	} while (moved);

	return r->master_closed && (r->out_broken || r->to_out_start == r->to_out_end);
}

int tty_relay_winch(struct tty_relay *r)
{
	struct winsize ws;
	if (ioctl(r->out, TIOCGWINSZ, &ws) < 0 && ioctl(r->in, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (r->master >= 0 && !r->master_closed && ioctl(r->master, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tty_relay_drain(struct tty_relay *r, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (!tty_relay_handle(r)) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd[TTY_RELAY_NFDS];
		tty_relay_fds(r, pfd);
		/* Only output matters now. */
		pfd[0].fd = -1;
		if (poll(pfd, TTY_RELAY_NFDS, (int)left) < 0 && errno != EINTR)
			break;
	}
}

void tty_relay_close(struct tty_relay *r)
{
	if (r->in >= 0 && saved_fd == r->in)
		tty_restore();
	if (r->in >= 0)
		close(r->in);
	if (r->out >= 0)
		close(r->out);
	if (r->master >= 0)
		close(r->master);
	r->in = r->out = r->master = -1;
}
