/* options.c: one option table feeding getopt_long and --help; fills a validated config, and
 * reads the contents --file names into it (options_load_files) before the sandbox starts. */
#include "config.h"

#include "options.h"

#include "etcfiles.h"
#include "imageref.h"
#include "netpolicy.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

enum {
	OPT_MAP = CHAR_MAX + 1,
	OPT_USER,
	OPT_HOSTNAME,
	OPT_NET,
	OPT_MTU,
	OPT_ALLOW_HOST_LOOPBACK,
	OPT_NET_FAST,
	OPT_RO,
	OPT_OVERLAY,
	OPT_TMP_SIZE,
	OPT_SHM_SIZE,
	OPT_BIND,
	OPT_RO_BIND,
	OPT_TMPFS,
	OPT_NAME,
	OPT_TIMEOUT,
	OPT_NO_TTY,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SECCOMP,
	OPT_RLIMIT,
	OPT_MEMORY,
	OPT_PIDS,
	OPT_CPUS,
	OPT_CGROUPFS,
	OPT_STATUS_FD,
	OPT_JSON,
	OPT_DNS,
	OPT_ADD_HOST,
	OPT_CLEARENV,
	OPT_UNSETENV,
	OPT_ENV_FILE,
	OPT_BIND_TRY,
	OPT_RO_BIND_TRY,
	OPT_DEV_BIND,
	OPT_SYMLINK,
	OPT_DIR,
	OPT_FILE,
	OPT_CHMOD,
	OPT_NET_ALLOW,
	OPT_FLOW_LOG,
	OPT_ENTRYPOINT,
};

/* Which sub-commands take an option. */
enum { FOR_RUN = 1, FOR_EXEC = 2, FOR_LIST = 4 };

struct option_doc {
	const char *name;
	int has_arg;
	int id;
	int for_cmds;
	const char *arg;  /* argument name(s) in --help */
	const char *help;
};

