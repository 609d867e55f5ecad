/* Unit tests for options.c: defaults, every option, the argument grammar (--, ROOTFS, exec,
 * list), every refused input with its reason, and --help / sandbox.1 against the table. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "options.h"
#include "util.h"

static int parse_v(struct config *cfg, char *err, size_t errlen, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(err, 0, errlen);
	return options_parse(argc, argv, cfg, err, errlen);
}

/* The compound literal lives as long as the enclosing block, as cfg's strings need. */
#define PARSE(cfg, err, ...) parse_v(cfg, err, sizeof(err), (char *[]){ "sandbox", ##__VA_ARGS__, NULL })

/* Parse, expecting success. */
#define PARSE_OK(cfg, err, ...)                                                      \
	do {                                                                         \
		int r_ = PARSE(cfg, err, ##__VA_ARGS__);                             \
		if (r_ != 0)                                                         \
			fail_msg("parse failed: %d (%s)", r_, err);                  \
	} while (0)

static void assert_argv(char *const *got, const char *const *want)
{
	size_t i;

	assert_non_null(got);
	for (i = 0; want[i]; i++) {
		if (!got[i])
			fail_msg("argv[%zu] missing, want '%s'", i, want[i]);
		assert_string_equal(got[i], want[i]);
	}
	if (got[i])
		fail_msg("argv[%zu] '%s' is extra", i, got[i]);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "/srv/root");
	assert_int_equal(cfg.cmd, CMD_RUN);
	assert_string_equal(cfg.rootfs, "/srv/root");
	assert_false(cfg.host_mode);
	assert_argv(cfg.argv, (const char *[]){ "/bin/sh", NULL });
	assert_int_equal(cfg.net, NET_SLIRP);
	assert_int_equal(cfg.mtu, 65520);
	assert_string_equal(cfg.hostname, "sandbox");
	assert_int_equal(cfg.map, MAP_AUTO);
	assert_int_equal(cfg.tmp_size, 512ULL << 20);
	assert_int_equal(cfg.status_fd, -1);
	assert_int_equal(cfg.seccomp, SECCOMP_DEFAULT);
	assert_int_equal(cfg.cgroupfs, CGROUPFS_RO);
	assert_false(cfg.verbose);
	assert_false(cfg.user_set);
	assert_false(cfg.allow_host_loopback);
	assert_false(cfg.ro);
	assert_false(cfg.overlay);
	assert_false(cfg.no_tty);
	assert_false(cfg.list_json);
	assert_null(cfg.workdir);
	assert_null(cfg.name);
	assert_int_equal(cfg.npublish, 0);
	assert_int_equal(cfg.nmounts, 0);
	assert_int_equal(cfg.nenv, 0);
	assert_int_equal(cfg.ncaps, 0);
	assert_int_equal(cfg.nrlimits, 0);
	assert_int_equal(cfg.timeout_ms, 0);
	assert_int_equal(cfg.memory, 0);
	assert_int_equal(cfg.pids, 0);
	assert_true(cfg.cpus == 0);
	config_free(&cfg);
}

static void test_flags(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "-v", "--ro", "--no-tty", "--allow-host-loopback", "R");
	assert_true(cfg.verbose);
	assert_true(cfg.ro);
	assert_true(cfg.no_tty);
	assert_true(cfg.allow_host_loopback);
	config_free(&cfg);

	PARSE_OK(&cfg, err, "--verbose", "--overlay", "R");
	assert_true(cfg.verbose);
	assert_true(cfg.overlay);
	assert_false(cfg.ro);
	config_free(&cfg);

	/* --help and --version end parsing: no ROOTFS needed, later garbage ignored. */
	PARSE_OK(&cfg, err, "--help");
	assert_int_equal(cfg.cmd, CMD_HELP);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "-h", "--bogus");
	assert_int_equal(cfg.cmd, CMD_HELP);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "--version");
	assert_int_equal(cfg.cmd, CMD_VERSION);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "-v", "-V");
	assert_int_equal(cfg.cmd, CMD_VERSION);
	config_free(&cfg);
	/* Short options cluster. */
	PARSE_OK(&cfg, err, "-vh");
	assert_true(cfg.verbose);
	assert_int_equal(cfg.cmd, CMD_HELP);
	config_free(&cfg);
}

