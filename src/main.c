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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "exec.h"
#include "image.h"
#include "imageref.h"
#include "log.h"
#include "registry.h"
#include "status.h"
#include "options.h"
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

/* A directory (or an O_PATH fd) on 0, 1 or 2 would hand COMMAND a way out: through
 * /proc/self/fd/0/... it opens the host's files below it (runc CVE-2024-21626). Refused. */
static int check_std_fds(void)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };

	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (fl & O_PATH)) {
			warnx("%s: an O_PATH file descriptor; give a file, pipe or terminal", names[fd]);
			return -1;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			warnx("%s: a directory; the sandbox would reach the host's files through it", names[fd]);
			return -1;
		}
	}
	return 0;
}

/* Inherited descriptors (a leaky caller's) go nowhere near the sandbox; keep1 and keep2 (the
 * --status-fd and --flow-log FDs, -1 when unset) stay. */
static int close_inherited_fds(int keep1, int keep2)
{
	int keep[] = { keep1, keep2 };

	return close_fds_except(3, keep, ARRAY_SIZE(keep));
}

/* --flow-log: a FILE is opened (appended to) by the caller, as the caller; an FD must be open.
 * cfg->flow_log_fd is then the log's fd, close-on-exec (the helper gets its own copy). */
static int open_flow_log(struct config *cfg)
{
	if (!cfg->flow_log)
		return 0;
	if (cfg->flow_log_fd >= 0) {
		if (cfg->flow_log_fd <= 2 || fcntl(cfg->flow_log_fd, F_GETFD) < 0) {
			warnx("--flow-log %d: %s", cfg->flow_log_fd,
			      cfg->flow_log_fd <= 2 ? "must not be 0, 1 or 2" : "not an open file descriptor");
			return -1;
		}
		return fd_set_cloexec(cfg->flow_log_fd, true);
	}
	cfg->flow_log_fd = open(cfg->flow_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0666);
	if (cfg->flow_log_fd < 0) {
		warn_errno(errno, "--flow-log %s: open", cfg->flow_log);
		return -1;
	}
	return 0;
}

static void format_age(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, len, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%lldh", secs / 3600);
	else
		snprintf(buf, len, "%lldd", secs / 86400);
}

struct list_out {
	bool json;
	int err; /* 0 or -errno: an entry that could not be printed */
};

static void print_entry(const struct registry_entry *e, void *data)
{
	struct list_out *o = data;
	long long now = (long long)time(NULL);
	char agebuf[32], cmd[256];
	size_t c = 0;

	if (o->json) {
		_cleanup_free_ char *line = NULL;
		int r = registry_format_json(e, now, &line);
		if (r < 0)
			o->err = r;
		else
			fputs(line, stdout);
		return;
	}
	cmd[0] = '\0';
	for (size_t i = 0; e->cmd.argv[i] && c < sizeof(cmd) - 1; i++) {
		int n = snprintf(cmd + c, sizeof(cmd) - c, "%s%s", i ? " " : "", e->cmd.argv[i]);
		if (n < 0)
			break;
		c += (size_t)n;
	}
	/* Control characters of the rootfs path or an argument must not reach the terminal:
	 * escaped as in messages. */
	char cmd_shown[4 * sizeof(cmd)], rootfs_shown[4 * 256];
	log_escape(cmd_shown, sizeof(cmd_shown), cmd);
	log_escape(rootfs_shown, sizeof(rootfs_shown), e->rootfs);
	format_age(now - e->created, agebuf, sizeof(agebuf));
	printf("%-16s %-8d %-6s %-24s %s\n", e->name, (int)e->pid, agebuf, rootfs_shown, cmd_shown);
}

static int run_list(const struct config *cfg)
{
	struct list_out o = { .json = cfg->list_json };
	char err[512];
	int dirfd = registry_open_dir(false, err, sizeof(err));
	int r = 0;

	if (dirfd < 0 && dirfd != -ENOENT) {
		warnx("list: %s", err);
		return EXIT_SETUP;
	}
	if (!o.json)
		printf("%-16s %-8s %-6s %-24s %s\n", "NAME", "PID", "AGE", "ROOTFS", "COMMAND");
	if (dirfd >= 0) {
		r = registry_foreach(dirfd, print_entry, &o);
		close(dirfd);
	}
	if (r < 0) {
		warn_errno(-r, "list: read the state directory");
		return EXIT_SETUP;
	}
	if (o.err)
		debug("list: an entry was left out: %s", strerror(-o.err));
	return fflush(stdout) == 0 ? 0 : EXIT_SETUP;
}