static const struct option_doc option_table[] = {
	{ "help", no_argument, 'h', FOR_RUN | FOR_EXEC, NULL, "show this help and exit" },
	{ "version", no_argument, 'V', FOR_RUN, NULL, "show the version and exit" },
	{ "verbose", no_argument, 'v', FOR_RUN | FOR_EXEC, NULL, "print each setup step on stderr" },
	{ "map", required_argument, OPT_MAP, FOR_RUN, "auto|self|subid|keep-id",
	  "id mapping: root with subordinate ids when available (auto, default), only your own id, "
	  "every id or refuse, or yourself (keep-id, the host-mode default)" },
	{ "user", required_argument, OPT_USER, FOR_RUN | FOR_EXEC, "UID[:GID]",
	  "run COMMAND as this id inside (default 0:0; in host mode yours)" },
	{ "hostname", required_argument, OPT_HOSTNAME, FOR_RUN, "NAME", "hostname inside (default sandbox)" },
	{ "net", required_argument, OPT_NET, FOR_RUN, "slirp|none|host",
	  "network: user-mode stack (default), loopback only, or the host's" },
	{ "mtu", required_argument, OPT_MTU, FOR_RUN, "N", "MTU of eth0 with --net slirp (default 65520)" },
	{ "publish", required_argument, 'p', FOR_RUN, "[HOST_IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]",
	  "forward a host port into the sandbox (repeatable)" },
	{ "dns", required_argument, OPT_DNS, FOR_RUN, "IP",
	  "a nameserver of the generated resolv.conf, instead of 10.0.2.3 (repeatable)" },
	{ "add-host", required_argument, OPT_ADD_HOST, FOR_RUN, "NAME:IP",
	  "add a line to the generated /etc/hosts (repeatable)" },
	{ "allow-host-loopback", no_argument, OPT_ALLOW_HOST_LOOPBACK, FOR_RUN, NULL,
	  "let 10.0.2.2 reach the host's 127.0.0.1" },
	{ "net-allow", required_argument, OPT_NET_ALLOW, FOR_RUN, "DEST",
	  "allow outgoing flows only to DEST, ADDR[/PREFIX][:PORT[-PORT]] or NAME[:PORT[-PORT]] "
	  "(repeatable; the rest is refused)" },
	{ "flow-log", required_argument, OPT_FLOW_LOG, FOR_RUN, "FILE|FD",
	  "append one JSON line per outgoing network flow to FILE or FD" },
	{ "net-fast", required_argument, OPT_NET_FAST, FOR_RUN, "on|off",
	  "TCP fast paths beside libslirp: outgoing connect() from the host (not with --flow-log or --seccomp none), "
	  "published ports spliced (default on)" },
	{ "ro", no_argument, OPT_RO, FOR_RUN, NULL, "make the rootfs read-only" },
	{ "overlay", no_argument, OPT_OVERLAY, FOR_RUN, NULL,
	  "put an ephemeral writable layer over the rootfs" },
	{ "tmp-size", required_argument, OPT_TMP_SIZE, FOR_RUN, "BYTES[k|m|g]", "size of /tmp (default 512m)" },
	{ "shm-size", required_argument, OPT_SHM_SIZE, FOR_RUN, "BYTES[k|m|g]", "size of /dev/shm (default 64m)" },
	{ "bind", required_argument, OPT_BIND, FOR_RUN, "SRC DST", "bind-mount host path SRC at DST" },
	{ "ro-bind", required_argument, OPT_RO_BIND, FOR_RUN, "SRC DST", "the same, read-only" },
	{ "tmpfs", required_argument, OPT_TMPFS, FOR_RUN, "DST[:SIZE]", "mount a new tmpfs at DST (default size 512m)" },
	{ "bind-try", required_argument, OPT_BIND_TRY, FOR_RUN, "SRC DST", "--bind, skipped when SRC is missing" },
	{ "ro-bind-try", required_argument, OPT_RO_BIND_TRY, FOR_RUN, "SRC DST",
	  "--ro-bind, skipped when SRC is missing" },
	{ "dev-bind", required_argument, OPT_DEV_BIND, FOR_RUN, "SRC DST",
	  "bind-mount SRC at DST with its devices usable (/dev/fuse, /dev/kvm)" },
	{ "symlink", required_argument, OPT_SYMLINK, FOR_RUN, "TARGET DST", "create a symbolic link DST -> TARGET" },
	{ "dir", required_argument, OPT_DIR, FOR_RUN, "DST", "create the directory DST" },
	{ "file", required_argument, OPT_FILE, FOR_RUN, "FD|SRC DST",
	  "place the bytes of FD or of host file SRC at DST (a new file)" },
	{ "chmod", required_argument, OPT_CHMOD, FOR_RUN, "MODE DST", "change the permissions of DST (octal MODE)" },
	{ "workdir", required_argument, 'w', FOR_RUN | FOR_EXEC, "DIR",
	  "working directory inside (default /; the current one in host mode)" },
	{ "env", required_argument, 'e', FOR_RUN | FOR_EXEC, "NAME[=VALUE]",
	  "set a variable, or copy it from the caller" },
	{ "env-file", required_argument, OPT_ENV_FILE, FOR_RUN, "FILE",
	  "set the variables of FILE (NAME=VALUE lines, docker's format; repeatable)" },
	{ "unsetenv", required_argument, OPT_UNSETENV, FOR_RUN, "NAME", "remove a variable (repeatable)" },
	{ "clearenv", no_argument, OPT_CLEARENV, FOR_RUN, NULL,
	  "start COMMAND from an empty environment (then -e, --env-file apply)" },
	{ "entrypoint", required_argument, OPT_ENTRYPOINT, FOR_RUN, "CMD",
	  "IMAGE: run CMD (one word) instead of the image's Entrypoint and Cmd (\"\": none, COMMAND alone)" },
	{ "name", required_argument, OPT_NAME, FOR_RUN, "NAME", "register the sandbox for exec and list" },
	{ "timeout", required_argument, OPT_TIMEOUT, FOR_RUN, "SECONDS",
	  "kill the whole sandbox after this time (exit 124)" },
	{ "no-tty", no_argument, OPT_NO_TTY, FOR_RUN, NULL, "do not relay a new pseudo-terminal" },
	{ "tty", no_argument, 't', FOR_EXEC, NULL,
	  "exec: a pseudo-terminal (the default when stdin is a terminal; refused when it is not)" },
	{ "cap-add", required_argument, OPT_CAP_ADD, FOR_RUN, "CAP", "add a capability" },
	{ "cap-drop", required_argument, OPT_CAP_DROP, FOR_RUN, "CAP|ALL", "drop a capability" },
	{ "seccomp", required_argument, OPT_SECCOMP, FOR_RUN, "default|none", "the system call filter" },
	{ "rlimit", required_argument, OPT_RLIMIT, FOR_RUN, "NAME=SOFT[:HARD]",
	  "set a resource limit (repeatable)" },
	{ "memory", required_argument, OPT_MEMORY, FOR_RUN, "BYTES[k|m|g]", "cgroup v2 memory limit" },
	{ "pids", required_argument, OPT_PIDS, FOR_RUN, "N", "cgroup v2 limit on processes" },
	{ "cpus", required_argument, OPT_CPUS, FOR_RUN, "N", "cgroup v2 CPU limit" },
	{ "cgroupfs", required_argument, OPT_CGROUPFS, FOR_RUN, "ro|rw|none",
	  "the sandbox's cgroup at /sys/fs/cgroup: read-only (default), writable, or not mounted" },
	{ "status-fd", required_argument, OPT_STATUS_FD, FOR_RUN, "FD", "write JSON status lines to FD" },
	{ "json", no_argument, OPT_JSON, FOR_LIST, NULL, "list: one JSON object per line" },
};

