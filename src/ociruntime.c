/* ociruntime.c: the OCI lifecycle on the sandbox's executors.
 *
 * create clones the container's process into the namespaces config.json lists (joining those
 * with a path), lets it build its root with mount_setup_root (the same executor as a sandbox's,
 * from ociconf_mountplan's plan) and open its console, then exits: the process waits,
 * already pivoted, in open(2) of ROOT/ID/exec.fifo for writing. Its parent is gone, so it is
 * adopted by the caller's subreaper (conmon, containerd-shim), which reaps it and reads its
 * status, as with runc. start opens the fifo for reading, which lets the process go on: it
 * writes one byte and runs command_exec by the plan config.json's process made, as PID 1 of
 * its pid namespace (no sandbox-init: the caller's subreaper is the one that waits).
 *
 * The parent and the process talk over a socketpair as the sandbox's supervisor and child do
 * (chan.h): GO once its maps are written, ERROR with the failed step, STARTED when it waits at
 * the fifo. Errors travel back and are printed once, by the parent. */
#include "config.h"

#include "ociruntime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "chan.h"
#include "command.h"
#include "log.h"
#include "mount.h"
#include "ociconf.h"
#include "ociseccomp.h"
#include "ocistate.h"
#include "registry.h"
#include "tty.h"
#include "ucount.h"
#include "util.h"

#define FIFO "exec.fifo"
#define EXIT_FAIL 1 /* what runc returns; conmon and the shims only look for non-zero */

extern char **environ;

/* --- small helpers --------------------------------------------------------------------- */

/* Once this process has joined a container's pid namespace (exec: all its namespaces; create:
 * the pid namespace its children enter), its /proc and the pids it would see no longer agree:
 * exit handlers that read /proc/self or clone a helper task (LeakSanitizer's exit-time check
 * spins there) must not run. Everything is released by the caller; stdio is flushed here. */
static _Noreturn void exit_without_handlers(int code)
{
	fflush(NULL);
	_exit(code);
}

static char *read_text_at(int dirfd, const char *path, size_t max, char *err, size_t errlen)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		err_set(err, errlen, errno, "%s", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		err_set(err, errlen, -EINVAL, "%s: not a regular file of at most %zu bytes", path, max);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err_set(err, errlen, ENOMEM, "%s", path);
		return NULL;
	}
	ssize_t n = read_all(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		err_set(err, errlen, errno, "read %s", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int state_write_at(int dirfd, const char *name, const char *text, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, text, len) < 0)
		return -errno;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		return -errno;
	return 0;
}

/* The pid file the caller reads, written whole and renamed into place. Its directory is held
 * open from before any setns (exec joins the container's mount namespace, where the path
 * means something else). */
struct pid_file {
	int dir;
	char base[NAME_MAX + 1];
};

static int pid_file_open(const char *path, struct pid_file *pf)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	pf->dir = -1;
	if (!path[0] || (slash && !slash[1]) || strlen(slash ? slash + 1 : path) > NAME_MAX - 4 ||
	    (slash && (size_t)(slash - path) >= sizeof(dir)))
		return -EINVAL;
	snprintf(pf->base, sizeof(pf->base), "%s", slash ? slash + 1 : path);
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	pf->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return pf->dir < 0 ? -errno : 0;
}

static int pid_file_write(struct pid_file *pf, pid_t pid)
{
	char buf[32], tmp[NAME_MAX + 8];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	_cleanup_close_ int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", pf->base);
	fd = openat(pf->dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, buf, (size_t)n) < 0)
		return -errno;
	if (renameat(pf->dir, tmp, pf->dir, pf->base) < 0)
		return -errno;
	return 0;
}

static void pid_file_close(struct pid_file *pf)
{
	if (pf->dir >= 0)
		close(pf->dir);
	pf->dir = -1;
}

