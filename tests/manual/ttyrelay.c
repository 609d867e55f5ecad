/* ttyrelay: run COMMAND on a new pty relayed by tty.c, as the supervisor will, to try the relay
 * by hand or under tmux/script (see tests/manual/ttyrelay.sh):
 *   ttyrelay COMMAND [ARG...]
 * Without a terminal on stdin and stdout the command runs in a new session instead. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tty.h"

int main(int argc, char **argv)
{
	char err[256];
	int master = -1, slave = -1;
	bool pty = tty_interactive(0, 1);

	if (argc < 2)
		return 2;
	if (pty && tty_open_pair(&master, &slave, err, sizeof(err)) < 0) {
		fprintf(stderr, "ttyrelay: %s\n", err);
		return 125;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 125;

	pid_t pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		int r = pty ? tty_make_controlling(slave, err, sizeof(err))
			    : tty_new_session(err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "ttyrelay: %s\n", err);
			_exit(125);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}

	struct tty_relay relay;
	if (pty) {
		close(slave);
		if (tty_relay_start(&relay, 0, 1, master, err, sizeof(err)) < 0) {
			fprintf(stderr, "ttyrelay: %s\n", err);
			kill(pid, SIGKILL);
			return 125;
		}
	}

	int status = -1;
	bool relay_done = !pty;
	while (status < 0 || !relay_done) {
		struct pollfd pfd[1 + TTY_RELAY_NFDS];
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		nfds_t n = 1;
		if (!relay_done) {
			tty_relay_fds(&relay, pfd + 1);
			n += TTY_RELAY_NFDS;
		}
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			switch (si.ssi_signo) {
			case SIGWINCH:
				if (pty)
					tty_relay_winch(&relay);
				break;
			case SIGCHLD: {
				int st;
				if (waitpid(pid, &st, WNOHANG) == pid) {
					status = st;
					if (pty) {
						tty_relay_drain(&relay, 500);
						relay_done = true;
					}
				}
				break;
			}
			default: /* SIGTERM, SIGINT, SIGHUP: the teardown path */
				if (pty)
					tty_restore();
				kill(pid, SIGKILL);
				fprintf(stderr, "ttyrelay: killed by signal %u\n", si.ssi_signo);
				return 128 + (int)si.ssi_signo;
			}
		}
		if (!relay_done && tty_relay_handle(&relay) == 1)
			relay_done = true;
	}
	if (pty)
		tty_relay_close(&relay);
	if (status < 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