static void test_valued_options(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "--map", "self", "--user", "1000:100", "--hostname", "box", "--net", "none",
		 "--mtu", "1500", "--tmp-size", "1g", "-w", "/work", "--name", "web", "--timeout", "2.5",
		 "--seccomp", "none", "--memory", "256m", "--pids", "100", "--cpus", "1.5", "--status-fd", "3",
		 "--cgroupfs", "rw", "R", "cmd");
	assert_int_equal(cfg.map, MAP_SELF);
	assert_true(cfg.user_set);
	assert_int_equal(cfg.user_uid, 1000);
	assert_int_equal(cfg.user_gid, 100);
	assert_string_equal(cfg.hostname, "box");
	assert_int_equal(cfg.net, NET_NONE);
	assert_int_equal(cfg.mtu, 1500);
	assert_int_equal(cfg.tmp_size, 1ULL << 30);
	assert_string_equal(cfg.workdir, "/work");
	assert_string_equal(cfg.name, "web");
	assert_int_equal(cfg.timeout_ms, 2500);
	assert_int_equal(cfg.seccomp, SECCOMP_NONE);
	assert_int_equal(cfg.memory, 256ULL << 20);
	assert_int_equal(cfg.pids, 100);
	assert_true(cfg.cpus == 1.5);
	assert_int_equal(cfg.status_fd, 3);
	assert_int_equal(cfg.cgroupfs, CGROUPFS_RW);
	assert_argv(cfg.argv, (const char *[]){ "cmd", NULL });
	config_free(&cfg);

	/* The --opt=value spelling, and the other values of the enumerations. */
	PARSE_OK(&cfg, err, "--map=auto", "--net=host", "--seccomp=default", "--hostname=h", "--workdir=/",
		 "--user=0", "--cgroupfs=none", "R");
	assert_int_equal(cfg.map, MAP_AUTO);
	assert_int_equal(cfg.cgroupfs, CGROUPFS_NONE);
	assert_int_equal(cfg.net, NET_HOST);
	assert_int_equal(cfg.seccomp, SECCOMP_DEFAULT);
	assert_string_equal(cfg.hostname, "h");
	assert_string_equal(cfg.workdir, "/");
	assert_true(cfg.user_set);
	assert_int_equal(cfg.user_uid, 0);
	assert_int_equal(cfg.user_gid, 0);
	config_free(&cfg);

	PARSE_OK(&cfg, err, "--net", "slirp", "--user", "1000", "R");
	assert_int_equal(cfg.net, NET_SLIRP);
	assert_int_equal(cfg.user_uid, 1000);
	assert_int_equal(cfg.user_gid, 1000);
	config_free(&cfg);

	/* The last of a repeated single-valued option wins. */
	PARSE_OK(&cfg, err, "--hostname", "a", "--hostname", "b", "--net", "none", "--net", "slirp", "R");
	assert_string_equal(cfg.hostname, "b");
	assert_int_equal(cfg.net, NET_SLIRP);
	config_free(&cfg);
}

static void test_limits_in_range(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	char host64[65];

	PARSE_OK(&cfg, err, "--mtu", "1280", "R");
	assert_int_equal(cfg.mtu, 1280);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "--mtu", "65521", "R");
	assert_int_equal(cfg.mtu, 65521);
	config_free(&cfg);

	memset(host64, 'a', 64);
	host64[64] = '\0';
	PARSE_OK(&cfg, err, "--hostname", host64, "R");
	assert_int_equal(strlen(cfg.hostname), 64);
	config_free(&cfg);

	PARSE_OK(&cfg, err, "--pids", "2147483647", "--cpus", "4096", "--status-fd", "0", "--memory", "1",
		 "--tmp-size", "1", "R");
	assert_int_equal(cfg.pids, 2147483647);
	assert_true(cfg.cpus == 4096);
	assert_int_equal(cfg.status_fd, 0);
	assert_int_equal(cfg.memory, 1);
	assert_int_equal(cfg.tmp_size, 1);
	config_free(&cfg);

	PARSE_OK(&cfg, err, "--cpus", "0.01", "R");
	assert_true(cfg.cpus == 0.01);
	config_free(&cfg);
}