const char *options_long_name(size_t i)
{
	return i < ARRAY_SIZE(option_table) ? option_table[i].name : NULL;
}

static void usage_options(FILE *out, int cmd_bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(option_table); i++) {
		const struct option_doc *o = &option_table[i];
		char left[96];
		int id = o->id;

		if (!(o->for_cmds & cmd_bit))
			continue;
		if (id < CHAR_MAX)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", id, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		if (strlen(left) > 26)
			fprintf(out, "  %s\n  %-26s  %s\n", left, "", o->help);
		else
			fprintf(out, "  %-26s  %s\n", left, o->help);
	}
}

void options_usage(FILE *out)
{
	fputs("Usage: sandbox [OPTIONS] ROOTFS [--] [COMMAND [ARG...]]\n"
	      "       sandbox exec [OPTIONS] NAME [--] [COMMAND [ARG...]]\n"
	      "       sandbox list [--json]\n"
	      "       sandbox images | rmi IMAGE | doctor\n"
	      "       sandbox --help | --version\n"
	      "\n"
	      "Run COMMAND (default /bin/sh) as root of a new user namespace, in new mount, pid,\n"
	      "uts, ipc, cgroup and network namespaces, inside ROOTFS. ROOTFS / is host mode.\n"
	      "\n"
	      "Options:\n",
	      out);
	usage_options(out, FOR_RUN | FOR_EXEC | FOR_LIST);
	fputs("\nExit status: COMMAND's; 128+N if killed by signal N; 124 timeout; 125 setup failed;\n"
	      "126 COMMAND not executable; 127 COMMAND not found. See sandbox(1).\n",
	      out);
}

void options_usage_exec(FILE *out)
{
	fputs("Usage: sandbox exec [OPTIONS] NAME [--] [COMMAND [ARG...]]\n"
	      "\n"
	      "Run COMMAND (default /bin/sh) in the running sandbox NAME (see --name), as its own\n"
	      "COMMAND is run; with a pseudo-terminal of the sandbox's own when stdin is a terminal.\n"
	      "\n"
	      "Options:\n",
	      out);
	usage_options(out, FOR_EXEC);
	fputs("\nExit status: COMMAND's; 128+N if killed by signal N; 125 setup failed;\n"
	      "126 COMMAND not executable; 127 COMMAND not found. See sandbox(1).\n",
	      out);
}

