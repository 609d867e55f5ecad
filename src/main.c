/* main.c: sub-command dispatch and the final exit status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "security.h"
#include "supervisor.h"
#include "util.h"

/* A caller may start us with 0, 1 or 2 closed: then our first open() would land there and
 * COMMAND would inherit a host file as its stdin. Fill the holes with /dev/null. */
static void fill_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n < 0)
			_exit(EXIT_SETUP);
		if (n != fd) {
			if (dup2(n, fd) < 0)
				_exit(EXIT_SETUP);
			close(n);
		}
	}
}

/* Inherited descriptors (a leaky caller's) go nowhere near the sandbox. */
static int close_inherited_fds(int keep)
{
	int r;

	if (keep < 3)
		return close_fds_from(3);
	for (int fd = 3; fd < keep; fd++)
		close(fd);
	r = close_fds_from(keep + 1);
	return r;
}

/* Options of the contract that this version parses but cannot honour yet: refuse them rather
 * than run without the isolation or the limit the user asked for. */
static bool not_yet_available(const struct config *cfg)
{
	const char *opt = cfg->name	? "--name"
			  : cfg->memory ? "--memory"
			  : cfg->pids	? "--pids"
			  : cfg->cpus > 0 ? "--cpus"
					: NULL;

	if (!opt)
		return false;
	warnx("%s: not available in this version yet", opt);
	return true;
}

int main(int argc, char *argv[])
{
	struct config cfg;
	char err[512];
	int code;

	fill_std_fds();
	/* Installed setuid or setgid, we would be a privilege escalation waiting to happen. */
	if (getauxval(AT_SECURE) || getuid() != geteuid() || getgid() != getegid()) {
		warnx("refusing to run setuid or setgid: sandbox needs no privilege; remove the bit");
		return EXIT_SETUP;
	}
	if (options_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
		warnx("%s", err);
		config_free(&cfg);
		return EXIT_SETUP;
	}
	log_verbose = cfg.verbose;
	switch (cfg.cmd) {
	case CMD_HELP:
		options_usage(stdout);
		code = fflush(stdout) == 0 ? 0 : EXIT_SETUP;
		break;
	case CMD_VERSION:
		printf("sandbox %s\n", PACKAGE_VERSION);
		code = fflush(stdout) == 0 ? 0 : EXIT_SETUP;
		break;
	case CMD_RUN:
		if (not_yet_available(&cfg)) {
			code = EXIT_SETUP;
			break;
		}
		if (security_check(&cfg, err, sizeof(err)) < 0) {
			warnx("%s", err);
			code = EXIT_SETUP;
			break;
		}
		if (close_inherited_fds(cfg.status_fd) < 0) {
			warn_errno(errno, "close inherited file descriptors");
			code = EXIT_SETUP;
			break;
		}
		signal(SIGPIPE, SIG_IGN);
		code = supervisor_run(&cfg);
		break;
	default:
		warnx("%s: not available in this version yet", cfg.cmd == CMD_EXEC ? "exec" : "list");
		code = EXIT_SETUP;
	}
	config_free(&cfg);
	return code;
}
