/* userns.c: write uid_map/gid_map of the sandbox's child, through newuidmap/newgidmap when the
 * user has subordinate ranges, else as the single mapping with setgroups denied. */
#include "config.h"

#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

extern char **environ;

/* A setuid helper in the usual places; no PATH games with a setuid program. */
static bool find_helper(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(out, len, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* The single mapping of the mode: 0 -> own, or own -> own for keep-id. */
static void single_map(bool keep_id, uint32_t own, struct idmap *m)
{
	if (keep_id)
		idmap_keep_id(own, NULL, m);
	else
		idmap_single(own, m);
}

static int range_map(bool keep_id, uint32_t own, const struct subid_span *range, struct idmap *m)
{
	return keep_id ? idmap_keep_id(own, range, m) : idmap_with_range(own, range, m);
}

#define SUBID_FIX "as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s"

void userns_plan(enum map_mode mode, uid_t uid, gid_t gid, struct userns_plan *plan)
{
	struct subid_span ur, gr;
	const char *user = NULL;
	struct passwd *pw;
	struct idmap u, g;

	memset(plan, 0, sizeof(*plan));
	plan->keep_id = mode == MAP_KEEP_ID;
	plan->need_range = mode == MAP_SUBID;
	single_map(plan->keep_id, uid, &plan->uids);
	single_map(plan->keep_id, gid, &plan->gids);
	if (mode == MAP_SELF)
		return;
	/* Under no_new_privs (in another sandbox, say) setuid newuidmap gains nothing and fails:
	 * the single mapping is what can work, silently (no fix to name); --map subid refuses. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		if (plan->need_range)
			snprintf(plan->no_range, sizeof(plan->no_range),
				 "no_new_privs is set (a sandbox inside a sandbox?): setuid newuidmap cannot map a range");
		debug("map: no_new_privs is set (a sandbox inside a sandbox?): newuidmap cannot help, "
		      "mapping only uid %u", (unsigned)uid);
		return;
	}
	/* The host's own user database, before anything of the rootfs is touched. */
	pw = getpwuid(uid);
	if (pw)
		user = pw->pw_name;
	if (!find_helper("newuidmap", plan->newuidmap, sizeof(plan->newuidmap)) ||
	    !find_helper("newgidmap", plan->newgidmap, sizeof(plan->newgidmap))) {
		snprintf(plan->no_range, sizeof(plan->no_range),
			 "newuidmap and newgidmap not found (install them: Debian's uidmap package)");
	} else if (subid_lookup("/etc/subuid", user, uid, SUBID_UIDS, &ur) < 0 ||
		   subid_lookup("/etc/subgid", user, uid, SUBID_GIDS, &gr) < 0) {
		snprintf(plan->no_range, sizeof(plan->no_range),
			 "no subordinate ids for %s in /etc/subuid and /etc/subgid (" SUBID_FIX ")",
			 user ? user : "your uid", user ? user : "USER");
	} else if (range_map(plan->keep_id, uid, &ur, &u) < 0 || range_map(plan->keep_id, gid, &gr, &g) < 0) {
		snprintf(plan->no_range, sizeof(plan->no_range),
			 "the subordinate range of %s holds its own id (fix /etc/subuid and /etc/subgid)",
			 user ? user : "your uid");
	} else {
		plan->uids = u;
		plan->gids = g;
		plan->use_helpers = true;
		debug("map: %u ids from %u (uids) besides %u, via %s", ur.count, ur.start, (unsigned)uid,
		      plan->newuidmap);
		return;
	}
	debug("map: %s", plan->no_range);
}

static int write_proc(pid_t pid, const char *file, const char *text, char *err, size_t errlen)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	r = write_file_at(AT_FDCWD, path, text);
	if (r < 0)
		return err_set(err, errlen, -r, "map: writing %s", path);
	return 0;
}

static int apply_single(const struct userns_plan *plan, pid_t pid, char *err, size_t errlen)
{
	char buf[64];
	int r;

	/* Without setgroups denied the kernel refuses an unprivileged gid_map. */
	r = write_proc(pid, "setgroups", "deny", err, errlen);
	if (r < 0)
		return r;
	if (idmap_format(&plan->uids, buf, sizeof(buf)) < 0)
		return -ENOSPC;
	r = write_proc(pid, "uid_map", buf, err, errlen);
	if (r < 0)
		return r;
	if (idmap_format(&plan->gids, buf, sizeof(buf)) < 0)
		return -ENOSPC;
	return write_proc(pid, "gid_map", buf, err, errlen);
}

struct helper_run {
	pid_t pid;
	int errfd; /* read end of its stderr */
};

static int spawn_helper(const char *prog, const struct idmap *m, pid_t target, struct helper_run *run)
{
	char store[256];
	char *argv[3 * IDMAP_MAX + 3];
	int pipefd[2];
	posix_spawn_file_actions_t fa;
	int r;

	if (idmap_helper_argv(prog, target, m, store, sizeof(store), argv) < 0)
		return -ENOSPC;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	r = posix_spawn(&run->pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}
	run->errfd = pipefd[0];
	return 0;
}

/* Wait for a helper; on failure describe it from its own first line of output. */
static int finish_helper(const char *prog, struct helper_run *run, char *err, size_t errlen)
{
	char out[512];
	ssize_t n = read_all(run->errfd, out, sizeof(out) - 1);
	int status;

	close(run->errfd);
	while (waitpid(run->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return err_set(err, errlen, -EPERM, "map: %s failed%s%s (try --map self)", prog, out[0] ? ": " : "", out);
}

static bool map_written(pid_t pid, const char *file)
{
	char path[64], c;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1;
}

static int apply_helpers(const struct userns_plan *plan, pid_t pid, char *err, size_t errlen)
{
	struct helper_run u, g;
	char gerr[256] = "";
	int r, ru, rg;

	/* Two setuid execs cost about 1.5 ms each: run them side by side. */
	r = spawn_helper(plan->newuidmap, &plan->uids, pid, &u);
	if (r < 0) {
		return err_set(err, errlen, -r, "map: starting %s", plan->newuidmap);
	}
	r = spawn_helper(plan->newgidmap, &plan->gids, pid, &g);
	if (r < 0) {
		err_set(err, errlen, -r, "map: starting %s", plan->newgidmap);
		finish_helper(plan->newuidmap, &u, gerr, sizeof(gerr));
		return r;
	}
	ru = finish_helper(plan->newuidmap, &u, err, errlen);
	rg = finish_helper(plan->newgidmap, &g, gerr, sizeof(gerr));
	if (ru == 0 && rg == 0)
		return 0;
	if (ru == 0)
		err_set(err, errlen, rg, "%s", gerr);
	/* Nothing written yet (a helper that refused our range): the single mapping still works. */
	if (!plan->need_range && !map_written(pid, "uid_map") && !map_written(pid, "gid_map")) {
		debug("%s; falling back to the single mapping", err);
		struct userns_plan single = *plan;
		single_map(plan->keep_id, (uint32_t)getuid(), &single.uids);
		single_map(plan->keep_id, (uint32_t)getgid(), &single.gids);
		return apply_single(&single, pid, err, errlen);
	}
	return -EPERM;
}

int userns_apply(const struct userns_plan *plan, pid_t pid, char *err, size_t errlen)
{
	if (plan->use_helpers)
		return apply_helpers(plan, pid, err, errlen);
	return apply_single(plan, pid, err, errlen);
}
