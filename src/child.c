/* child.c: setup inside the new namespaces, one step a line. The order:
 *  1. die with the supervisor (PR_SET_PDEATHSIG), then wait for GO: until the supervisor has
 *     written our uid/gid maps we are nobody and can do nothing that needs an id;
 *  2. drop supplementary groups (when setgroups is allowed) and set the hostname;
 *  3. the network: lo up, and for slirp the tap device, whose fd goes out to the helper; done
 *     before pivot_root because /dev/net/tun is the host's;
 *  4. the filesystem (mount.c), ending with pivot_root into the new root;
 *  5. a pseudo-terminal from the sandbox's own devpts when COMMAND gets one; its master goes
 *     out to the supervisor;
 *  6. with slirp, wait until the network helper is up (its ports bound);
 *  7. become init (init.c), which forks COMMAND.
 * A failing step sends (errno, text) to the supervisor, which prints it, and exits 125. */
#include "config.h"

#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "chan.h"
#include "init.h"
#include "log.h"
#include "mount.h"
#include "net.h"
#include "tty.h"
#include "util.h"

static void wait_for(int chan, enum chan_msg_type type)
{
	struct chan_msg m = { 0 };
	int r = chan_recv(chan, &m);

	/* EOF: the supervisor is gone (or gave up, and says why itself). */
	if (r < 0 || m.type != type)
		_exit(EXIT_SETUP);
}

static void setup_identity(const struct child_args *a)
{
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		chan_fail(a->chan, errno, "setgroups");
	if (sethostname(a->hostname, strlen(a->hostname)) < 0)
		chan_fail(a->chan, errno, "hostname %s", a->hostname);
}

static int open_tty(const struct child_args *a)
{
	char err[256];
	int master, slave;

	if (tty_open_pair(&master, &slave, err, sizeof(err)) < 0)
		chan_fail(a->chan, 0, "%s", err);
	struct chan_msg m = { .type = CHAN_MSG_PTY };
	int r = chan_send_fd(a->chan, &m, master);
	if (r < 0)
		chan_fail(a->chan, -r, "tty: pass the master to the supervisor");
	close(master);
	return slave;
}

void child_main(const struct child_args *a)
{
	char err[512];
	struct command_ctx ctx = { .plan = a->cmd, .tty_slave = -1, .linger_for_tcp = a->net->slirp,
				   .fast_connect = a->net->fast_connect, .chan = -1 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		chan_fail(a->chan, errno, "prctl PR_SET_PDEATHSIG");
	wait_for(a->chan, CHAN_MSG_GO);
	/* Only now: a process that is not dumpable has its /proc files owned by the host's root,
	 * and the maps had to be written there first. Afterwards nothing inside may read
	 * /proc/1/mem or /proc/1/exe, nor ptrace us (runc CVE-2019-5736). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		chan_fail(a->chan, errno, "prctl PR_SET_DUMPABLE");
	setup_identity(a);
	/* While /proc/sys is still the caller's procfs, writable by our user namespace's root. */
	if (ucount_apply_share(&a->caller_limits, err, sizeof(err)) < 0)
		chan_fail(a->chan, 0, "%s", err);
	/* The reason is in err already. */
	if (net_child_setup(a->net, a->net_sock, err, sizeof(err)) < 0)
		chan_fail(a->chan, 0, "%s", err);
	if (mount_setup_root(a->plan, err, sizeof(err)) < 0)
		chan_fail(a->chan, 0, "%s", err);
	if (a->want_tty)
		ctx.tty_slave = open_tty(a);
	if (a->net->slirp)
		wait_for(a->chan, CHAN_MSG_NET_OK);
	init_run(&ctx, a->chan);
}