static int open_root(const struct oci_ctx *ctx, bool create)
{
	if (create && mkdir(ctx->root, 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Whether pid is the container's process, alive (a zombie is not: it has stopped). */
static bool process_alive(pid_t pid, unsigned long long start)
{
	char path[64], buf[1024];
	unsigned long long s;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return false;
	return registry_parse_start_time(buf, &s) == 0 && s == start;
}

/* A container's directory, its state and status. */
struct container {
	int dir;
	struct oci_state st;
	enum oci_status status;
};

static void container_close(struct container *c)
{
	if (c->dir >= 0)
		close(c->dir);
	c->dir = -1;
}

/* -ENOENT (said so) when there is no such container. */
static int container_load(const struct oci_ctx *ctx, const char *id, struct container *c, bool quiet_missing)
{
	_cleanup_close_ int root = -1;
	_cleanup_free_ char *text = NULL;
	char err[512];
	struct stat st;

	c->dir = -1;
	if (!ocistate_id_valid(id)) {
		warnx("container id '%s': not valid (letters, digits, _+-. )", id);
		return -EINVAL;
	}
	root = open_root(ctx, false);
	if (root >= 0)
		c->dir = openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0 || c->dir < 0) {
		if (!quiet_missing)
			warnx("container %s: does not exist", id);
		return -ENOENT;
	}
	text = read_text_at(c->dir, "state", 16384, err, sizeof(err));
	if (!text || ocistate_parse(text, &c->st, err, sizeof(err)) < 0) {
		warnx("container %s: %s", id, err);
		container_close(c);
		return -EINVAL;
	}
	if (!process_alive(c->st.pid, c->st.start))
		c->status = OCI_STOPPED;
	else
		c->status = fstatat(c->dir, FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0 ? OCI_CREATED : OCI_RUNNING;
	return 0;
}

static int container_config(const struct container *c, struct oci_config *conf)
{
	_cleanup_free_ char *text = NULL;
	char err[512];

	text = read_text_at(c->dir, "config.json", 8 << 20, err, sizeof(err));
	if (!text || ociconf_parse(text, strlen(text), conf, err, sizeof(err)) < 0) {
		warnx("%s", err);
		return -EINVAL;
	}
	return 0;
}

static void remove_container_dir(const struct oci_ctx *ctx, const char *id)
{
	_cleanup_close_ int root = open_root(ctx, false);
	static const char *const files[] = { FIFO, "state", "state.tmp", "config.json", "config.json.tmp" };

	if (root < 0)
		return;
	_cleanup_close_ int dir = openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (size_t i = 0; dir >= 0 && i < ARRAY_SIZE(files); i++)
		unlinkat(dir, files[i], 0);
	if (unlinkat(root, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		warn_errno(errno, "container %s: remove its state", id);
}

/* --- hooks ----------------------------------------------------------------------------- */

/* Run one hook with the state JSON on its stdin, within its timeout. 0, or -1 said. */
static int run_hook(const struct oci_hook *h, const char *state_json, const char *kind)
{
	char *const just_path[] = { h->path, NULL };
	char *const no_env[] = { NULL };
	int in[2], pidfd = -1, status;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0) {
		warn_errno(errno, "hook %s: pipe", kind);
		return -1;
	}
	pid = clone_pidfd(0, &pidfd, -1);
	if (pid < 0) {
		warn_errno(errno, "hook %s: fork", kind);
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) < 0)
			_exit(127);
		execve(h->path, h->args ? h->args : just_path, h->env ? h->env : no_env);
		warn_errno(errno, "hook %s: exec %s", kind, h->path);
		_exit(127);
	}
	close(in[0]);
	/* A hook that does not read its stdin must not block us. */
	signal(SIGPIPE, SIG_IGN);
	(void)write_all(in[1], state_json, strlen(state_json));
	close(in[1]);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r = poll(&p, 1, h->timeout > 0 ? h->timeout * 1000 : -1);
	if (r == 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		warnx("hook %s: %s: timed out after %d s", kind, h->path, h->timeout);
	}
	close(pidfd);
	if (waitpid(pid, &status, 0) < 0) {
		warn_errno(errno, "hook %s: wait", kind);
		return -1;
	}
	if (r == 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		warnx("hook %s: %s: failed (%s %d)", kind, h->path, WIFEXITED(status) ? "exit" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

static int run_hooks(const struct oci_config *conf, enum oci_hook_kind k, const char *id, enum oci_status status,
		     pid_t pid, const char *bundle)
{
	static const char *const names[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop" };
	_cleanup_free_ char *json = NULL;

	if (!conf->nhooks[k])
		return 0;
	json = ocistate_json(id, status, pid, bundle, conf->annotations);
	if (!json) {
		warn_errno(ENOMEM, "hook %s", names[k]);
		return -1;
	}
	for (size_t i = 0; i < conf->nhooks[k]; i++)
		if (run_hook(&conf->hooks[k][i], json, names[k]) < 0)
			return -1;
	return 0;
}

/* --- console --------------------------------------------------------------------------- */

static int connect_console(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		warnx("--console-socket %s: path too long", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		warn_errno(errno, "--console-socket %s: connect", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The pty master to the caller's console socket, by SCM_RIGHTS, with its name as the
 * payload (what runc sends; conmon and the shims take the fd). 0 or -errno. */
static int send_console(int sock, int master)
{
	char name[64] = "/dev/ptmx";
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { name, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	int n;

	if (ioctl(master, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%d", n);
	iov.iov_len = strlen(name);
	memset(u.buf, 0, sizeof(u.buf));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* In the container: a pty pair from its own devpts; the master goes to the console socket.
 * The slave, or -errno with the step in err. */
static int open_console(int sock, char *err, size_t errlen)
{
	int master, slave, r;

	r = tty_open_pair(&master, &slave, err, errlen);
	if (r < 0)
		return r;
	r = send_console(sock, master);
	close(master);
	if (r < 0) {
		close(slave);
		return err_set(err, errlen, -r, "console: send the pty to the console socket");
	}
	return slave;
}

/* --- create ---------------------------------------------------------------------------- */

struct create_job {
	const struct oci_config *conf;
	const struct mountplan *plan;
	struct command_plan *cmd;
	int nsfds[8];          /* namespaces to join in the child, by index in conf->namespaces */
	int fifo_dir;          /* ROOT/ID */
	int console;           /* the console socket, or -1 */
	int chan;              /* the child's end */
	int preserve_fds;
	const char *id, *bundle; /* for the hooks' state */
	struct ucount_limits caller_limits; /* with a user namespace of ours: the caller's */
};

/* The hooks of create, once the mounts are made and before pivot_root, in the spec's order:
 * prestart and createRuntime in the runtime's namespaces (the runtime runs them when we ask,
 * and says GO), then createContainer here, in the container's namespaces (the hooks' paths are
 * the caller's). The state, as the spec and runc give it: "creating"; here the pid as the
 * container sees it. */
static int create_hooks(void *data, char *err, size_t errlen)
{
	const struct create_job *j = data;
	struct chan_msg m = { .type = CHAN_MSG_HOOKS };

	if (j->conf->nhooks[OCI_HOOK_PRESTART] || j->conf->nhooks[OCI_HOOK_CREATE_RUNTIME]) {
		if (chan_send(j->chan, &m) < 0)
			return err_set(err, errlen, errno, "ask for the createRuntime hooks");
		/* A failed hook: the runtime says so and kills us. */
		if (chan_recv(j->chan, &m) < 0 || m.type != CHAN_MSG_GO)
			_exit(EXIT_FAIL);
	}
	if (run_hooks(j->conf, OCI_HOOK_CREATE_CONTAINER, j->id, OCI_CREATING, getpid(), j->bundle) < 0)
		return err_set(err, errlen, -EINVAL, "config.json: hooks.createContainer: failed");
	return 0;
}

static void write_proc_value(int chan, const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write_all(fd, value, strlen(value)) < 0)
		chan_fail(chan, errno, "%s", path);
}

/* linux.sysctl: written before the new /proc (and its read-only /proc/sys) exists; the net
 * and ipc entries of /proc/sys are those of the writer's namespaces, which are ours now. */
static void apply_sysctls(const struct create_job *j)
{
	for (char **s = j->conf->sysctl; s && s[0] && s[1]; s += 2) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", s[0]);

		if (n >= (int)sizeof(path) || strstr(s[0], "..") || strchr(s[0], '/'))
			chan_fail(j->chan, 0, "config.json: linux.sysctl: '%.64s' not valid", s[0]);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		write_proc_value(j->chan, path, s[1]);
	}
}

__attribute__((noreturn)) static void create_child(struct create_job *j)
{
	const struct oci_config *conf = j->conf;
	struct command_ctx ctx = { .plan = j->cmd, .tty_slave = -1, .keep_fds = j->preserve_fds };
	struct chan_msg m = { 0 };
	char err[512];
	int fifo, r;

	/* Until GO: the parent may die, or fail to write our maps. */
	if (chan_recv(j->chan, &m) < 0 || m.type != CHAN_MSG_GO)
		_exit(EXIT_FAIL);
	/* As the sandbox's child, once the maps are written: nothing in the container may read
	 * our memory or /proc/PID/exe, nor ptrace us, before COMMAND's exec replaces us (runc
	 * CVE-2019-5736). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		chan_fail(j->chan, errno, "prctl PR_SET_DUMPABLE");
	for (size_t i = 0; i < conf->nnamespaces; i++)
		if (j->nsfds[i] >= 0 && conf->namespaces[i].type != CLONE_NEWPID &&
		    setns(j->nsfds[i], conf->namespaces[i].type) < 0)
			chan_fail(j->chan, errno, "join namespace %s", conf->namespaces[i].path);
	const struct oci_namespace *userns = ociconf_namespace(conf, CLONE_NEWUSER);
	if (userns) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			chan_fail(j->chan, errno, "become root of the user namespace");
		/* A user namespace we made gets a share of the caller's limits, as a sandbox's
		 * does, so a container cannot take all of them (ucount.h); a joined one keeps its. */
		if (!userns->path && ucount_apply_share(&j->caller_limits, err, sizeof(err)) < 0)
			chan_fail(j->chan, 0, "%s", err);
	}
	if (conf->hostname && sethostname(conf->hostname, strlen(conf->hostname)) < 0)
		chan_fail(j->chan, errno, "hostname %s", conf->hostname);
	if (conf->domainname && setdomainname(conf->domainname, strlen(conf->domainname)) < 0)
		chan_fail(j->chan, errno, "domainname %s", conf->domainname);
	apply_sysctls(j);
	if (conf->process.oom_score_adj_set) {
		char v[16];
		snprintf(v, sizeof(v), "%d", conf->process.oom_score_adj);
		write_proc_value(j->chan, "/proc/self/oom_score_adj", v);
	}
	/* The fifo is outside the new root: hold it by an O_PATH fd across pivot_root. */
	fifo = openat(j->fifo_dir, FIFO, O_PATH | O_CLOEXEC);
	if (fifo < 0)
		chan_fail(j->chan, errno, "open %s", FIFO);
	if (mount_setup_root(j->plan, err, sizeof(err)) < 0)
		chan_fail(j->chan, 0, "%s", err);
	if (j->console >= 0) {
		ctx.tty_slave = open_console(j->console, err, sizeof(err));
		if (ctx.tty_slave < 0)
			chan_fail(j->chan, 0, "%s", err);
		close(j->console);
	}
	struct chan_msg started = { .type = CHAN_MSG_STARTED };
	if (chan_send(j->chan, &started) < 0)
		_exit(EXIT_FAIL);
	close(j->chan);
	/* Wait for start: opening a fifo for writing blocks until someone opens it to read. */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fifo);
	int w;
	do
		w = open(self, O_WRONLY | O_CLOEXEC);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		die_errno(errno, "wait for start: open %s", FIFO);
	/* startContainer: start was called, the command not yet run (paths in the container):
	 * "created", the pid as the container sees it. A failure ends the process before the
	 * byte start waits for: start fails. */
	if (run_hooks(conf, OCI_HOOK_START_CONTAINER, j->id, OCI_CREATED, getpid(), j->bundle) < 0)
		_exit(EXIT_FAIL);
	r = write_all(w, "0", 1);
	if (r < 0)
		die_errno(errno, "wait for start: write %s", FIFO);
	close(w);
	close(fifo);
	command_exec(&ctx);
}

static int write_proc_file(const char *path, const char *text, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return -errno;
	return 0;
}

/* Write the maps of a new user namespace ourselves: we run as root of the caller's (podman's)
 * user namespace, which may map any id it has. */
static int write_maps(pid_t pid, const struct oci_config *conf, char *err, size_t errlen)
{
	const struct oci_idmap *maps[2] = { conf->uid_mappings, conf->gid_mappings };
	size_t n[2] = { conf->nuid_mappings, conf->ngid_mappings };
	static const char *const files[2] = { "uid_map", "gid_map" };

	if (!n[0] || !n[1])
		return err_set(err, errlen, -EINVAL, "config.json: linux.uidMappings, gidMappings: needed with a user namespace");
	for (int k = 0; k < 2; k++) {
		char path[64], text[4096];
		size_t len = 0;
		for (size_t i = 0; i < n[k] && len < sizeof(text); i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n", maps[k][i].container,
						maps[k][i].host, maps[k][i].size);
		if (len >= sizeof(text))
			return err_set(err, errlen, -EINVAL, "config.json: linux.%s: too many", k ? "gidMappings" : "uidMappings");
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[k]);
		int r = write_proc_file(path, text, len);
		/* Without CAP_SETGID over the ids (a plain user, not podman's namespace) the kernel
		 * takes a gid map only once setgroups is denied. */
		if (r == -EPERM && k == 1) {
			char sg[64];
			snprintf(sg, sizeof(sg), "/proc/%d/setgroups", (int)pid);
			if (write_proc_file(sg, "deny", 4) == 0)
				r = write_proc_file(path, text, len);
		}
		if (r < 0)
			return err_set(err, errlen, -r, "write %s", path);
	}
	return 0;
}

static int read_bundle_config(const char *bundle, char **text, struct oci_config *conf)
{
	_cleanup_close_ int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char err[512];

	if (dir < 0) {
		warn_errno(errno, "--bundle %s", bundle);
		return -1;
	}
	*text = read_text_at(dir, "config.json", 8 << 20, err, sizeof(err));
	if (!*text) {
		warnx("--bundle %s: %s", bundle, err);
		return -1;
	}
	if (ociconf_parse(*text, strlen(*text), conf, err, sizeof(err)) < 0) {
		warnx("%s", err);
		return -1;
	}
	if (!conf->has_process) {
		warnx("config.json: process: missing");
		return -1;
	}
	if (!ociconf_namespace(conf, CLONE_NEWNS)) {
		warnx("config.json: linux.namespaces: a mount namespace is required");
		return -1;
	}
	return 0;
}

/* The user namespace config.json gives by path: joined by this process first, so that the
 * namespaces clone makes belong to it and the others can be joined with its capabilities. Not
 * dumpable from then on (the processes of that namespace could otherwise read our memory; no
 * maps are written to the child's /proc). Its maps are the namespace's: those config.json
 * lists, if any, must be them. 0 or -1, said. */
static int join_user_namespace(const struct oci_config *conf, const char *path)
{
	static const char *const names[2] = { "uidMappings", "gidMappings" };
	const struct oci_idmap *maps[2] = { conf->uid_mappings, conf->gid_mappings };
	size_t n[2] = { conf->nuid_mappings, conf->ngid_mappings };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		warn_errno(errno, "config.json: linux.namespaces: %s", path);
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		warn_errno(errno, "prctl PR_SET_DUMPABLE");
		return -1;
	}
	if (setns(fd, CLONE_NEWUSER) < 0) {
		warn_errno(errno, "config.json: linux.namespaces: join the user namespace %s", path);
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		/* Read from inside, the map shows the ids of the namespace's parent, as written
		 * (at most 340 lines of 33 bytes). */
		const char *file = k ? "/proc/self/gid_map" : "/proc/self/uid_map";
		char text[16384];
		if (!n[k])
			continue;
		_cleanup_close_ int mfd = open(file, O_RDONLY | O_CLOEXEC);
		ssize_t len = mfd < 0 ? -1 : read_all(mfd, text, sizeof(text) - 1);
		if (len < 0) {
			warn_errno(errno, "read %s", file);
			return -1;
		}
		text[len] = '\0';
		if (!ociconf_maps_match(maps[k], n[k], text)) {
			warnx("config.json: linux.%s: not those of the user namespace %s (leave them out to take its own)",
			      names[k], path);
			return -1;
		}
	}
	return 0;
}

/* linux.resources: the container's cgroup, made by the sandbox's cgroup code in the delegated
 * cgroup v2 (cgroup.h): linux.cgroupsPath below it, or sandbox-oci-ID. Its process is cloned
 * into it; it stays until delete. 0 (cg->dirfd -1 when there are no limits) or -1, said. */
static int setup_cgroup(struct oci_config *conf, const char *id, struct cgroup *cg)
{
	char name[NAME_MAX + 1], err[1024];

	cg->dirfd = cg->netfd = cg->topfd = cg->parentfd = -1;
	if (!cgroup_needed(&conf->limits))
		return 0;
	if (conf->cgroups_path && conf->cgroups_path[0]) {
		conf->limits.path = conf->cgroups_path;
	} else {
		if (snprintf(name, sizeof(name), "sandbox-oci-%s", id) >= (int)sizeof(name)) {
			warnx("container id '%.32s...': too long for the name of its cgroup (give linux.cgroupsPath)", id);
			return -1;
		}
		conf->limits.path = name;
	}
	int r = cgroup_setup(&conf->limits, cg, err, sizeof(err));
	conf->limits.path = NULL;
	if (r < 0) {
		warnx("%s", err);
		cgroup_remove(cg);
		return -1;
	}
	return 0;
}

/* Wait for the started byte through the fifo; the process is gone when it cannot come. */
static int open_fifo_and_wait(int dir, const struct oci_state *st, const char *id)
{
	_cleanup_close_ int fd = openat(dir, FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char b;

	if (fd < 0) {
		warn_errno(errno, "container %s: open %s", id, FIFO);
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 100);
		if (r < 0 && errno != EINTR) {
			warn_errno(errno, "container %s: poll", id);
			return -1;
		}
		if (r > 0 && read(fd, &b, 1) == 1)
			break;
		if (!process_alive(st->pid, st->start)) {
			warnx("container %s: its process ended before it started", id);
			return -1;
		}
	}
	if (unlinkat(dir, FIFO, 0) < 0)
		warn_errno(errno, "container %s: remove %s", id, FIFO);
	return 0;
}

static int do_start(int dir, const struct oci_config *conf, const struct oci_state *st, const char *id)
{
	if (open_fifo_and_wait(dir, st, id) < 0)
		return EXIT_FAIL;
	/* Failing poststart hooks do not stop the container (the spec: warn only). */
	run_hooks(conf, OCI_HOOK_POSTSTART, id, OCI_RUNNING, st->pid, st->bundle);
	return 0;
}

int ociruntime_create(const struct oci_ctx *ctx, const struct oci_create_opts *o)
{
	struct oci_config conf = { 0 };
	struct mountplan plan = { 0 };
	struct sock_fprog prog = { 0 };
	struct create_job j = { .fifo_dir = -1, .console = -1, .chan = -1, .preserve_fds = o->preserve_fds };
	struct oci_state st = { 0 };
	struct cgroup cg = { .dirfd = -1, .netfd = -1, .topfd = -1, .parentfd = -1 };
	_cleanup_free_ char *text = NULL, *bundle = NULL, *rootfs = NULL;
	_cleanup_close_ int root = -1, pidfd = -1;
	bool made_dir = false, joined_pid = false, keep_cgroup = false;
	char err[512];
	int code = EXIT_FAIL, sv[2] = { -1, -1 };
	pid_t pid = -1;

	for (size_t i = 0; i < ARRAY_SIZE(j.nsfds); i++)
		j.nsfds[i] = -1;
	if (!ocistate_id_valid(o->id)) {
		warnx("container id '%s': not valid (letters, digits, _+-. )", o->id);
		return EXIT_FAIL;
	}
	bundle = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!bundle) {
		warn_errno(errno, "--bundle %s", o->bundle ? o->bundle : ".");
		return EXIT_FAIL;
	}
	if (read_bundle_config(bundle, &text, &conf) < 0)
		goto out;
	if (conf.nnamespaces > ARRAY_SIZE(j.nsfds)) {
		warnx("config.json: linux.namespaces: too many");
		goto out;
	}
	if (conf.root[0] == '/')
		rootfs = strdup(conf.root);
	else if (asprintf(&rootfs, "%s/%s", bundle, conf.root) < 0)
		rootfs = NULL;
	if (!rootfs) {
		warn_errno(ENOMEM, "rootfs");
		goto out;
	}
	if (ociconf_mountplan(&conf, rootfs, &plan, err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto out;
	}
	if (conf.seccomp) {
		if (ociseccomp_compile(conf.seccomp, &prog, err, sizeof(err)) < 0) {
			warnx("%s", err);
			goto out;
		}
		conf.process.plan.filter = &prog;
	}
	if (conf.process.terminal) {
		if (!o->console_socket) {
			warnx("config.json: process.terminal: needs --console-socket");
			goto out;
		}
		j.console = connect_console(o->console_socket);
		if (j.console < 0)
			goto out;
	}

	root = open_root(ctx, true);
	if (root < 0) {
		warn_errno(-root, "--root %s", ctx->root);
		goto out;
	}
	if (mkdirat(root, o->id, 0700) < 0) {
		if (errno == EEXIST)
			warnx("container %s: already exists", o->id);
		else
			warn_errno(errno, "container %s: make its state directory", o->id);
		goto out;
	}
	made_dir = true;
	j.fifo_dir = openat(root, o->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (j.fifo_dir < 0 || state_write_at(j.fifo_dir, "config.json", text, strlen(text), 0600) < 0 ||
	    mkfifoat(j.fifo_dir, FIFO, 0600) < 0) {
		warn_errno(errno, "container %s: write its state", o->id);
		goto out;
	}

	if (setup_cgroup(&conf, o->id, &cg) < 0)
		goto out;
	const struct oci_namespace *userns = ociconf_namespace(&conf, CLONE_NEWUSER);
	if (userns && userns->path && join_user_namespace(&conf, userns->path) < 0)
		goto out;
	unsigned long long flags = 0;
	for (size_t i = 0; i < conf.nnamespaces; i++) {
		const struct oci_namespace *ns = &conf.namespaces[i];
		if (!ns->path) {
			flags |= (unsigned long long)ns->type;
			continue;
		}
		if (ns->type == CLONE_NEWUSER)
			continue; /* joined */
		j.nsfds[i] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (j.nsfds[i] < 0) {
			warn_errno(errno, "config.json: linux.namespaces: %s", ns->path);
			goto out;
		}
		/* A pid namespace is entered by our children: join it here. */
		if (ns->type == CLONE_NEWPID) {
			if (setns(j.nsfds[i], CLONE_NEWPID) < 0) {
				warn_errno(errno, "config.json: linux.namespaces: join %s", ns->path);
				goto out;
			}
			joined_pid = true;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		warn_errno(errno, "socketpair");
		goto out;
	}
	j.conf = &conf;
	j.plan = &plan;
	j.id = o->id;
	j.bundle = bundle;
	if (userns && !userns->path)
		ucount_read(&j.caller_limits);
	if (conf.nhooks[OCI_HOOK_PRESTART] || conf.nhooks[OCI_HOOK_CREATE_RUNTIME] ||
	    conf.nhooks[OCI_HOOK_CREATE_CONTAINER]) {
		plan.before_pivot = create_hooks;
		plan.before_pivot_data = &j;
	}
	j.cmd = &conf.process.plan;
	j.chan = sv[1];
	/* Into its cgroup from the start: it runs nothing before it is limited. */
	pid = clone_pidfd(flags, &pidfd, cg.dirfd);
	if (pid < 0) {
		warn_errno(errno, "clone the container's process");
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		create_child(&j);
	}
	close(sv[1]);
	sv[1] = -1;
	if (userns && !userns->path && write_maps(pid, &conf, err, sizeof(err)) < 0) {
		warnx("%s", err);
		goto kill;
	}
	struct chan_msg m = { .type = CHAN_MSG_GO };
	if (chan_send(sv[0], &m) < 0) {
		warn_errno(errno, "start the container's process");
		goto kill;
	}
	memset(&m, 0, sizeof(m));
	int got = chan_recv(sv[0], &m);
	if (got == 0 && m.type == CHAN_MSG_HOOKS) {
		/* Part of create (the spec's "creating"), in the runtime's namespaces: our pid. */
		if (run_hooks(&conf, OCI_HOOK_PRESTART, o->id, OCI_CREATING, pid, bundle) < 0 ||
		    run_hooks(&conf, OCI_HOOK_CREATE_RUNTIME, o->id, OCI_CREATING, pid, bundle) < 0)
			goto kill;
		m = (struct chan_msg){ .type = CHAN_MSG_GO };
		if (chan_send(sv[0], &m) < 0) {
			warn_errno(errno, "start the container's process");
			goto kill;
		}
		memset(&m, 0, sizeof(m));
		got = chan_recv(sv[0], &m);
	}
	if (got < 0 || m.type != CHAN_MSG_STARTED) {
		if (got == 0 && m.type == CHAN_MSG_ERROR)
			warnx("%s", m.text);
		else
			warnx("the container's process died during setup");
		goto kill;
	}
	st.pid = pid;
	st.created = (long long)time(NULL);
	snprintf(st.bundle, sizeof(st.bundle), "%s", bundle);
	if (cg.dirfd >= 0)
		snprintf(st.cgroup, sizeof(st.cgroup), "%s", cg.top);
	if (registry_start_time(pid, &st.start) < 0) {
		warnx("the container's process died during setup");
		goto kill;
	}
	char line[sizeof(st.bundle) + sizeof(st.cgroup) + 128];
	int n = ocistate_format(line, sizeof(line), &st);
	int r = state_write_at(j.fifo_dir, "state", line, (size_t)n, 0600);
	if (r < 0) {
		warn_errno(-r, "container %s: write its state", o->id);
		goto kill;
	}
	if (o->pid_file) {
		struct pid_file pf;
		r = pid_file_open(o->pid_file, &pf);
		if (r == 0)
			r = pid_file_write(&pf, pid);
		pid_file_close(&pf);
		if (r < 0) {
			warn_errno(-r, "--pid-file %s", o->pid_file);
			goto kill;
		}
	}
	made_dir = false;
	keep_cgroup = true;
	code = 0;
	if (o->run) {
		code = do_start(j.fifo_dir, &conf, &st, o->id);
		if (code != 0) {
			made_dir = true;
			keep_cgroup = false;
			goto kill;
		}
		if (!o->detach) {
			int status;
			if (waitpid(pid, &status, 0) < 0) {
				warn_errno(errno, "wait for the container");
				code = EXIT_FAIL;
			} else {
				code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				keep_cgroup = false;
				run_hooks(&conf, OCI_HOOK_POSTSTOP, o->id, OCI_STOPPED, 0, bundle);
				remove_container_dir(ctx, o->id);
			}
		}
	}
	goto out;
kill:
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
out:
	if (keep_cgroup)
		cgroup_release(&cg);
	else
		cgroup_remove(&cg);
	if (made_dir)
		remove_container_dir(ctx, o->id);
	for (size_t i = 0; i < ARRAY_SIZE(j.nsfds); i++)
		if (j.nsfds[i] >= 0)
			close(j.nsfds[i]);
	if (j.fifo_dir >= 0)
		close(j.fifo_dir);
	if (j.console >= 0)
		close(j.console);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(prog.filter);
	conf.process.plan.filter = NULL;
	mountplan_free(&plan);
	ociconf_free(&conf);
	if (joined_pid)
		exit_without_handlers(code);
	return code;
}

/* --- start, state, kill, delete -------------------------------------------------------- */

int ociruntime_start(const struct oci_ctx *ctx, const char *id)
{
	struct container c;
	struct oci_config conf = { 0 };
	int code = EXIT_FAIL;

	if (container_load(ctx, id, &c, false) < 0)
		return EXIT_FAIL;
	if (c.status != OCI_CREATED) {
		warnx("container %s: is %s, not created", id, ocistate_status_name(c.status));
		goto out;
	}
	if (container_config(&c, &conf) < 0)
		goto out;
	code = do_start(c.dir, &conf, &c.st, id);
out:
	ociconf_free(&conf);
	container_close(&c);
	return code;
}

int ociruntime_state(const struct oci_ctx *ctx, const char *id)
{
	struct container c;
	struct oci_config conf = { 0 };
	_cleanup_free_ char *json = NULL;
	int code = EXIT_FAIL;

	if (container_load(ctx, id, &c, false) < 0)
		return EXIT_FAIL;
	if (container_config(&c, &conf) < 0)
		goto out;
	json = ocistate_json(id, c.status, c.st.pid, c.st.bundle, conf.annotations);
	if (!json) {
		warn_errno(ENOMEM, "state");
		goto out;
	}
	printf("%s\n", json);
	code = fflush(stdout) == 0 ? 0 : EXIT_FAIL;
out:
	ociconf_free(&conf);
	container_close(&c);
	return code;
}

static int signal_process(const struct oci_state *st, int sig)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	/* The pidfd holds the process: checked after opening it, the pid cannot be reused. */
	if (pidfd < 0 || !process_alive(st->pid, st->start))
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

int ociruntime_kill(const struct oci_ctx *ctx, const char *id, int sig)
{
	struct container c;
	int r;

	if (container_load(ctx, id, &c, false) < 0)
		return EXIT_FAIL;
	container_close(&c);
	if (c.status == OCI_STOPPED) {
		warnx("container %s: not running", id);
		return EXIT_FAIL;
	}
	r = signal_process(&c.st, sig);
	if (r < 0) {
		warn_errno(-r, "container %s: kill", id);
		return EXIT_FAIL;
	}
	return 0;
}

int ociruntime_delete(const struct oci_ctx *ctx, const char *id, bool force)
{
	struct container c;
	struct oci_config conf = { 0 };

	int r = container_load(ctx, id, &c, force);
	if (r == -ENOENT && force)
		return 0; /* as runc: --force on a container that is gone is not an error */
	if (r < 0)
		return EXIT_FAIL;
	if (c.status == OCI_RUNNING && !force) {
		warnx("container %s: is running (stop it first, or --force)", id);
		container_close(&c);
		return EXIT_FAIL;
	}
	if (c.status != OCI_STOPPED) {
		(void)signal_process(&c.st, SIGKILL);
		for (int i = 0; i < 200 && process_alive(c.st.pid, c.st.start); i++)
			usleep(10000);
	}
	if (c.st.cgroup[0] && (r = cgroup_remove_path(c.st.cgroup)) < 0)
		warn_errno(-r, "container %s: remove its cgroup %s", id, c.st.cgroup);
	if (container_config(&c, &conf) == 0)
		run_hooks(&conf, OCI_HOOK_POSTSTOP, id, OCI_STOPPED, 0, c.st.bundle);
	ociconf_free(&conf);
	container_close(&c);
	remove_container_dir(ctx, id);
	return 0;
}

int ociruntime_list(const struct oci_ctx *ctx)
{
	_cleanup_close_ int root = open_root(ctx, false);
	DIR *d;
	struct dirent *e;

	printf("%-20s %-8s %-8s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	if (root < 0)
		return 0;
	d = fdopendir(dup(root));
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct container c;
		if (e->d_name[0] == '.' || container_load(ctx, e->d_name, &c, true) < 0)
			continue;
		printf("%-20s %-8d %-8s %s\n", e->d_name, (int)c.st.pid, ocistate_status_name(c.status), c.st.bundle);
		container_close(&c);
	}
	closedir(d);
	return 0;
}

/* --- exec ------------------------------------------------------------------------------ */

/* Append a copy of s to the NULL-terminated *v. 0 or -ENOMEM. */
static int strv_append(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] ? 0 : -ENOMEM;
}

static int exec_plan(const struct oci_exec_opts *o, const struct oci_config *conf, struct oci_process *p)
{
	char err[512];

	if (o->process_file) {
		_cleanup_free_ char *text = read_text_at(AT_FDCWD, o->process_file, 1 << 20, err, sizeof(err));
		if (!text || ociconf_parse_process(text, strlen(text), p, err, sizeof(err)) < 0) {
			warnx("--process %s: %s", o->process_file, err);
			return -1;
		}
		return 0;
	}
	if (!o->argv || !o->argv[0]) {
		warnx("exec: a command or --process is needed");
		return -1;
	}
	/* The container's process with another command. */
	memset(p, 0, sizeof(*p));
	struct command_plan *c = &p->plan;
	const struct command_plan *base = &conf->process.plan;
	*c = *base;
	c->argv = strv_dup(o->argv);
	c->env = strv_dup(base->env);
	c->workdir = strdup(o->cwd ? o->cwd : base->workdir);
	c->groups = NULL;
	c->ngroups = 0;
	c->rlimits = NULL;
	c->nrlimits = 0;
	if (!c->argv || !c->workdir || (base->env && !c->env)) {
		warn_errno(ENOMEM, "exec");
		return -1;
	}
	for (char **e = o->env; e && *e; e++)
		if (strv_append(&c->env, *e) < 0) {
			warn_errno(ENOMEM, "exec");
			return -1;
		}
	if (o->user) {
		unsigned uid, gid = 0;
		char extra;
		int n = sscanf(o->user, "%u:%u%c", &uid, &gid, &extra);
		if (n != 1 && n != 2) {
			warnx("--user %s: not UID[:GID]", o->user);
			return -1;
		}
		c->uid = uid;
		c->gid = gid;
		if (uid != 0)
			c->caps = 0;
	}
	p->terminal = o->tty;
	return 0;
}

/* Move this process into the cgroup where the container's process runs (top/main). */
static int join_cgroup(const char *top)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if (snprintf(path, sizeof(path), "%s/main", top) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_file_at(fd, "cgroup.procs", "0");
}

int ociruntime_exec(const struct oci_ctx *ctx, const struct oci_exec_opts *o)
{
	struct container c;
	struct oci_config conf = { 0 };
	struct oci_process p = { 0 };
	struct sock_fprog prog = { 0 };
	_cleanup_close_ int pidfd = -1, console = -1;
	struct pid_file pf = { .dir = -1 };
	char err[512];
	int code = EXIT_FAIL, status, r;
	bool joined = false;

	if (container_load(ctx, o->id, &c, false) < 0)
		return EXIT_FAIL;
	if (c.status != OCI_RUNNING) {
		warnx("container %s: is %s, not running", o->id, ocistate_status_name(c.status));
		goto out;
	}
	if (container_config(&c, &conf) < 0 || exec_plan(o, &conf, &p) < 0)
		goto out;
	if (o->tty)
		p.terminal = true;
	if (conf.seccomp) {
		if (ociseccomp_compile(conf.seccomp, &prog, err, sizeof(err)) < 0) {
			warnx("%s", err);
			goto out;
		}
		p.plan.filter = &prog;
	}
	if (p.terminal) {
		if (!o->console_socket) {
			warnx("exec: a terminal needs --console-socket");
			goto out;
		}
		console = connect_console(o->console_socket);
		if (console < 0)
			goto out;
	}
	if (o->pid_file && (r = pid_file_open(o->pid_file, &pf)) < 0) {
		warn_errno(-r, "--pid-file %s", o->pid_file);
		goto out;
	}
	pidfd = (int)syscall(SYS_pidfd_open, c.st.pid, 0);
	if (pidfd < 0 || !process_alive(c.st.pid, c.st.start)) {
		warnx("container %s: not running", o->id);
		goto out;
	}
	/* Into the container's cgroup before its namespaces (the cgroup path is the caller's):
	 * what exec starts counts in its limits. */
	if (c.st.cgroup[0] && (r = join_cgroup(c.st.cgroup)) < 0) {
		warn_errno(-r, "container %s: join its cgroup %s/main", o->id, c.st.cgroup);
		goto out;
	}
	int flags = 0;
	for (size_t i = 0; i < conf.nnamespaces; i++)
		flags |= conf.namespaces[i].type;
	/* Before we are in the container's namespaces, for us and the child: see create_child. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		warn_errno(errno, "prctl PR_SET_DUMPABLE");
		goto out;
	}
	if (setns(pidfd, flags) < 0) {
		warn_errno(errno, "container %s: join its namespaces", o->id);
		goto out;
	}
	joined = true;
	pid_t pid = fork();
	if (pid < 0) {
		warn_errno(errno, "fork");
		goto out;
	}
	if (pid == 0) {
		struct command_ctx cctx = { .plan = &p.plan, .tty_slave = -1, .keep_fds = o->preserve_fds };
		if (ociconf_namespace(&conf, CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			die_errno(errno, "become root of the user namespace");
		if (console >= 0) {
			cctx.tty_slave = open_console(console, err, sizeof(err));
			if (cctx.tty_slave < 0)
				die("%s", err);
		}
		command_exec(&cctx);
	}
	if (o->pid_file) {
		r = pid_file_write(&pf, pid);
		if (r < 0) {
			warn_errno(-r, "--pid-file %s", o->pid_file);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto out;
		}
	}
	if (o->detach) {
		code = 0;
		goto out;
	}
	if (waitpid(pid, &status, 0) < 0) {
		warn_errno(errno, "wait");
		goto out;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	pid_file_close(&pf);
	free(prog.filter);
	p.plan.filter = NULL;
	ociconf_process_free(&p);
	ociconf_free(&conf);
	container_close(&c);
	if (joined)
		exit_without_handlers(code);
	return code;
}

int ociruntime_signal(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "KILL", SIGKILL },   { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },   { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "WINCH", SIGWINCH }, { "ABRT", SIGABRT },
	};
	char *end;

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	errno = 0;
	long n = strtol(name, &end, 10);
	if (*name && !*end)
		return errno || n < 1 || n > 64 ? -1 : (int)n;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return sigs[i].sig;
	return -1;
}
