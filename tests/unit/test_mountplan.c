/* Unit tests for mountplan.c: path normalization and the ordered steps of the filesystem
 * contract, built from configs that options_parse made. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mountplan.h"
#include "options.h"
#include "util.h"

static void test_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ret;
		const char *out;
	} cases[] = {
		{ "/", 0, "/" },
		{ "//", 0, "/" },
		{ "///", 0, "/" },
		{ "/.", 0, "/" },
		{ "/./", 0, "/" },
		{ "/..", 0, "/" },
		{ "/../..", 0, "/" },
		{ "/a", 0, "/a" },
		{ "/a/", 0, "/a" },
		{ "/a/./b", 0, "/a/b" },
		{ "/a/../../b", 0, "/b" },
		{ "/../a", 0, "/a" },
		{ "/a/b/..", 0, "/a" },
		{ "/a/b/../", 0, "/a" },
		{ "/a/b/../..", 0, "/" },
		{ "/a/b/../../..", 0, "/" },
		{ "/a//b/", 0, "/a/b" },
		{ "//a///b//", 0, "/a/b" },
		{ "/a/./././b/.", 0, "/a/b" },
		{ "/aa/bb/../cc", 0, "/aa/cc" },
		{ "/a/bb/ccc/../../d", 0, "/a/d" },
		{ "/usr/lib/../bin", 0, "/usr/bin" },
		/* Only exact "." and ".." are special. */
		{ "/...", 0, "/..." },
		{ "/a/...", 0, "/a/..." },
		{ "/..a", 0, "/..a" },
		{ "/a..", 0, "/a.." },
		{ "/.a/b.", 0, "/.a/b." },
		{ "/a b/c", 0, "/a b/c" },
		{ "relative", -EINVAL, NULL },
		{ "a/b", -EINVAL, NULL },
		{ "./a", -EINVAL, NULL },
		{ "../a", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ " /a", -EINVAL, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[4096];
		int r;

		strcpy(out, "untouched");
		r = mountplan_normalize(cases[i].in, out, sizeof(out));
		if (r != cases[i].ret)
			fail_msg("'%s': got %d, want %d", cases[i].in, r, cases[i].ret);
		if (r == 0 && strcmp(out, cases[i].out) != 0)
			fail_msg("'%s': got '%s', want '%s'", cases[i].in, out, cases[i].out);
	}
	char out[16];
	assert_int_equal(mountplan_normalize(NULL, out, sizeof(out)), -EINVAL);
}