/* Seconds to milliseconds, rounded up, exact for decimal input. */
static void test_timeout_values(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		unsigned long long ms;
	} cases[] = {
		{ "1", 1000 },	      { "1.5", 1500 },	    { ".5", 500 },	    { "0.001", 1 },
		{ "0.0001", 1 },      { "1e3", 1000000 },   { "2.007", 2007 },	    { "1.001", 1001 },
		{ "4.35", 4350 },     { "0.5001", 501 },    { "1000000000", 1000000000000ULL },
		{ "0.0000000001", 1 }, { "1.0001", 1001 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config cfg;
		char err[256];
		int r = PARSE(&cfg, err, "--timeout", (char *)cases[i].s, "R");
		if (r != 0)
			fail_msg("--timeout %s: %d (%s)", cases[i].s, r, err);
		if (cfg.timeout_ms != cases[i].ms)
			fail_msg("--timeout %s: got %llu ms, want %llu", cases[i].s, cfg.timeout_ms, cases[i].ms);
		config_free(&cfg);
	}
}

static void test_mounts(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "--bind", "/src", "/dst", "--tmpfs", "/t", "--ro-bind", "rel/src", "/ro", "--bind=/a",
		 "/b", "R", "cmd");
	assert_int_equal(cfg.nmounts, 4);
	assert_int_equal(cfg.mounts[0].kind, MOUNT_BIND);
	assert_string_equal(cfg.mounts[0].src, "/src");
	assert_string_equal(cfg.mounts[0].dst, "/dst");
	assert_int_equal(cfg.mounts[1].kind, MOUNT_TMPFS);
	assert_null(cfg.mounts[1].src);
	assert_string_equal(cfg.mounts[1].dst, "/t");
	assert_int_equal(cfg.mounts[2].kind, MOUNT_RO_BIND);
	assert_string_equal(cfg.mounts[2].src, "rel/src"); /* a host path: relative is fine */
	assert_string_equal(cfg.mounts[2].dst, "/ro");
	assert_int_equal(cfg.mounts[3].kind, MOUNT_BIND);
	assert_string_equal(cfg.mounts[3].src, "/a");
	assert_string_equal(cfg.mounts[3].dst, "/b");
	assert_string_equal(cfg.rootfs, "R");
	assert_argv(cfg.argv, (const char *[]){ "cmd", NULL });
	config_free(&cfg);

	/* DST is the word after SRC even when it looks like ROOTFS: then ROOTFS is missing. */
	assert_int_equal(PARSE(&cfg, err, "--bind", "/a", "/b"), -EINVAL);
	assert_non_null(strstr(err, "ROOTFS"));
	config_free(&cfg);
}

static void test_env_caps_rlimits(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "-e", "A=1", "--env", "B", "-e", "C=", "-e", "D=x=y", "--cap-add", "NET_ADMIN",
		 "--cap-drop", "ALL", "--rlimit", "NOFILE=10:20", "--rlimit", "core=0", "R");
	assert_int_equal(cfg.nenv, 4);
	assert_string_equal(cfg.env[0].name, "A=1");
	assert_string_equal(cfg.env[0].value, "1");
	assert_string_equal(cfg.env[1].name, "B");
	assert_null(cfg.env[1].value);
	assert_string_equal(cfg.env[2].value, "");
	assert_string_equal(cfg.env[3].value, "x=y");
	assert_ptr_equal(cfg.env[3].value, cfg.env[3].name + 2);

	assert_int_equal(cfg.ncaps, 2);
	assert_true(cfg.caps[0].add);
	assert_string_equal(cfg.caps[0].name, "NET_ADMIN");
	assert_false(cfg.caps[1].add);
	assert_string_equal(cfg.caps[1].name, "ALL");

	assert_int_equal(cfg.nrlimits, 2);
	assert_int_equal(cfg.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(cfg.rlimits[0].soft, 10);
	assert_int_equal(cfg.rlimits[0].hard, 20);
	assert_true(cfg.rlimits[0].hard_set);
	assert_int_equal(cfg.rlimits[1].resource, RLIMIT_CORE);
	assert_int_equal(cfg.rlimits[1].soft, 0);
	assert_false(cfg.rlimits[1].hard_set);

	config_free(&cfg);
	assert_null(cfg.env);
	assert_int_equal(cfg.nenv, 0);
}