/* Grow *arr by one element of size sz; returns a pointer to the new, zeroed element. */
static void *push(void *arr, size_t *n, size_t sz)
{
	void **a = arr;
	char *p = realloc(*a, (*n + 1) * sz);
	if (!p)
		return NULL;
	*a = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

int options_parse_user(const char *s, uid_t *uid, gid_t *gid)
{
	unsigned long long u, g;
	_cleanup_free_ char *copy = strdup(s);
	char *colon;

	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	/* (uid_t)-1 means "unchanged" to the set*id calls, so it is no valid id. */
	if (parse_uint(copy, UINT32_MAX - 1, &u) < 0)
		return -EINVAL;
	if (colon) {
		if (parse_uint(colon + 1, UINT32_MAX - 1, &g) < 0)
			return -EINVAL;
	} else {
		g = u;
	}
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static int parse_seconds_ms(const char *s, unsigned long long *ms)
{
	char *end;
	double v;

	if (!s || !((s[0] >= '0' && s[0] <= '9') || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno || !isfinite(v) || v <= 0 || v > 1e9)
		return -EINVAL;
	/* Round up to whole milliseconds, but not a binary fraction's error: 2.007 s is 2007 ms
	 * (2.007 * 1000 is 2007.0000000000002), and a tiny timeout stays one (0 means none). */
	*ms = ceil_u64(v * 1000 - 1e-6);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

static int take_second_arg(int argc, char *const argv[], const char *opt, const char **out, char *err,
			   size_t errlen)
{
	if (optind >= argc)
		return err_set(err, errlen, -EINVAL, "--%s: needs two arguments, SRC and DST", opt);
	*out = argv[optind++];
	return 0;
}

static int check_dst(const char *opt, const char *dst, char *err, size_t errlen)
{
	if (dst[0] != '/')
		return err_set(err, errlen, -EINVAL, "--%s: %s: the destination must be an absolute path", opt, dst);
	return 0;
}

static enum mount_kind mount_kind_of(int opt)
{
	switch (opt) {
	case OPT_RO_BIND:
	case OPT_RO_BIND_TRY:
		return MOUNT_RO_BIND;
	case OPT_TMPFS:
		return MOUNT_TMPFS;
	case OPT_DEV_BIND:
		return MOUNT_DEV_BIND;
	case OPT_SYMLINK:
		return MOUNT_SYMLINK;
	case OPT_DIR:
		return MOUNT_DIR;
	case OPT_FILE:
		return MOUNT_FILE;
	case OPT_CHMOD:
		return MOUNT_CHMOD;
	default:
		return MOUNT_BIND;
	}
}

/* --tmpfs DST[:SIZE]: SIZE after the last ':' (so a DST holding ':' needs an explicit SIZE). */
static int parse_tmpfs(const char *arg, struct user_mount *m, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');

	m->dst = arg;
	m->size = DEFAULT_TMPFS_SIZE;
	if (!colon)
		return 0;
	if (parse_size(colon + 1, &m->size) < 0 || m->size == 0)
		return err_set(err, errlen, -EINVAL, "--tmpfs: %s: '%s' is not a size like 64m", arg, colon + 1);
	m->dst_owned = strndup(arg, (size_t)(colon - arg));
	if (!m->dst_owned)
		return -ENOMEM;
	m->dst = m->dst_owned;
	return 0;
}

static int parse_one(int c, const char *arg, int argc, char *const argv[], struct config *cfg, char *err,
		     size_t errlen)
{
	unsigned long long v;
	struct user_mount *m;
	const char *opt = "";
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(option_table); i++)
		if (option_table[i].id == c)
			opt = option_table[i].name;

	switch (c) {
	case 'h':
		cfg->help_exec = cfg->cmd == CMD_EXEC;
		cfg->cmd = CMD_HELP;
		return 0;
	case 't':
		cfg->tty = true;
		return 0;
	case 'V':
		cfg->cmd = CMD_VERSION;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case OPT_MAP:
		if (strcmp(arg, "auto") == 0)
			cfg->map = MAP_AUTO;
		else if (strcmp(arg, "self") == 0)
			cfg->map = MAP_SELF;
		else if (strcmp(arg, "subid") == 0)
			cfg->map = MAP_SUBID;
		else if (strcmp(arg, "keep-id") == 0)
			cfg->map = MAP_KEEP_ID;
		else
			return err_set(err, errlen, -EINVAL, "--map: unknown mode '%s' (auto, self, subid or keep-id)", arg);
		cfg->map_set = true;
		return 0;
	case OPT_USER:
		if (options_parse_user(arg, &cfg->user_uid, &cfg->user_gid) < 0)
			return err_set(err, errlen, -EINVAL, "--user: '%s' is not UID[:GID] with numeric ids", arg);
		cfg->user_set = true;
		return 0;
	case OPT_HOSTNAME:
		if (arg[0] == '\0' || strlen(arg) > 64)
			return err_set(err, errlen, -EINVAL, "--hostname: '%s' must be 1 to 64 characters", arg);
		cfg->hostname = arg;
		return 0;
	case OPT_NET:
		if (strcmp(arg, "slirp") == 0)
			cfg->net = NET_SLIRP;
		else if (strcmp(arg, "none") == 0)
			cfg->net = NET_NONE;
		else if (strcmp(arg, "host") == 0)
			cfg->net = NET_HOST;
		else
			return err_set(err, errlen, -EINVAL, "--net: unknown mode '%s' (slirp, none or host)", arg);
		return 0;
	case OPT_MTU:
		if (parse_uint(arg, MAX_MTU, &v) < 0 || v < MIN_MTU)
			return err_set(err, errlen, -EINVAL, "--mtu: '%s' must be a number from %d to %d", arg, MIN_MTU,
				       MAX_MTU);
		cfg->mtu = (unsigned)v;
		return 0;
	case 'p': {
		struct publish *p = push(&cfg->publish, &cfg->npublish, sizeof(*p));
		char why[200];
		if (!p)
			return -ENOMEM;
		if (publish_parse(arg, p, why, sizeof(why)) < 0)
			return err_set(err, errlen, -EINVAL, "--publish: %s", why);
		p->spec = arg;
		return 0;
	}
	case OPT_ALLOW_HOST_LOOPBACK:
		cfg->allow_host_loopback = true;
		return 0;
	case OPT_NET_ALLOW: {
		const char **d = push(&cfg->net_allow, &cfg->nnet_allow, sizeof(*d));
		struct netpolicy_allow a;
		char why[400];
		if (!d)
			return -ENOMEM;
		if (netpolicy_parse(arg, &a, why, sizeof(why)) < 0)
			return err_set(err, errlen, -EINVAL, "--net-allow: %s", why);
		if (cfg->nnet_allow > NETPOLICY_MAX_ALLOW)
			return err_set(err, errlen, -EINVAL, "--net-allow: at most %d destinations",
				       NETPOLICY_MAX_ALLOW);
		*d = arg;
		return 0;
	}
	case OPT_FLOW_LOG:
		if (arg[0] == '\0')
			return err_set(err, errlen, -EINVAL, "--flow-log: the file name is empty");
		cfg->flow_log = arg;
		cfg->flow_log_fd = -1;
		/* digits only: a file descriptor, like --status-fd ("./3" names a file) */
		if (strspn(arg, "0123456789") == strlen(arg)) {
			if (parse_uint(arg, INT_MAX, &v) < 0)
				return err_set(err, errlen, -EINVAL, "--flow-log: '%s' is not a file descriptor number", arg);
			cfg->flow_log_fd = (int)v;
		}
		return 0;
	case OPT_NET_FAST:
		if (strcmp(arg, "on") == 0)
			cfg->net_fast = true;
		else if (strcmp(arg, "off") == 0)
			cfg->net_fast = false;
		else
			return err_set(err, errlen, -EINVAL, "--net-fast: unknown value '%s' (on or off)", arg);
		return 0;
	case OPT_DNS: {
		const char **d = push(&cfg->dns, &cfg->ndns, sizeof(*d));
		if (!d)
			return -ENOMEM;
		if (etcfiles_check_ip(arg) < 0)
			return err_set(err, errlen, -EINVAL, "--dns: '%s' is not an IPv4 or IPv6 address", arg);
		*d = arg;
		return 0;
	}
	case OPT_ADD_HOST: {
		struct add_host *h = push(&cfg->add_hosts, &cfg->nadd_hosts, sizeof(*h));
		char why[300];
		if (!h)
			return -ENOMEM;
		if (etcfiles_parse_add_host(arg, h, why, sizeof(why)) < 0)
			return err_set(err, errlen, -EINVAL, "--add-host: %s", why);
		return 0;
	}
	case OPT_RO:
		cfg->ro = true;
		return 0;
	case OPT_OVERLAY:
		cfg->overlay = true;
		return 0;
	case OPT_TMP_SIZE:
		if (parse_size(arg, &cfg->tmp_size) < 0 || cfg->tmp_size == 0)
			return err_set(err, errlen, -EINVAL, "--tmp-size: '%s' is not a size like 512m", arg);
		return 0;
	case OPT_SHM_SIZE:
		if (parse_size(arg, &cfg->shm_size) < 0 || cfg->shm_size == 0)
			return err_set(err, errlen, -EINVAL, "--shm-size: '%s' is not a size like 64m", arg);
		return 0;
	case OPT_BIND:
	case OPT_RO_BIND:
	case OPT_TMPFS:
	case OPT_BIND_TRY:
	case OPT_RO_BIND_TRY:
	case OPT_DEV_BIND:
	case OPT_SYMLINK:
	case OPT_DIR:
	case OPT_FILE:
	case OPT_CHMOD:
		m = push(&cfg->mounts, &cfg->nmounts, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->kind = mount_kind_of(c);
		m->try_src = c == OPT_BIND_TRY || c == OPT_RO_BIND_TRY;
		if (c == OPT_TMPFS) {
			r = parse_tmpfs(arg, m, err, errlen);
			if (r < 0)
				return r;
		} else if (c == OPT_DIR) {
			m->dst = arg;
		} else {
			m->src = arg;
			r = take_second_arg(argc, argv, opt, &m->dst, err, errlen);
			if (r < 0)
				return r;
		}
		if (c == OPT_CHMOD) {
			char *end;
			unsigned long mode = strtoul(arg, &end, 8);
			if (arg[0] < '0' || arg[0] > '7' || *end || mode > 07777)
				return err_set(err, errlen, -EINVAL, "--chmod: '%s' is not an octal mode (0 to 7777)", arg);
			m->mode = (unsigned)mode;
			m->src = NULL;
		}
		if ((c == OPT_SYMLINK || c == OPT_FILE) && arg[0] == '\0')
			return err_set(err, errlen, -EINVAL, "--%s: the %s is empty", opt, c == OPT_FILE ? "source" : "target");
		return check_dst(opt, m->dst, err, errlen);
	case OPT_ENTRYPOINT:
		/* podman's JSON array form would need a JSON reader in this binary: refuse it
		 * rather than run '["/bin/sh","-c"]' as one command name. */
		if (arg[0] == '[' && strlen(arg) > 1 && arg[strlen(arg) - 1] == ']')
			return err_set(err, errlen, -EINVAL,
				       "--entrypoint: a JSON array is not supported; give one word and put its "
				       "arguments in COMMAND");
		cfg->entrypoint = arg;
		return 0;
	case 'w':
		if (arg[0] != '/')
			return err_set(err, errlen, -EINVAL, "--workdir: %s: must be an absolute path", arg);
		cfg->workdir = arg;
		return 0;
	case 'e': {
		struct env_setting *e = push(&cfg->env, &cfg->nenv, sizeof(*e));
		const char *eq = strchr(arg, '=');
		if (!e)
			return -ENOMEM;
		if (arg[0] == '\0' || eq == arg)
			return err_set(err, errlen, -EINVAL, "--env: '%s' is not NAME=VALUE or NAME", arg);
		e->name = arg;
		e->value = eq ? eq + 1 : NULL;
		return 0;
	}
	case OPT_UNSETENV:
	case OPT_ENV_FILE: {
		struct env_setting *e = push(&cfg->env, &cfg->nenv, sizeof(*e));
		if (!e)
			return -ENOMEM;
		if (c == OPT_UNSETENV && (arg[0] == '\0' || strchr(arg, '=')))
			return err_set(err, errlen, -EINVAL, "--unsetenv: '%s' is not a variable name", arg);
		if (c == OPT_ENV_FILE && arg[0] == '\0')
			return err_set(err, errlen, -EINVAL, "--env-file: the path is empty");
		e->kind = c == OPT_UNSETENV ? ENV_UNSET : ENV_FILE;
		e->name = arg;
		return 0;
	}
	case OPT_CLEARENV:
		cfg->clearenv = true;
		return 0;
	case OPT_NAME:
		if (registry_name_valid(arg) < 0)
			return err_set(err, errlen, -EINVAL,
				       "--name: '%s' must be 1 to 64 of A-Z a-z 0-9 _ . -, not starting with '.' or '-'", arg);
		cfg->name = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_seconds_ms(arg, &cfg->timeout_ms) < 0)
			return err_set(err, errlen, -EINVAL, "--timeout: '%s' is not a positive number of seconds", arg);
		return 0;
	case OPT_NO_TTY:
		cfg->no_tty = true;
		return 0;
	case OPT_CAP_ADD:
	case OPT_CAP_DROP: {
		struct cap_change *cc = push(&cfg->caps, &cfg->ncaps, sizeof(*cc));
		if (!cc)
			return -ENOMEM;
		cc->add = c == OPT_CAP_ADD;
		cc->name = arg;
		return 0;
	}
	case OPT_SECCOMP:
		if (strcmp(arg, "default") == 0)
			cfg->seccomp = SECCOMP_DEFAULT;
		else if (strcmp(arg, "none") == 0)
			cfg->seccomp = SECCOMP_NONE;
		else
			return err_set(err, errlen, -EINVAL, "--seccomp: unknown mode '%s' (default or none)", arg);
		return 0;
	case OPT_RLIMIT: {
		struct rlimit_setting *rl = push(&cfg->rlimits, &cfg->nrlimits, sizeof(*rl));
		char why[200];
		if (!rl)
			return -ENOMEM;
		if (rlimit_parse(arg, rl, why, sizeof(why)) < 0)
			return err_set(err, errlen, -EINVAL, "--rlimit: %s", why);
		return 0;
	}
	case OPT_MEMORY:
		if (parse_size(arg, &cfg->memory) < 0 || cfg->memory == 0)
			return err_set(err, errlen, -EINVAL, "--memory: '%s' is not a size like 512m", arg);
		return 0;
	case OPT_PIDS:
		if (parse_uint(arg, INT32_MAX, &cfg->pids) < 0 || cfg->pids == 0)
			return err_set(err, errlen, -EINVAL, "--pids: '%s' is not a positive number", arg);
		return 0;
	case OPT_CPUS: {
		char *end;
		errno = 0;
		cfg->cpus = strtod(arg, &end);
		if (arg[0] < '0' || arg[0] > '9' || *end || errno || !isfinite(cfg->cpus) || cfg->cpus <= 0 ||
		    cfg->cpus > 4096)
			return err_set(err, errlen, -EINVAL, "--cpus: '%s' is not a positive number of CPUs", arg);
		return 0;
	}
	case OPT_CGROUPFS:
		if (strcmp(arg, "ro") == 0)
			cfg->cgroupfs = CGROUPFS_RO;
		else if (strcmp(arg, "rw") == 0)
			cfg->cgroupfs = CGROUPFS_RW;
		else if (strcmp(arg, "none") == 0)
			cfg->cgroupfs = CGROUPFS_NONE;
		else
			return err_set(err, errlen, -EINVAL, "--cgroupfs: unknown mode '%s' (ro, rw or none)", arg);
		return 0;
	case OPT_STATUS_FD:
		if (parse_uint(arg, INT_MAX, &v) < 0)
			return err_set(err, errlen, -EINVAL, "--status-fd: '%s' is not a file descriptor number", arg);
		cfg->status_fd = (int)v;
		return 0;
	case OPT_JSON:
		cfg->list_json = true;
		return 0;
	}
	return err_set(err, errlen, -EINVAL, "internal error: option %d not handled", c);
}

/* Host mode is what ROOTFS is, not how it is spelled: "/.", "/home/..", "/proc/self/root" or a
 * bind mount of "/" all name the host's root, and must get its read-only treatment. */
static bool is_host_root(const char *path)
{
	struct stat st, root;

	if (stat(path, &st) < 0 || stat("/", &root) < 0)
		return false;
	return st.st_dev == root.st_dev && st.st_ino == root.st_ino;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = CMD_RUN;
	cfg->map = MAP_AUTO;
	cfg->hostname = DEFAULT_HOSTNAME;
	cfg->net = NET_SLIRP;
	cfg->net_fast = true;
	cfg->mtu = DEFAULT_MTU;
	cfg->tmp_size = DEFAULT_TMP_SIZE;
	cfg->shm_size = DEFAULT_SHM_SIZE;
	cfg->seccomp = SECCOMP_DEFAULT;
	cfg->status_fd = -1;
	cfg->flow_log_fd = -1;
}

/* The getopt tables for one sub-command. */
static void build_tables(int cmd_bit, struct option *longopts, char *shortopts)
{
	size_t nl = 0, ns = 0;

	shortopts[ns++] = '+'; /* stop at ROOTFS: the rest is COMMAND's */
	shortopts[ns++] = ':'; /* report a missing argument apart from an unknown option */
	for (size_t i = 0; i < ARRAY_SIZE(option_table); i++) {
		const struct option_doc *o = &option_table[i];
		if (!(o->for_cmds & cmd_bit))
			continue;
		longopts[nl++] = (struct option){ o->name, o->has_arg, NULL, o->id };
		if (o->id < CHAR_MAX) {
			shortopts[ns++] = (char)o->id;
			if (o->has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shortopts[ns] = '\0';
}

static int check_combinations(struct config *cfg, char *err, size_t errlen)
{
	if (cfg->npublish > 0 && cfg->net != NET_SLIRP)
		return err_set(err, errlen, -EINVAL, "--publish: needs --net slirp");
	if (cfg->allow_host_loopback && cfg->net != NET_SLIRP)
		return err_set(err, errlen, -EINVAL, "--allow-host-loopback: needs --net slirp");
	if (cfg->nnet_allow > 0 && cfg->net != NET_SLIRP)
		return err_set(err, errlen, -EINVAL, "--net-allow: needs --net slirp");
	if (cfg->flow_log && cfg->net != NET_SLIRP)
		return err_set(err, errlen, -EINVAL, "--flow-log: needs --net slirp");
	if (cfg->host_mode && cfg->overlay)
		return err_set(err, errlen, -EINVAL,
			       "--overlay: not available in host mode (the host's root is read-only already)");
	if (cfg->ro && cfg->overlay)
		return err_set(err, errlen, -EINVAL, "--ro and --overlay: choose one");
	if (cfg->entrypoint && image_ref_kind(cfg->rootfs) == IMAGE_NONE)
		return err_set(err, errlen, -EINVAL,
			       "--entrypoint: only for an IMAGE (a ROOTFS has no Entrypoint; give COMMAND)");
	return 0;
}

int options_parse(int argc, char *const argv[], struct config *cfg, char *err, size_t errlen)
{
	struct option longopts[ARRAY_SIZE(option_table) + 1];
	char shortopts[2 * ARRAY_SIZE(option_table) + 3];
	int cmd_bit = FOR_RUN;
	int first = 1, c, r;

	config_defaults(cfg);
	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		cfg->cmd = CMD_EXEC;
		cmd_bit = FOR_EXEC;
		first = 2;
	} else if (argc > 1 && strcmp(argv[1], "list") == 0) {
		cfg->cmd = CMD_LIST;
		cmd_bit = FOR_LIST;
		first = 2;
	} else if (argc > 1 && strcmp(argv[1], "doctor") == 0) {
		cfg->cmd = CMD_DOCTOR;
		cmd_bit = 0; /* no options */
		first = 2;
	}
	build_tables(cmd_bit, longopts, shortopts);

	/* getopt keeps state in globals; optind = 0 re-initialises it for each parse. */
	optind = 0;
	opterr = 0;
	/* Parse argv[first-1..]: getopt takes element 0 as the program name. */
	while ((c = getopt_long(argc - first + 1, argv + first - 1, shortopts, longopts, NULL)) != -1) {
		const char *bad = argv[first - 1 + optind - 1];
		if (c == '?') {
			if (optopt && optopt < CHAR_MAX)
				return err_set(err, errlen, -EINVAL, "-%c: unknown option (see sandbox --help)", optopt);
			return err_set(err, errlen, -EINVAL, "%s: unknown option (see sandbox --help)", bad);
		}
		if (c == ':')
			return err_set(err, errlen, -EINVAL, "%s: needs an argument", bad);
		/* --bind SRC DST takes a second word: let it see the shifted argv. */
		optind += first - 1;
		r = parse_one(c, optarg, argc, argv, cfg, err, errlen);
		optind -= first - 1;
		if (r < 0)
			return r;
		if (cfg->cmd == CMD_HELP || cfg->cmd == CMD_VERSION)
			return 0;
	}
	optind += first - 1;

	if (cfg->cmd == CMD_LIST || cfg->cmd == CMD_DOCTOR) {
		if (optind < argc)
			return err_set(err, errlen, -EINVAL, "%s: unexpected argument '%s'", argv[1], argv[optind]);
		return 0;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return err_set(err, errlen, -EINVAL, cfg->cmd == CMD_EXEC ? "exec: missing NAME (see sandbox --help)"
			       : "usage: missing ROOTFS (see sandbox --help)");
	if (cfg->cmd == CMD_EXEC)
		cfg->name = argv[optind++];
	else
		cfg->rootfs = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		static char *const default_cmd[] = { "/bin/sh", NULL };
		cfg->argv = default_cmd;
	} else {
		cfg->argv = argv + optind;
		cfg->argv_given = true;
	}
	if (cfg->rootfs) {
		if (cfg->rootfs[0] == '\0')
			return err_set(err, errlen, -EINVAL, "ROOTFS: the path is empty");
		cfg->host_mode = is_host_root(cfg->rootfs);
		if (cfg->host_mode)
			cfg->runtime_dir = getenv("XDG_RUNTIME_DIR");
	}
	return check_combinations(cfg, err, errlen);
}

void options_resolve_identity(struct config *cfg, uid_t uid, gid_t gid)
{
	/* Host mode is for running the host's own tools on the host's own files: as yourself,
	 * unless root inside was asked for (--user 0 or an explicit --map). */
	if (cfg->host_mode && !cfg->map_set && !(cfg->user_set && cfg->user_uid == 0))
		cfg->map = MAP_KEEP_ID;
	if (cfg->map == MAP_KEEP_ID && !cfg->user_set) {
		cfg->user_set = true;
		cfg->user_uid = uid;
		cfg->user_gid = gid;
	}
}

/* All of fd into *data (grown as it comes, up to OPTIONS_FILE_MAX). 0, -EFBIG or -errno. */
static int read_source(int fd, char **data, size_t *len)
{
	size_t cap = 0;

	*len = 0;
	for (;;) {
		ssize_t n;
		if (*len == cap) {
			char *p;
			if (cap >= OPTIONS_FILE_MAX + 1)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			if (cap > OPTIONS_FILE_MAX + 1)
				cap = OPTIONS_FILE_MAX + 1;
			p = realloc(*data, cap);
			if (!p)
				return -ENOMEM;
			*data = p;
		}
		n = read(fd, *data + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return *len > OPTIONS_FILE_MAX ? -EFBIG : 0;
		*len += (size_t)n;
	}
}

int options_load_files(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nmounts; i++) {
		struct user_mount *m = &cfg->mounts[i];
		unsigned long long fdnum;
		_cleanup_close_ int own = -1;
		int fd, r;

		if (m->kind != MOUNT_FILE)
			continue;
		if (parse_uint(m->src, INT32_MAX, &fdnum) == 0) {
			fd = (int)fdnum;
		} else {
			own = open(m->src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
			if (own < 0)
				return err_set(err, errlen, errno, "--file %s", m->src);
			fd = own;
		}
		r = read_source(fd, &m->data, &m->len);
		if (r == -EFBIG)
			return err_set(err, errlen, -EFBIG, "--file %s: larger than %d bytes", m->src, OPTIONS_FILE_MAX);
		if (r < 0)
			return err_set(err, errlen, -r, "--file %s: read", m->src);
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nmounts; i++)
		free(cfg->mounts[i].data);
	free(cfg->publish);
	free(cfg->net_allow);
	for (size_t i = 0; i < cfg->nmounts; i++)
		free(cfg->mounts[i].dst_owned);
	free(cfg->mounts);
	free(cfg->env);
	free(cfg->dns);
	free(cfg->add_hosts);
	free(cfg->caps);
	free(cfg->rlimits);
	memset(cfg, 0, sizeof(*cfg));
}
