/* ocimain.c: sandbox-oci, the OCI runtime command line (runc's, as podman/conmon, containerd's
 * runc shim and CRI-O call it): global options, then a command with its own options.
 * The lifecycle itself is ociruntime.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ociruntime.h"
#include "util.h"

#define EXIT_USAGE 1

static int log_fd = -1;
static bool log_json;

/* --log: every message also goes there, as a line of text or as runc's JSON object. */
static void log_to_file(const char *line, size_t len)
{
	char buf[8192], ts[64];
	struct timespec now;
	struct tm tm;
	size_t o = 0;

	if (log_fd < 0)
		return;
	if (!log_json) {
		(void)write_all(log_fd, line, len);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = (size_t)snprintf(buf, sizeof(buf), "{\"level\":\"error\",\"time\":\"%s\",\"msg\":\"", ts);
	/* The line is escaped already (log_escape): only quotes and backslashes remain. */
	for (size_t i = strlen(log_program) + 2; i < len && line[i] != '\n' && o + 8 < sizeof(buf); i++) {
		if (line[i] == '"' || line[i] == '\\')
			buf[o++] = '\\';
		buf[o++] = line[i];
	}
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\"}\n");
	(void)write_all(log_fd, buf, o < sizeof(buf) ? o : sizeof(buf) - 1);
}

static const char usage_text[] =
	"usage: sandbox-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] ID [ARGS]\n"
	"\n"
	"The OCI runtime of sandbox (runtime-spec 1.x, runc's command line), rootless;\n"
	"linux.resources limits need a cgroup v2 delegated to the user.\n"
	"\n"
	"Commands:\n"
	"  create --bundle DIR [--pid-file F] [--console-socket S] [--preserve-fds N] ID\n"
	"  start ID              let a created container run its process\n"
	"  run [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] [--detach] ID\n"
	"  state ID              its state as JSON\n"
	"  kill [--all] ID [SIGNAL]\n"
	"  delete [--force] ID\n"
	"  exec [--process F | --cwd D --env N=V --user U] [--tty] [--detach] [--pid-file F]\n"
	"       [--console-socket S] [--preserve-fds N] ID [COMMAND ARG...]\n"
	"  list                  the containers under --root\n"
	"  features              what this runtime supports, as JSON\n"
	"\n"
	"Global options:\n"
	"  --root DIR            state directory (default $XDG_RUNTIME_DIR/sandbox-oci, else /run/sandbox-oci)\n"
	"  --log FILE            also write errors to FILE\n"
	"  --log-format FMT      text or json\n"
	"  --cgroup-manager M    cgroupfs or disabled (limits in a delegated cgroup v2); systemd is refused\n"
	"  --systemd-cgroup      refused: this runtime does not use systemd for cgroups\n"
	"  --debug               verbose messages\n"
	"  -h, --help, -v, --version\n";

enum {
	OPT_ROOT = 0x100,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_SYSTEMD_CGROUP,
	OPT_CGROUP_MANAGER,
	OPT_DEBUG,
	OPT_ROOTLESS,
	OPT_BUNDLE,
	OPT_PID_FILE,
	OPT_CONSOLE_SOCKET,
	OPT_NO_PIVOT,
	OPT_NO_NEW_KEYRING,
	OPT_PRESERVE_FDS,
	OPT_PROCESS,
	OPT_CWD,
	OPT_ENV,
	OPT_USER,
	OPT_FORCE,
	OPT_ALL,
	OPT_DETACH,
	OPT_TTY,
};

static int global_options(int argc, char **argv, struct oci_ctx *ctx)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
		{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ 0 },
	};
	const char *log_path = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ctx->root = optarg;
			break;
		case OPT_LOG:
			log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				warnx("--log-format %s: text or json", optarg);
				return -1;
			}
			log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_SYSTEMD_CGROUP:
			warnx("--systemd-cgroup: not supported: this runtime does not use systemd for cgroups (--cgroup-manager cgroupfs)");
			return -1;
		case OPT_CGROUP_MANAGER:
			if (strcmp(optarg, "cgroupfs") != 0 && strcmp(optarg, "disabled") != 0) {
				warnx("--cgroup-manager %s: not supported: this runtime does not use systemd for cgroups (cgroupfs or disabled)",
				      optarg);
				return -1;
			}
			break;
		case OPT_DEBUG:
			log_verbose = true;
			break;
		case OPT_ROOTLESS:
			/* Always rootless: it never needs more than the caller's user namespace. */
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'v':
			printf("sandbox-oci version %s\nspec: 1.0.2\n", PACKAGE_VERSION);
			exit(0);
		default:
			return -1;
		}
	}
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (log_fd < 0) {
			warn_errno(errno, "--log %s", log_path);
			return -1;
		}
		log_copy = log_to_file;
	}
	return 0;
}