/* -p collects entries in order (the spec grammar itself is test_publish's). */
static void test_publish_list(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	struct publish probe;

	/* Until publish.c lands, its stub refuses every spec: then check that its reason is
	 * passed on (cmocka 1.1's TAP output turns skip() into a failure). */
	if (publish_parse("8080:80", &probe, err, sizeof(err)) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		print_message("publish_parse refuses 8080:80: checking that options passes its reason on\n");
		assert_int_equal(PARSE(&cfg, err, "-p", "8080:80", "R"), -EINVAL);
		assert_non_null(strstr(err, "--publish: "));
		assert_non_null(strstr(err, why));
		config_free(&cfg);
		return;
	}
	PARSE_OK(&cfg, err, "-p", "8080:80", "--publish", "127.0.0.1:5353:53/udp", "R");
	assert_int_equal(cfg.npublish, 2);
	assert_int_equal(cfg.publish[0].host_port, 8080);
	assert_int_equal(cfg.publish[0].sandbox_port, 80);
	assert_false(cfg.publish[0].udp);
	assert_int_equal(cfg.publish[1].host_port, 5353);
	assert_int_equal(cfg.publish[1].sandbox_port, 53);
	assert_true(cfg.publish[1].udp);
	config_free(&cfg);

	/* With a valid spec, only the combination can be what is refused. */
	assert_int_equal(PARSE(&cfg, err, "-p", "8080:80", "--net", "none", "R"), -EINVAL);
	assert_non_null(strstr(err, "--publish"));
	assert_non_null(strstr(err, "--net"));
	config_free(&cfg);
}

static void test_double_dash_and_rootfs(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	/* Options after ROOTFS are COMMAND's. */
	PARSE_OK(&cfg, err, "-v", "R", "--hostname", "x", "-v");
	assert_string_equal(cfg.rootfs, "R");
	assert_string_equal(cfg.hostname, "sandbox");
	assert_argv(cfg.argv, (const char *[]){ "--hostname", "x", "-v", NULL });
	config_free(&cfg);

	PARSE_OK(&cfg, err, "R", "ls", "-l", "--", "x");
	assert_argv(cfg.argv, (const char *[]){ "ls", "-l", "--", "x", NULL });
	config_free(&cfg);

	/* One "--" after ROOTFS is dropped; a second one is COMMAND. */
	PARSE_OK(&cfg, err, "R", "--", "ls", "-l");
	assert_argv(cfg.argv, (const char *[]){ "ls", "-l", NULL });
	config_free(&cfg);
	PARSE_OK(&cfg, err, "R", "--", "--", "x");
	assert_argv(cfg.argv, (const char *[]){ "--", "x", NULL });
	config_free(&cfg);
	PARSE_OK(&cfg, err, "R", "--");
	assert_argv(cfg.argv, (const char *[]){ "/bin/sh", NULL });
	config_free(&cfg);

	/* "--" before ROOTFS ends the options: a ROOTFS may then start with '-'. */
	PARSE_OK(&cfg, err, "-v", "--", "-weird", "cmd");
	assert_true(cfg.verbose);
	assert_string_equal(cfg.rootfs, "-weird");
	assert_argv(cfg.argv, (const char *[]){ "cmd", NULL });
	config_free(&cfg);
	PARSE_OK(&cfg, err, "--", "R", "--", "cmd");
	assert_string_equal(cfg.rootfs, "R");
	assert_argv(cfg.argv, (const char *[]){ "cmd", NULL });
	config_free(&cfg);

	assert_int_equal(PARSE(&cfg, err, "--"), -EINVAL);
	assert_non_null(strstr(err, "ROOTFS"));
	config_free(&cfg);
	assert_int_equal(PARSE(&cfg, err, "-v", "--"), -EINVAL);
	assert_non_null(strstr(err, "ROOTFS"));
	config_free(&cfg);
}