/* sandbox images [--prune], sandbox rmi IMAGE...: the image helper's business. */
static int run_image_command(int argc, char *argv[])
{
	char *prune[] = { "prune", NULL };

	if (strcmp(argv[1], "images") == 0 && argc == 3 && strcmp(argv[2], "--prune") == 0)
		image_exec_helper(prune);
	else if (strcmp(argv[1], "images") == 0 && argc > 2)
		warnx("images: unexpected argument '%s' (see sandbox --help)", argv[2]);
	else
		image_exec_helper(argv + 1);
	return EXIT_SETUP;
}

int main(int argc, char *argv[])
{
	struct config cfg;
	struct image_defaults image = { 0 };
	char err[512];
	int code;

	fill_std_fds();
	/* Installed setuid or setgid, we would be a privilege escalation waiting to happen. */
	if (getauxval(AT_SECURE) || getuid() != geteuid() || getgid() != getegid()) {
		warnx("refusing to run setuid or setgid: sandbox needs no privilege; remove the bit");
		/* Not even exit handlers run with privileges we never asked for. */
		_exit(EXIT_SETUP);
	}
	if (argc > 1 && (strcmp(argv[1], "images") == 0 || strcmp(argv[1], "rmi") == 0))
		return run_image_command(argc, argv);
	if (options_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
		warnx("%s", err);
		config_free(&cfg);
		return EXIT_SETUP;
	}
	log_verbose = cfg.verbose;
	switch (cfg.cmd) {
	case CMD_HELP:
		if (cfg.help_exec)
			options_usage_exec(stdout);
		else
			options_usage(stdout);
		code = fflush(stdout) == 0 ? 0 : EXIT_SETUP;
		break;
	case CMD_VERSION:
		printf("sandbox %s\n", PACKAGE_VERSION);
		code = fflush(stdout) == 0 ? 0 : EXIT_SETUP;
		break;
	case CMD_RUN:
		if (check_std_fds() < 0) {
			code = EXIT_SETUP;
			break;
		}
		if (image_ref_kind(cfg.rootfs) != IMAGE_NONE && image_prepare(&cfg, &image, err, sizeof(err)) < 0) {
			if (err[0])
				warnx("%s", err);
			code = EXIT_SETUP;
			break;
		}
		/* After the image's defaults: its User stays COMMAND's user. */
		options_resolve_identity(&cfg, getuid(), getgid());
		/* --file FD: read before the inherited descriptors are closed. */
		if (options_load_files(&cfg, err, sizeof(err)) < 0) {
			warnx("%s", err);
			code = EXIT_SETUP;
			break;
		}
		if (close_inherited_fds(cfg.status_fd, cfg.flow_log_fd) < 0) {
			warn_errno(errno, "close inherited file descriptors");
			code = EXIT_SETUP;
			break;
		}
		if (open_flow_log(&cfg) < 0) {
			code = EXIT_SETUP;
			break;
		}
		signal(SIGPIPE, SIG_IGN);
		code = supervisor_run(&cfg);
		break;
	case CMD_EXEC:
		if (check_std_fds() < 0) {
			code = EXIT_SETUP;
			break;
		}
		signal(SIGPIPE, SIG_IGN);
		code = exec_run(&cfg);
		/* This process now lives in the sandbox's namespaces: leave without exit handlers,
		 * which have nothing to do here (and a leak checker's ptrace-based one cannot work
		 * from inside another user and pid namespace). */
		config_free(&cfg);
		fflush(NULL);
		_exit(code);
	case CMD_LIST:
		code = run_list(&cfg);
		break;
	case CMD_DOCTOR:
		code = doctor_run(stdout);
		if (fflush(stdout) != 0)
			code = EXIT_SETUP;
		break;
	default:
		code = EXIT_SETUP;
	}
	config_free(&cfg);
	image_defaults_free(&image);
	return code;
}