static const char *default_root(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg && xdg[0] == '/') {
		snprintf(buf, len, "%s/sandbox-oci", xdg);
		return buf;
	}
	return "/run/sandbox-oci";
}

/* The one ID (and what follows it, for exec and kill) after a command's options. */
static const char *take_id(int argc, char **argv, const char *cmd, bool more)
{
	if (optind >= argc) {
		warnx("%s: a container id is needed", cmd);
		return NULL;
	}
	if (!more && optind + 1 != argc) {
		warnx("%s: one container id, then nothing", cmd);
		return NULL;
	}
	return argv[optind++];
}

/* --preserve-fds N: fds 3..3+N-1 (open here, as the caller passed them) go to the process
 * too. -1 when N is not a number or one of those fds is not open. */
static int preserve_fds_parse(const char *arg)
{
	unsigned long long n;

	if (parse_uint(arg, 1024, &n) < 0) {
		warnx("--preserve-fds %s: not a number of file descriptors (0 to 1024)", arg);
		return -1;
	}
	for (int fd = 3; fd < 3 + (int)n; fd++)
		if (fcntl(fd, F_GETFD) < 0) {
			warnx("--preserve-fds %s: fd %d is not open", arg, fd);
			return -1;
		}
	return (int)n;
}

static int cmd_create(const struct oci_ctx *ctx, int argc, char **argv, bool run)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ "detach", no_argument, NULL, 'd' },
		{ 0 },
	};
	struct oci_create_opts o = { .run = run };
	int c;

	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case OPT_PID_FILE:
			o.pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			o.console_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			warnx("--no-pivot: not supported (the root is always pivoted)");
			return EXIT_USAGE;
		case OPT_NO_NEW_KEYRING:
			/* The keyring follows the seccomp setting (security.c). */
			break;
		case OPT_PRESERVE_FDS:
			o.preserve_fds = preserve_fds_parse(optarg);
			if (o.preserve_fds < 0)
				return EXIT_USAGE;
			break;
		case 'd':
			if (!run) {
				warnx("create: --detach is for run");
				return EXIT_USAGE;
			}
			o.detach = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	o.id = take_id(argc, argv, run ? "run" : "create", false);
	if (!o.id)
		return EXIT_USAGE;
	return ociruntime_create(ctx, &o);
}

static int cmd_exec(const struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ 0 },
	};
	struct oci_exec_opts o = { 0 };
	size_t nenv = 0;
	int c, code;

	o.env = calloc((size_t)argc + 1, sizeof(*o.env));
	if (!o.env) {
		warn_errno(ENOMEM, "exec");
		return EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, "+p:tde:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_file = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case OPT_PID_FILE:
			o.pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			o.console_socket = optarg;
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case 'e':
			o.env[nenv++] = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case OPT_PRESERVE_FDS:
			o.preserve_fds = preserve_fds_parse(optarg);
			if (o.preserve_fds < 0) {
				free(o.env);
				return EXIT_USAGE;
			}
			break;
		default:
			free(o.env);
			return EXIT_USAGE;
		}
	}
	o.id = take_id(argc, argv, "exec", true);
	if (!o.id) {
		free(o.env);
		return EXIT_USAGE;
	}
	o.argv = argv + optind;
	if (o.process_file && o.argv[0]) {
		warnx("exec: --process and a command: give one");
		free(o.env);
		return EXIT_USAGE;
	}
	code = ociruntime_exec(ctx, &o);
	free(o.env);
	return code;
}