static void test_host_mode(void **state)
{
	(void)state;
	static const struct {
		const char *rootfs;
		bool host;
	} cases[] = {
		{ "/", true },	      { "//", true },	       { "///", true },	    { "/srv", false },
		{ "/.", true },	      { "/./", true },	       { "/tmp/..", true }, { "/proc/self/root", true },
		{ "/proc/self/root/", true }, { "/srv/", false }, { "/nonexistent/..", false }, { "/tmp", false }, { "rootfs", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config cfg;
		char err[256];
		int r = PARSE(&cfg, err, (char *)cases[i].rootfs);
		if (r != 0)
			fail_msg("'%s': %d (%s)", cases[i].rootfs, r, err);
		if (cfg.host_mode != cases[i].host)
			fail_msg("'%s': host_mode %d, want %d", cases[i].rootfs, cfg.host_mode, cases[i].host);
		assert_string_equal(cfg.rootfs, cases[i].rootfs);
		config_free(&cfg);
	}
}

/* Who COMMAND runs as: host mode is the caller unless root is asked for. */
static void test_resolve_identity(void **state)
{
	(void)state;
	static const struct {
		const char *args[6];
		enum map_mode map;
		bool user_set;
		uid_t uid;
		gid_t gid;
	} cases[] = {
		{ { "/" }, MAP_KEEP_ID, true, 1000, 100 },
		{ { "--user", "0", "/" }, MAP_AUTO, true, 0, 0 },
		{ { "--user", "1000:5", "/" }, MAP_KEEP_ID, true, 1000, 5 },
		{ { "--map", "auto", "/" }, MAP_AUTO, false, 0, 0 },
		{ { "--map", "self", "/" }, MAP_SELF, false, 0, 0 },
		{ { "--map", "subid", "/" }, MAP_SUBID, false, 0, 0 },
		{ { "rootfs" }, MAP_AUTO, false, 0, 0 },
		{ { "--map", "keep-id", "rootfs" }, MAP_KEEP_ID, true, 1000, 100 },
		{ { "--map", "keep-id", "--user", "7", "rootfs" }, MAP_KEEP_ID, true, 7, 7 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[8] = { "sandbox" };
		struct config cfg;
		char err[256];
		size_t n = 1;

		for (size_t k = 0; k < ARRAY_SIZE(cases[i].args) && cases[i].args[k]; k++)
			argv[n++] = (char *)cases[i].args[k];
		if (parse_v(&cfg, err, sizeof(err), argv) != 0)
			fail_msg("case %zu: %s", i, err);
		options_resolve_identity(&cfg, 1000, 100);
		if (cfg.map != cases[i].map || cfg.user_set != cases[i].user_set ||
		    (cfg.user_set && (cfg.user_uid != cases[i].uid || cfg.user_gid != cases[i].gid)))
			fail_msg("case %zu: map %d user %d %u:%u", i, cfg.map, cfg.user_set, (unsigned)cfg.user_uid,
				 (unsigned)cfg.user_gid);
		config_free(&cfg);
	}
}

static void test_exec(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "exec", "web", "ps", "aux");
	assert_int_equal(cfg.cmd, CMD_EXEC);
	assert_string_equal(cfg.name, "web");
	assert_null(cfg.rootfs);
	assert_false(cfg.host_mode);
	assert_argv(cfg.argv, (const char *[]){ "ps", "aux", NULL });
	config_free(&cfg);

	PARSE_OK(&cfg, err, "exec", "-v", "--user", "1000:1000", "-w", "/tmp", "-e", "A=1", "web", "--", "ls",
		 "-a");
	assert_int_equal(cfg.cmd, CMD_EXEC);
	assert_true(cfg.verbose);
	assert_true(cfg.user_set);
	assert_int_equal(cfg.user_uid, 1000);
	assert_string_equal(cfg.workdir, "/tmp");
	assert_int_equal(cfg.nenv, 1);
	assert_string_equal(cfg.name, "web");
	assert_argv(cfg.argv, (const char *[]){ "ls", "-a", NULL });
	config_free(&cfg);

	/* COMMAND defaults to /bin/sh, as for the sandbox's own. */
	PARSE_OK(&cfg, err, "exec", "web");
	assert_argv(cfg.argv, (const char *[]){ "/bin/sh", NULL });
	config_free(&cfg);
	PARSE_OK(&cfg, err, "exec", "-t", "web", "--");
	assert_true(cfg.tty);
	assert_argv(cfg.argv, (const char *[]){ "/bin/sh", NULL });
	config_free(&cfg);

	/* Options after NAME are COMMAND's. */
	PARSE_OK(&cfg, err, "exec", "web", "-v");
	assert_false(cfg.verbose);
	assert_argv(cfg.argv, (const char *[]){ "-v", NULL });
	config_free(&cfg);

	/* "exec" only counts as the first word. */
	PARSE_OK(&cfg, err, "-v", "exec");
	assert_int_equal(cfg.cmd, CMD_RUN);
	assert_string_equal(cfg.rootfs, "exec");
	config_free(&cfg);

	/* A second parse after an exec parse starts from scratch (getopt state reset). */
	PARSE_OK(&cfg, err, "R");
	assert_int_equal(cfg.cmd, CMD_RUN);
	assert_null(cfg.name);
	config_free(&cfg);
}

static void test_list(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	PARSE_OK(&cfg, err, "list");
	assert_int_equal(cfg.cmd, CMD_LIST);
	assert_false(cfg.list_json);
	config_free(&cfg);

	PARSE_OK(&cfg, err, "list", "--json");
	assert_int_equal(cfg.cmd, CMD_LIST);
	assert_true(cfg.list_json);
	config_free(&cfg);
}

/* getopt's state is global: a parse stopped in the middle of "-vZ" must not leak into the next. */
static void test_reparse(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];

	assert_int_equal(PARSE(&cfg, err, "-vZ", "R"), -EINVAL);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "-v", "R2");
	assert_true(cfg.verbose);
	assert_string_equal(cfg.rootfs, "R2");
	config_free(&cfg);
	assert_int_equal(PARSE(&cfg, err, "exec", "--bogus"), -EINVAL);
	config_free(&cfg);
	PARSE_OK(&cfg, err, "--hostname", "h", "R3", "c");
	assert_string_equal(cfg.hostname, "h");
	assert_string_equal(cfg.rootfs, "R3");
	assert_argv(cfg.argv, (const char *[]){ "c", NULL });
	config_free(&cfg);
}