static void test_normalize_lengths(void **state)
{
	(void)state;
	char in[10000], out[4096];

	/* "/" + 4094 bytes = 4095: the longest that fits in 4096. */
	in[0] = '/';
	memset(in + 1, 'a', 4094);
	in[4095] = '\0';
	assert_int_equal(mountplan_normalize(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 4095);
	in[4095] = 'a';
	in[4096] = '\0';
	assert_int_equal(mountplan_normalize(in, out, sizeof(out)), -ENAMETOOLONG);
	memset(in + 1, 'a', 8000);
	in[8001] = '\0';
	assert_int_equal(mountplan_normalize(in, out, sizeof(out)), -ENAMETOOLONG);

	/* A long input that normalizes to a short path is fine. */
	size_t n = 0;
	in[n++] = '/';
	while (n + 6 < sizeof(in) - 8) {
		memcpy(in + n, "abc/../", 7);
		n += 7;
	}
	strcpy(in + n, "x//");
	assert_true(strlen(in) > 4096);
	assert_int_equal(mountplan_normalize(in, out, sizeof(out)), 0);
	assert_string_equal(out, "/x");

	/* Tiny buffers: never written past outlen. */
	static const struct {
		const char *in;
		size_t len;
		int ret;
	} cases[] = {
		{ "/", 0, -ENAMETOOLONG }, { "/", 1, -ENAMETOOLONG }, { "/", 2, 0 },
		{ "/a", 2, -ENAMETOOLONG }, { "/a", 3, 0 },	      { "/ab/c", 5, -ENAMETOOLONG },
		{ "/ab/c", 6, 0 },	   { "/ab/..", 2, -ENAMETOOLONG }, { "/a/..", 3, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[32];
		memset(buf, '#', sizeof(buf));
		int r = mountplan_normalize(cases[i].in, buf, cases[i].len);
		if (r != cases[i].ret)
			fail_msg("'%s' in %zu: got %d, want %d", cases[i].in, cases[i].len, r, cases[i].ret);
		for (size_t k = cases[i].len; k < sizeof(buf); k++)
			if (buf[k] != '#')
				fail_msg("'%s' in %zu: byte %zu written", cases[i].in, cases[i].len, k);
	}
}

struct want_step {
	enum mstep_kind kind;
	const char *dst;
	bool optional, create;
};

/* The fixed part of every plan, in order. */
static const struct want_step fixed_steps[] = {
	{ MSTEP_PROC, "/proc", false, true },
	{ MSTEP_DEV, "/dev", false, true },
	{ MSTEP_SYS, "/sys", false, true },
	{ MSTEP_CGROUP, "/sys/fs/cgroup", true, false },
	{ MSTEP_MASK, "/proc/acpi", true, false },
	{ MSTEP_MASK, "/proc/kcore", true, false },
	{ MSTEP_MASK, "/proc/keys", true, false },
	{ MSTEP_MASK, "/proc/latency_stats", true, false },
	{ MSTEP_MASK, "/proc/timer_list", true, false },
	{ MSTEP_MASK, "/proc/timer_stats", true, false },
	{ MSTEP_MASK, "/proc/sched_debug", true, false },
	{ MSTEP_MASK, "/proc/scsi", true, false },
	{ MSTEP_MASK, "/proc/interrupts", true, false },
	{ MSTEP_MASK, "/sys/firmware", true, false },
	{ MSTEP_MASK, "/sys/devices/virtual/powercap", true, false },
	{ MSTEP_RO_PATH, "/proc/asound", true, false },
	{ MSTEP_RO_PATH, "/proc/bus", true, false },
	{ MSTEP_RO_PATH, "/proc/fs", true, false },
	{ MSTEP_RO_PATH, "/proc/irq", true, false },
	{ MSTEP_RO_PATH, "/proc/sys", true, false },
	{ MSTEP_RO_PATH, "/proc/sysrq-trigger", true, false },
	{ MSTEP_TMPFS, "/tmp", false, true },
};
#define N_FIXED ARRAY_SIZE(fixed_steps)
#define check_fixed(plan, tmp_size) check_fixed_shm(plan, tmp_size, 64ULL << 20)

static void check_fixed_shm(const struct mountplan *plan, unsigned long long tmp_size, unsigned long long shm_size)
{
	assert_true(plan->n >= N_FIXED);
	for (size_t i = 0; i < N_FIXED; i++) {
		const struct mstep *s = &plan->steps[i];
		if (s->kind != fixed_steps[i].kind || strcmp(s->dst, fixed_steps[i].dst) != 0)
			fail_msg("step %zu: kind %d %s, want %d %s", i, s->kind, s->dst, fixed_steps[i].kind,
				 fixed_steps[i].dst);
		if (s->optional != fixed_steps[i].optional || s->create != fixed_steps[i].create)
			fail_msg("step %zu (%s): optional %d create %d", i, s->dst, s->optional, s->create);
		/* The mount points every sandbox has are the ones it creates (--ro makes them). */
		if (s->system != s->create)
			fail_msg("step %zu (%s): system %d", i, s->dst, s->system);
		assert_null(s->src);
	}
	const struct mstep *tmp = &plan->steps[N_FIXED - 1];
	assert_int_equal(tmp->size, tmp_size);
	assert_int_equal(plan->steps[1].kind, MSTEP_DEV);
	/* Its /dev/shm: a size of its own (default 64m), not another /tmp. */
	assert_int_equal(plan->steps[1].size, shm_size);
	assert_int_equal(plan->overlay_size, tmp_size);
	assert_int_equal(tmp->mode, 01777);
}

/* The /etc steps from index i; returns the index after them. */
static size_t check_etc(const struct mountplan *plan, size_t i, bool resolv)
{
	if (resolv) {
		assert_true(plan->n > i);
		assert_int_equal(plan->steps[i].kind, MSTEP_ETC);
		assert_string_equal(plan->steps[i].dst, "/etc/resolv.conf");
		assert_int_equal(plan->steps[i].etc, ETC_RESOLV_CONF);
		assert_true(plan->steps[i].optional);
		assert_false(plan->steps[i].create);
		i++;
	}
	assert_true(plan->n >= i + 2);
	assert_int_equal(plan->steps[i].kind, MSTEP_ETC);
	assert_string_equal(plan->steps[i].dst, "/etc/hosts");
	assert_int_equal(plan->steps[i].etc, ETC_HOSTS);
	assert_true(plan->steps[i].optional);
	assert_false(plan->steps[i].create);
	i++;
	assert_int_equal(plan->steps[i].kind, MSTEP_ETC);
	assert_string_equal(plan->steps[i].dst, "/etc/hostname");
	assert_int_equal(plan->steps[i].etc, ETC_HOSTNAME);
	assert_true(plan->steps[i].optional);
	assert_false(plan->steps[i].create);
	return i + 1;
}

static int parse(struct config *cfg, char **argv)
{
	char err[256];
	int argc = 0, r;

	while (argv[argc])
		argc++;
	r = options_parse(argc, argv, cfg, err, sizeof(err));
	if (r < 0)
		fail_msg("options_parse: %s", err);
	return r;
}
#define CFG(cfg, ...) parse(cfg, (char *[]){ "sandbox", __VA_ARGS__, NULL })

static void test_build_default(void **state)
{
	(void)state;
	struct config cfg;
	struct mountplan plan;
	char err[256] = "";

	CFG(&cfg, "/srv/root");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	check_fixed(&plan, 512ULL << 20);
	assert_int_equal(check_etc(&plan, N_FIXED, true), plan.n);
	/* The root's own flags are plan data: mount.c never sees the options. */
	assert_string_equal(plan.rootfs, "/srv/root");
	assert_false(plan.host_mode || plan.overlay || plan.ro);
	assert_int_equal(plan.net, NET_SLIRP);
	assert_string_equal(plan.hostname, "sandbox");
	assert_int_equal(plan.n, N_FIXED + 3);
	mountplan_free(&plan);
	assert_null(plan.steps);
	assert_int_equal(plan.n, 0);
	mountplan_free(&plan); /* twice is harmless */
	config_free(&cfg);

	CFG(&cfg, "--tmp-size", "1g", "--shm-size", "3m", "--overlay", "--hostname", "h", "--net", "none", "/srv/root");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	check_fixed_shm(&plan, 1ULL << 30, 3ULL << 20);
	assert_true(plan.overlay && !plan.ro && !plan.host_mode);
	assert_int_equal(plan.net, NET_NONE);
	assert_string_equal(plan.hostname, "h");
	mountplan_free(&plan);
	config_free(&cfg);
}

/* /sys/fs/cgroup: read-only unless --cgroupfs rw, absent with --cgroupfs none; right after
 * /sys (it lives in it), before the user's mounts (which may cover it). */
static void test_build_cgroupfs(void **state)
{
	(void)state;
	static const struct {
		const char *mode;
		bool present, writable;
	} cases[] = { { "ro", true, false }, { "rw", true, true }, { "none", false, false } };
	struct config cfg;
	struct mountplan plan;
	char err[256];

	CFG(&cfg, "/srv/root");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.steps[3].kind, MSTEP_CGROUP);
	assert_false(plan.steps[3].writable);
	mountplan_free(&plan);
	config_free(&cfg);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t found = 0;

		CFG(&cfg, "--cgroupfs", (char *)cases[i].mode, "/srv/root");
		assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
		for (size_t k = 0; k < plan.n; k++) {
			if (plan.steps[k].kind != MSTEP_CGROUP)
				continue;
			found++;
			assert_int_equal(k, 3);
			assert_string_equal(plan.steps[k].dst, "/sys/fs/cgroup");
			assert_true(plan.steps[k].optional);
			if (plan.steps[k].writable != cases[i].writable)
				fail_msg("--cgroupfs %s: writable %d", cases[i].mode, plan.steps[k].writable);
		}
		if (found != (cases[i].present ? 1 : 0))
			fail_msg("--cgroupfs %s: %zu cgroup steps", cases[i].mode, found);
		mountplan_free(&plan);
		config_free(&cfg);
	}
}

