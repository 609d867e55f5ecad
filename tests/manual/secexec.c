/* secexec: apply the command-side security steps to itself and exec a command, for trying them
 * by hand before the core wires them in (run it inside `unshare -Ur` as an unprivileged user):
 *   secexec [-u UID:GID] [-a CAP] [-d CAP] [-n] [-s] -- COMMAND [ARG...]
 * -a/-d: --cap-add/--cap-drop, in order; -n: no seccomp; -s: skip no_new_privs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "secfilter.h"

int main(int argc, char **argv)
{
	struct cap_change ch[64];
	size_t n = 0;
	bool user = false, sec = true, nnp = true;
	unsigned uid = 0, gid = 0;
	char err[256];
	int o;

	while ((o = getopt(argc, argv, "+u:a:d:ns")) != -1) {
		switch (o) {
		case 'u':
			if (sscanf(optarg, "%u:%u", &uid, &gid) != 2)
				return 2;
			user = true;
			break;
		case 'a':
		case 'd':
			if (n == 64)
				return 2;
			ch[n].add = o == 'a';
			ch[n++].name = optarg;
			break;
		case 'n':
			sec = false;
			break;
		case 's':
			nnp = false;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc)
		return 2;

	uint64_t set;
	if (caps_plan(ch, n, !user || uid == 0, &set, err, sizeof(err)) < 0) {
		fprintf(stderr, "secexec: %s\n", err);
		return 125;
	}
	if (user && security_switch_user(uid, gid, set, err, sizeof(err)) < 0) {
		fprintf(stderr, "secexec: switch user: %s\n", err);
		return 125;
	}
	if (caps_apply(set, err, sizeof(err)) < 0) {
		fprintf(stderr, "secexec: capabilities: %s\n", err);
		return 125;
	}
	if (nnp && security_no_new_privs(err, sizeof(err)) < 0) {
		fprintf(stderr, "secexec: %s\n", err);
		return 125;
	}
	if (sec && secfilter_apply_default(err, sizeof(err)) < 0) {
		fprintf(stderr, "secexec: seccomp: %s\n", err);
		return 125;
	}
	execvp(argv[optind], argv + optind);
	perror("secexec: exec");
	return 127;
}