static void test_parse_user(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ret;
		uid_t uid;
		gid_t gid;
	} cases[] = {
		{ "1000", 0, 1000, 1000 },
		{ "1000:100", 0, 1000, 100 },
		{ "0", 0, 0, 0 },
		{ "0:0", 0, 0, 0 },
		{ "0:5", 0, 0, 5 },
		{ "4294967294", 0, 4294967294u, 4294967294u },
		{ "1:4294967294", 0, 1, 4294967294u },
		{ "4294967295", -EINVAL, 0, 0 }, /* (uid_t)-1: "unchanged" to setresuid */
		{ "1:4294967295", -EINVAL, 0, 0 },
		{ "4294967296", -EINVAL, 0, 0 },
		{ "abc", -EINVAL, 0, 0 },
		{ "root", -EINVAL, 0, 0 },
		{ "-1", -EINVAL, 0, 0 },
		{ "1:-1", -EINVAL, 0, 0 },
		{ "1:", -EINVAL, 0, 0 },
		{ ":1", -EINVAL, 0, 0 },
		{ ":", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "1:2:3", -EINVAL, 0, 0 },
		{ " 1", -EINVAL, 0, 0 },
		{ "1 ", -EINVAL, 0, 0 },
		{ "+1", -EINVAL, 0, 0 },
		{ "1:abc", -EINVAL, 0, 0 },
		{ "0x10", -EINVAL, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uid_t u = 77;
		gid_t g = 77;
		int r = options_parse_user(cases[i].s, &u, &g);
		if (r != cases[i].ret)
			fail_msg("'%s': got %d, want %d", cases[i].s, r, cases[i].ret);
		if (r == 0 && (u != cases[i].uid || g != cases[i].gid))
			fail_msg("'%s': got %u:%u, want %u:%u", cases[i].s, u, g, cases[i].uid, cases[i].gid);
		if (r < 0 && (u != 77 || g != 77))
			fail_msg("'%s': output changed on error", cases[i].s);
	}
}