/* Host mode hides /run, /var/run (unless it is a symlink: to /run, hidden already) and the
 * caller's runtime directory behind tmpfs mounts, right after /tmp; made again empty under a
 * tmpfs of ours, covered where it exists elsewhere. A rootfs has none of them. */
static void test_build_host_runtime(void **state)
{
	(void)state;
	static const struct {
		const char *rootfs, *xdg;
		size_t n;
		bool create;
	} cases[] = {
		{ "/", NULL, 2, false },	       { "/", "/run/user/7", 3, true }, { "/", "/tmp/rt//", 3, true },
		{ "/", "/home/u/rt", 3, false }, { "/", "relative", 2, false },   { "/", "/", 2, false },
		{ "/srv", "/run/user/7", 0, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config cfg;
		struct mountplan plan;
		char err[256];

		if (cases[i].xdg)
			setenv("XDG_RUNTIME_DIR", cases[i].xdg, 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		CFG(&cfg, "--net", "none", (char *)cases[i].rootfs);
		assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
		check_fixed(&plan, 512ULL << 20);
		if (check_etc(&plan, N_FIXED + cases[i].n, true) != plan.n)
			fail_msg("ROOTFS %s, XDG_RUNTIME_DIR %s: not %zu host steps", cases[i].rootfs, cases[i].xdg, cases[i].n);
		for (size_t k = N_FIXED; k < N_FIXED + cases[i].n; k++) {
			const struct mstep *s = &plan.steps[k];
			assert_int_equal(s->kind, MSTEP_TMPFS);
			assert_int_equal(s->size, 64ULL << 20);
			assert_false(s->system);
		}
		if (cases[i].n) {
			assert_string_equal(plan.steps[N_FIXED].dst, "/run");
			assert_true(plan.steps[N_FIXED].optional && !plan.steps[N_FIXED].unless_symlink);
			assert_string_equal(plan.steps[N_FIXED + 1].dst, "/var/run");
			assert_true(plan.steps[N_FIXED + 1].optional && plan.steps[N_FIXED + 1].unless_symlink);
		}
		if (cases[i].n == 3) {
			const struct mstep *s = &plan.steps[N_FIXED + 2];
			assert_int_equal(s->mode, 0700);
			assert_int_equal(s->create, cases[i].create);
			assert_int_equal(s->optional, !cases[i].create);
			assert_false(s->unless_symlink);
		}
		mountplan_free(&plan);
		config_free(&cfg);
	}
	unsetenv("XDG_RUNTIME_DIR");
}

/* resolv.conf is the host's only with the host's network in host mode. */
static void test_build_resolv_conf(void **state)
{
	(void)state;
	static const struct {
		const char *rootfs, *net;
		bool resolv;
	} cases[] = {
		{ "/", "host", false }, { "//", "host", false }, { "/", "slirp", true },
		{ "/", "none", true },	{ "/srv", "host", true }, { "/srv", "none", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config cfg;
		struct mountplan plan;
		char err[256];

		unsetenv("XDG_RUNTIME_DIR");
		CFG(&cfg, "--net", (char *)cases[i].net, (char *)cases[i].rootfs);
		assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
		check_fixed(&plan, 512ULL << 20);
		if (check_etc(&plan, N_FIXED + (plan.host_mode ? 2 : 0), cases[i].resolv) != plan.n)
			fail_msg("%s --net %s: extra steps", cases[i].rootfs, cases[i].net);
		mountplan_free(&plan);
		config_free(&cfg);
	}
}

/* A user mount exactly on a generated file replaces it; --dns brings resolv.conf back in host
 * mode with the host's network. */
static void test_build_etc_user_wins(void **state)
{
	(void)state;
	struct config cfg;
	struct mountplan plan;
	char err[256];

	CFG(&cfg, "--ro-bind", "/h/hosts", "/etc//hosts", "--bind", "/h/r", "/etc/resolv.conf", "--tmpfs",
	    "/etc/hostname/.", "/srv");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	check_fixed(&plan, 512ULL << 20);
	assert_int_equal(plan.n, N_FIXED + 3);
	for (size_t i = 0; i < plan.n; i++)
		assert_int_not_equal(plan.steps[i].kind, MSTEP_ETC);
	mountplan_free(&plan);
	config_free(&cfg);

	CFG(&cfg, "--bind", "/h/e", "/etc", "--bind", "/h/x", "/etc/hosts.allow", "/srv");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	assert_int_equal(check_etc(&plan, N_FIXED, true), N_FIXED + 3);
	mountplan_free(&plan);
	config_free(&cfg);

	unsetenv("XDG_RUNTIME_DIR");
	CFG(&cfg, "--net", "host", "--dns", "192.0.2.1", "/");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	assert_int_equal(check_etc(&plan, N_FIXED + 2, true), plan.n);
	mountplan_free(&plan);
	config_free(&cfg);
}

static void test_build_user_mounts(void **state)
{
	(void)state;
	struct config cfg;
	struct mountplan plan;
	char err[256];
	size_t i;

	CFG(&cfg, "--bind", "/host/a", "/a//b/", "--tmpfs", "/scratch/./x", "--tmpfs", "/s:a:2k", "--ro-bind", "/host/c",
	    "/proc/../c", "--bind", "/host/d", "/tmp", "/srv");
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), 0);
	check_fixed(&plan, 512ULL << 20);
	i = check_etc(&plan, N_FIXED, true);
	assert_int_equal(plan.n, i + 5);

	assert_int_equal(plan.steps[i].kind, MSTEP_BIND);
	assert_string_equal(plan.steps[i].src, "/host/a");
	assert_string_equal(plan.steps[i].dst, "/a/b");
	assert_true(plan.steps[i].create);
	assert_false(plan.steps[i].optional);
	i++;
	assert_int_equal(plan.steps[i].kind, MSTEP_TMPFS);
	assert_null(plan.steps[i].src);
	assert_string_equal(plan.steps[i].dst, "/scratch/x");
	assert_false(plan.steps[i].system);
	assert_int_equal(plan.steps[i].mode, 0755);
	assert_int_equal(plan.steps[i].size, 512ULL << 20); /* --tmpfs DST: the documented default */
	assert_true(plan.steps[i].create);
	i++;
	/* --tmpfs DST:SIZE, SIZE after the last ':' */
	assert_int_equal(plan.steps[i].kind, MSTEP_TMPFS);
	assert_string_equal(plan.steps[i].dst, "/s:a");
	assert_int_equal(plan.steps[i].size, 2048);
	i++;
	assert_int_equal(plan.steps[i].kind, MSTEP_RO_BIND);
	assert_string_equal(plan.steps[i].src, "/host/c");
	assert_string_equal(plan.steps[i].dst, "/c");
	assert_true(plan.steps[i].create);
	i++;
	/* Later than /tmp's own tmpfs, so it covers it. */
	assert_int_equal(plan.steps[i].kind, MSTEP_BIND);
	assert_string_equal(plan.steps[i].src, "/host/d");
	assert_string_equal(plan.steps[i].dst, "/tmp");
	assert_false(plan.steps[i].system); /* the user's, not the sandbox's own /tmp */
	mountplan_free(&plan);
	config_free(&cfg);
}

static void test_build_refused(void **state)
{
	(void)state;
	static const struct {
		const char *dst;
		int ret;
		const char *needle;
	} cases[] = {
		{ "/", -EINVAL, "/" },
		{ "//", -EINVAL, "//" },
		{ "/../..", -EINVAL, "/../.." },
		{ "/a/..", -EINVAL, "/a/.." },
		{ "/.", -EINVAL, "/." },
		/* Not through options_parse (which refuses it), but the planner checks on its own. */
		{ "relative", -EINVAL, "relative" },
		{ "", -EINVAL, "destination" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int kind = MOUNT_BIND; kind <= MOUNT_TMPFS; kind++) {
			struct user_mount mounts[2] = {
				{ .kind = MOUNT_BIND, .src = "/ok", .dst = "/ok" },
				{ .kind = (enum mount_kind)kind, .src = kind == MOUNT_TMPFS ? NULL : "/host", .dst = cases[i].dst },
			};
			struct config cfg;
			struct mountplan plan;
			char err[256] = "";
			int r;

			CFG(&cfg, "/srv");
			cfg.mounts = mounts;
			cfg.nmounts = 2;
			r = mountplan_build(&cfg, &plan, err, sizeof(err));
			if (r != cases[i].ret)
				fail_msg("dst '%s' kind %d: got %d, want %d", cases[i].dst, kind, r, cases[i].ret);
			if (!strstr(err, cases[i].needle))
				fail_msg("dst '%s': reason '%s' does not mention '%s'", cases[i].dst, err,
					 cases[i].needle);
			/* Nothing left to free on failure. */
			assert_null(plan.steps);
			assert_int_equal(plan.n, 0);
			cfg.mounts = NULL;
			cfg.nmounts = 0;
			config_free(&cfg);
		}
	}
}

/* An absolute destination too long for a path: refused as too long, not as relative. */
static void test_build_dst_too_long(void **state)
{
	(void)state;
	char dst[5000];
	struct user_mount m = { .kind = MOUNT_TMPFS, .dst = dst };
	struct config cfg;
	struct mountplan plan;
	char err[256] = "";

	dst[0] = '/';
	memset(dst + 1, 'x', sizeof(dst) - 2);
	dst[sizeof(dst) - 1] = '\0';
	CFG(&cfg, "/srv");
	cfg.mounts = &m;
	cfg.nmounts = 1;
	assert_int_equal(mountplan_build(&cfg, &plan, err, sizeof(err)), -ENAMETOOLONG);
	assert_non_null(strstr(err, "/xxxx"));
	assert_null(strstr(err, "not an absolute path"));
	assert_null(plan.steps);
	cfg.mounts = NULL;
	cfg.nmounts = 0;
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),	  cmocka_unit_test(test_normalize_lengths),
		cmocka_unit_test(test_build_default),	  cmocka_unit_test(test_build_resolv_conf),
		cmocka_unit_test(test_build_host_runtime),
		cmocka_unit_test(test_build_etc_user_wins),
		cmocka_unit_test(test_build_user_mounts), cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_build_dst_too_long), cmocka_unit_test(test_build_cgroupfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