static int cmd_simple(const struct oci_ctx *ctx, const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_LOG_FORMAT },
		{ 0 },
	};
	bool force = false, is_kill = strcmp(cmd, "kill") == 0;
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+fa", opts, NULL)) != -1) {
		if (c == 'f' && strcmp(cmd, "delete") == 0)
			force = true;
		else if (c == 'a' && is_kill)
			; /* the container's process is its pid namespace's init: it takes the rest along */
		else if (c == OPT_LOG_FORMAT && strcmp(cmd, "list") == 0)
			;
		else {
			warnx("%s: unknown option", cmd);
			return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "list") == 0)
		return ociruntime_list(ctx);
	id = take_id(argc, argv, cmd, is_kill);
	if (!id)
		return EXIT_USAGE;
	if (strcmp(cmd, "start") == 0)
		return ociruntime_start(ctx, id);
	if (strcmp(cmd, "state") == 0)
		return ociruntime_state(ctx, id);
	if (strcmp(cmd, "delete") == 0)
		return ociruntime_delete(ctx, id, force);
	/* kill ID [SIGNAL] */
	int sig = SIGTERM;
	if (optind < argc) {
		sig = ociruntime_signal(argv[optind]);
		if (sig < 0 || optind + 1 != argc) {
			warnx("kill: '%s': not a signal", argv[optind]);
			return EXIT_USAGE;
		}
	}
	return ociruntime_kill(ctx, id, sig);
}

static int cmd_features(void)
{
	fputs("{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.1.0\","
	      "\"hooks\":[\"prestart\",\"createRuntime\",\"createContainer\",\"startContainer\",\"poststart\",\"poststop\"],"
	      "\"mountOptions\":[\"bind\",\"rbind\",\"ro\",\"rw\",\"nosuid\",\"nodev\",\"noexec\",\"private\",\"rprivate\","
	      "\"relatime\",\"strictatime\",\"noatime\",\"tmpcopyup\"],"
	      "\"linux\":{\"namespaces\":[\"pid\",\"network\",\"mount\",\"ipc\",\"uts\",\"user\",\"cgroup\"],"
	      "\"cgroup\":{\"v1\":false,\"v2\":true,\"systemd\":false,\"systemdUser\":false},"
	      "\"seccomp\":{\"enabled\":true,\"actions\":[\"SCMP_ACT_ALLOW\",\"SCMP_ACT_ERRNO\",\"SCMP_ACT_KILL\","
	      "\"SCMP_ACT_KILL_PROCESS\",\"SCMP_ACT_KILL_THREAD\",\"SCMP_ACT_LOG\",\"SCMP_ACT_TRACE\",\"SCMP_ACT_TRAP\"],"
	      "\"operators\":[\"SCMP_CMP_NE\",\"SCMP_CMP_LT\",\"SCMP_CMP_LE\",\"SCMP_CMP_EQ\",\"SCMP_CMP_GE\",\"SCMP_CMP_GT\","
	      "\"SCMP_CMP_MASKED_EQ\"]},"
	      "\"apparmor\":{\"enabled\":false},\"selinux\":{\"enabled\":false}},"
	      "\"annotations\":{\"org.opencontainers.runc.version\":\"none\",\"io.github.sandbox.runtime\":\"sandbox-oci\"}}\n",
	      stdout);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct oci_ctx ctx = { 0 };
	char rootbuf[4096];
	const char *cmd;

	log_program = "sandbox-oci";
	if (global_options(argc, argv, &ctx) < 0)
		return EXIT_USAGE;
	if (!ctx.root)
		ctx.root = default_root(rootbuf, sizeof(rootbuf));
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	/* Each command parses its own options from here. */
	argc -= optind;
	argv += optind;
	optind = 1;
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0)
		return cmd_create(&ctx, argc, argv, strcmp(cmd, "run") == 0);
	if (strcmp(cmd, "exec") == 0)
		return cmd_exec(&ctx, argc, argv);
	if (strcmp(cmd, "features") == 0)
		return cmd_features();
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "state") == 0 || strcmp(cmd, "kill") == 0 ||
	    strcmp(cmd, "delete") == 0 || strcmp(cmd, "list") == 0)
		return cmd_simple(&ctx, cmd, argc, argv);
	warnx("%s: unknown command (see --help)", cmd);
	return EXIT_USAGE;
}