#define HOST65 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Every refused input: -EINVAL, and a reason naming the bad input. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *args[12];
		const char *needle;
	} cases[] = {
		{ { "--bogus", "R" }, "--bogus" },
		{ { "--bogus=1", "R" }, "--bogus" },
		{ { "-Z", "R" }, "-Z" },
		{ { "-vZ", "R" }, "-Z" },
		{ { "--hostname" }, "--hostname" },
		{ { "--net" }, "--net" },
		{ { "-w" }, "-w" },
		{ { "-e" }, "-e" },
		{ { "--net", "bogus", "R" }, "bogus" },
		{ { "--net", "", "R" }, "--net" },
		{ { "--net", "SLIRP", "R" }, "SLIRP" },
		{ { "--map", "x", "R" }, "'x'" },
		{ { "--mtu", "0", "R" }, "'0'" },
		{ { "--mtu", "1000000", "R" }, "1000000" },
		{ { "--mtu", "1279", "R" }, "1279" },
		{ { "--mtu", "65522", "R" }, "65522" },
		{ { "--mtu", "abc", "R" }, "abc" },
		{ { "--mtu", "-1500", "R" }, "-1500" },
		{ { "--hostname", HOST65, "R" }, HOST65 },
		{ { "--hostname", "", "R" }, "--hostname" },
		{ { "--timeout", "-1", "R" }, "'-1'" },
		{ { "--timeout", "abc", "R" }, "abc" },
		{ { "--timeout", "0", "R" }, "'0'" },
		{ { "--timeout", "0.0", "R" }, "'0.0'" },
		{ { "--timeout", "", "R" }, "--timeout" },
		{ { "--timeout", "1s", "R" }, "1s" },
		{ { "--timeout", "inf", "R" }, "inf" },
		{ { "--timeout", "nan", "R" }, "nan" },
		{ { "--timeout", "1000000001", "R" }, "1000000001" },
		{ { "--rlimit", "FOO=1", "R" }, "FOO" },
		{ { "--rlimit", "NOFILE=10:5", "R" }, "NOFILE=10:5" },
		{ { "--rlimit", "NOFILE", "R" }, "NOFILE" },
		{ { "--memory", "12q", "R" }, "12q" },
		{ { "--memory", "0", "R" }, "'0'" },
		{ { "--pids", "0", "R" }, "'0'" },
		{ { "--pids", "2147483648", "R" }, "2147483648" },
		{ { "--pids", "-5", "R" }, "-5" },
		{ { "--cpus", "-1", "R" }, "-1" },
		{ { "--cpus", "0", "R" }, "'0'" },
		{ { "--cpus", "4097", "R" }, "4097" },
		{ { "--cpus", "abc", "R" }, "abc" },
		{ { "--cpus", "1x", "R" }, "1x" },
		{ { "--status-fd", "abc", "R" }, "abc" },
		{ { "--status-fd", "-1", "R" }, "'-1'" },
		{ { "--status-fd", "2147483648", "R" }, "2147483648" },
		{ { "--tmp-size", "0", "R" }, "'0'" },
		{ { "--tmp-size", "1kb", "R" }, "1kb" },
		{ { "--bind", "/a", "rel", "R" }, "rel" },
		{ { "--ro-bind", "/a", "rel", "R" }, "rel" },
		{ { "--tmpfs", "rel", "R" }, "rel" },
		{ { "--tmpfs", "/t:abc", "R" }, "'abc'" },
		{ { "--tmpfs", "/t:0", "R" }, "'0'" },
		{ { "--tmpfs", "rel:1m", "R" }, "rel" },
		{ { "--shm-size", "0", "R" }, "'0'" },
		{ { "--shm-size", "x", "R" }, "'x'" },
		{ { "--bind", "/a", "", "R" }, "--bind" },
		{ { "--bind", "/a" }, "--bind" },
		{ { "--ro-bind", "/a" }, "--ro-bind" },
		{ { "--bind" }, "--bind" },
		{ { "-w", "rel", "R" }, "rel" },
		{ { "--workdir", "", "R" }, "--workdir" },
		{ { "-e", "", "R" }, "--env" },
		{ { "-e", "=x", "R" }, "=x" },
		{ { "--name", "", "R" }, "--name" },
		{ { "--name", "a/b", "R" }, "a/b" },
		{ { "--name", ".hidden", "R" }, ".hidden" },
		{ { "--name", HOST65, "R" }, HOST65 },
		{ { "--seccomp", "strict", "R" }, "strict" },
		{ { "--cgroupfs", "yes", "R" }, "'yes'" },
		{ { "--user", "abc", "R" }, "abc" },
		{ { "--user", "4294967295", "R" }, "4294967295" },
		{ { "-p", "bogus", "R" }, "--publish" },
		{ { "-p", "8080:80", "--net", "none", "R" }, "--publish" },
		{ { "--net", "host", "-p", "8080:80", "R" }, "--publish" },
		{ { "--allow-host-loopback", "--net", "none", "R" }, "--allow-host-loopback" },
		{ { "--ro", "--overlay", "R" }, "--ro" },
		{ { "--overlay", "--ro", "R" }, "--overlay" },
		{ { "--overlay", "/" }, "--overlay" },
		{ { "--json", "R" }, "--json" },
		{ { NULL }, "ROOTFS" },
		{ { "-v" }, "ROOTFS" },
		{ { "" }, "ROOTFS" },
		{ { "exec" }, "NAME" },
		{ { "exec", "--hostname", "x", "web", "ls" }, "--hostname" },
		{ { "exec", "--json", "web", "ls" }, "--json" },
		{ { "list", "extra" }, "'extra'" },
		{ { "list", "--verbose" }, "--verbose" },
		{ { "list", "-v" }, "-v" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[16] = { "sandbox" };
		char desc[256] = "";
		struct config cfg;
		char err[256];
		int r;

		for (size_t k = 0; cases[i].args[k]; k++) {
			argv[k + 1] = (char *)cases[i].args[k];
			strncat(desc, " ", sizeof(desc) - strlen(desc) - 1);
			strncat(desc, cases[i].args[k], sizeof(desc) - strlen(desc) - 1);
		}
		r = parse_v(&cfg, err, sizeof(err), argv);
		if (r != -EINVAL)
			fail_msg("sandbox%s: got %d, want -EINVAL (err '%s')", desc, r, err);
		if (err[0] == '\0')
			fail_msg("sandbox%s: no reason", desc);
		if (!strstr(err, cases[i].needle))
			fail_msg("sandbox%s: reason '%s' does not mention '%s'", desc, err, cases[i].needle);
		if (strncmp(err, "sandbox: ", 9) == 0 || strchr(err, '\n'))
			fail_msg("sandbox%s: reason '%s' is not one bare line", desc, err);
		config_free(&cfg);
	}
}

