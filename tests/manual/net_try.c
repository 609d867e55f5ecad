/* net_try.c: run a command in a new user + network namespace with the sandbox's network, without
 * the rest of the sandbox (no mount namespace, no pivot): a manual test of net.h.
 *
 *   net_try [-l] [-m MTU] [-n none|host|slirp] [-p SPEC]... -- COMMAND [ARG...]
 *
 * -l is --allow-host-loopback. Exit status: COMMAND's, or 125 when the network failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "options.h"
#include "publish.h"

static void write_map(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		fprintf(stderr, "net_try: %s: %s\n", path, strerror(errno));
		_exit(125);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	static struct publish pubs[32];
	struct config cfg = { .net = NET_SLIRP, .mtu = DEFAULT_MTU };
	struct net_helper h = NET_HELPER_INIT;
	char err[300];
	int opt, child_sock, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "lm:n:p:")) != -1) {
		switch (opt) {
		case 'l':
			cfg.allow_host_loopback = true;
			break;
		case 'm':
			cfg.mtu = (unsigned)atoi(optarg);
			break;
		case 'n':
			cfg.net = strcmp(optarg, "none") == 0	? NET_NONE
				  : strcmp(optarg, "host") == 0 ? NET_HOST
								: NET_SLIRP;
			break;
		case 'p':
			if (publish_parse(optarg, &pubs[cfg.npublish], err, sizeof(err)) < 0) {
				fprintf(stderr, "sandbox: -p: %s\n", err);
				return 125;
			}
			cfg.npublish++;
			break;
		default:
			return 125;
		}
	}
	cfg.publish = pubs;
	if (optind >= argc)
		return 125;

	if (net_helper_start(&cfg, &h, &child_sock, err, sizeof(err)) < 0) {
		fprintf(stderr, "sandbox: %s\n", err);
		return 125;
	}
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid = fork();
	if (pid == 0) {
		char map[64];

		if (unshare(CLONE_NEWUSER | (cfg.net == NET_HOST ? 0 : CLONE_NEWNET)) < 0) {
			perror("unshare");
			_exit(125);
		}
		snprintf(map, sizeof(map), "0 %u 1\n", uid);
		write_map("/proc/self/uid_map", map);
		write_map("/proc/self/setgroups", "deny\n");
		snprintf(map, sizeof(map), "0 %u 1\n", gid);
		write_map("/proc/self/gid_map", map);
		if (net_child_setup(&cfg, child_sock, err, sizeof(err)) < 0) {
			fprintf(stderr, "sandbox: network: %s\n", err);
			_exit(125);
		}
		execvp(argv[optind], argv + optind);
		perror("exec");
		_exit(127);
	}
	if (child_sock >= 0)
		close(child_sock);
	if (net_helper_wait_ready(&h, err, sizeof(err)) < 0) {
		fprintf(stderr, "sandbox: %s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		net_helper_stop(&h);
		return 125;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	net_helper_stop(&h);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