/* The reason is cut to the caller's buffer, never written past it. */
static void test_error_truncated(void **state)
{
	(void)state;
	struct config cfg;
	char err[24];

	memset(err, '#', sizeof(err));
	char *argv[] = { "sandbox", "--net", "a-very-long-bogus-network-mode", "R", NULL };
	assert_int_equal(options_parse(4, argv, &cfg, err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
	for (size_t k = 8; k < sizeof(err); k++)
		assert_int_equal(err[k], '#');
	config_free(&cfg);
}

/* Whether text has "--name" as a whole word (not as the start of "--name-more"). */
static bool has_option(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(text, "--"); p; p = strstr(p + 1, "--")) {
		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		if (strncmp(p + 2, name, n) == 0 && !isalnum((unsigned char)p[2 + n]) && p[2 + n] != '-')
			return true;
	}
	return false;
}

static void test_usage_lists_every_option(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	size_t i;

	assert_non_null(f);
	options_usage(f);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 0);
	for (i = 0; options_long_name(i); i++)
		if (!has_option(text, options_long_name(i)))
			fail_msg("--%s is missing from --help", options_long_name(i));
	assert_true(i > 20);
	assert_null(options_long_name(i + 1));
	assert_null(options_long_name((size_t)-1));
	/* The helper itself: no false positives on prefixes. */
	assert_false(has_option("--ro-bind", "ro"));
	assert_false(has_option("x--ro", "ro"));
	assert_true(has_option("  --ro  ", "ro"));
	free(text);
}

/* Every long option is an item (the tag line after .TP) of sandbox.1. */
static void test_manpage_lists_every_option(void **state)
{
	(void)state;
	const char *top = getenv("top_srcdir");
	char path[4096], *line = NULL, *tags;
	size_t cap = 0, tlen = 0;
	bool after_tp = false;
	FILE *f, *t;

	if (!top || !top[0]) {
		print_message("top_srcdir is not set (run through make check): skipping the sandbox.1 check\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/docs/sandbox.1", top);
	f = fopen(path, "re");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	t = open_memstream(&tags, &tlen);
	assert_non_null(t);
	while (getline(&line, &cap, f) >= 0) {
		if (after_tp) {
			/* groff spells "-" as "\-". */
			for (const char *p = line; *p; p++)
				if (!(p[0] == '\\' && p[1] == '-'))
					fputc(*p, t);
			fputc(' ', t);
		}
		/* .TQ: one more tag for the same item (--bind-try and --ro-bind-try). */
		after_tp = strncmp(line, ".TP", 3) == 0 || strncmp(line, ".TQ", 3) == 0;
	}
	free(line);
	fclose(f);
	assert_int_equal(fclose(t), 0);
	for (size_t i = 0; options_long_name(i); i++)
		if (!has_option(tags, options_long_name(i)))
			fail_msg("--%s is not documented as an item in %s", options_long_name(i), path);
	free(tags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_valued_options),
		cmocka_unit_test(test_limits_in_range),
		cmocka_unit_test(test_timeout_values),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_env_caps_rlimits),
		cmocka_unit_test(test_publish_list),
		cmocka_unit_test(test_double_dash_and_rootfs),
		cmocka_unit_test(test_host_mode),
		cmocka_unit_test(test_resolve_identity),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_reparse),
		cmocka_unit_test(test_parse_user),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_usage_lists_every_option),
		cmocka_unit_test(test_manpage_lists_every_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
