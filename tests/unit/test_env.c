/* Unit tests for env.c: COMMAND's environment in rootfs and host mode, with -e, built from the
 * command plans of configs that options_parse made and a caller environment given as data. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "cmdplan.h"
#include "env.h"
#include "options.h"
#include "util.h"

static char *caller_full[] = {
	"PATH=/host/bin", "HOME=/home/me", "TERM=xterm-256color", "FOO=bar", "EMPTY=", "X=1=2", NULL,
};

static void parse(struct config *cfg, char **argv)
{
	char err[256];
	int argc = 0;

	while (argv[argc])
		argc++;
	if (options_parse(argc, argv, cfg, err, sizeof(err)) != 0)
		fail_msg("options_parse: %s", err);
}
#define CFG(cfg, ...) parse(cfg, (char *[]){ "sandbox", __VA_ARGS__, NULL })

/* COMMAND's environment for these options and this caller, through the command plan. */
static char **build(const struct config *cfg, char *const *caller)
{
	struct command_plan p;
	char err[256];
	char **env;

	if (cmdplan_from_config(cfg, caller, "/", &p, err, sizeof(err)) != 0)
		fail_msg("cmdplan_from_config: %s", err);
	env = env_build(&p, caller);
	cmdplan_free(&p);
	return env;
}

/* env is exactly want, in order. */
static void assert_env(char **env, const char *const *want)
{
	size_t i;

	assert_non_null(env);
	for (i = 0; want[i]; i++) {
		if (!env[i])
			fail_msg("entry %zu missing, want '%s'", i, want[i]);
		if (strcmp(env[i], want[i]) != 0)
			fail_msg("entry %zu: '%s', want '%s'", i, env[i], want[i]);
	}
	if (env[i])
		fail_msg("entry %zu '%s' is extra", i, env[i]);
}

static void check(char *const *caller, const char *const *want, char **argv)
{
	struct config cfg;
	char **env;
	int argc = 0;
	char err[256];

	while (argv[argc])
		argc++;
	if (options_parse(argc, argv, &cfg, err, sizeof(err)) != 0)
		fail_msg("options_parse: %s", err);
	env = build(&cfg, caller);
	assert_env(env, want);
	env_free(env);
	config_free(&cfg);
}
#define CHECK(caller, want, ...) check(caller, want, (char *[]){ "sandbox", __VA_ARGS__, NULL })
#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_rootfs_clean(void **state)
{
	(void)state;
	CHECK(caller_full,
	      WANT("PATH=" SANDBOX_PATH, "HOME=/root", "TERM=xterm-256color", "container=sandbox"), "/srv");
	assert_string_equal(SANDBOX_PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

	/* TERM only when the caller has it. */
	char *no_term[] = { "PATH=/x", "TERMINAL=y", "TERM", "XTERM=z", NULL };
	CHECK(no_term, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "/srv");
	/* Set but empty is set. */
	char *empty_term[] = { "TERM=", NULL };
	CHECK(empty_term, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "TERM=", "container=sandbox"), "/srv");
	/* No caller environment at all. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "/srv");
	char *nothing[] = { NULL };
	CHECK(nothing, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "/srv");
}

static void test_rootfs_home(void **state)
{
	(void)state;
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/", "container=sandbox"), "--user", "1000", "/srv");
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/", "container=sandbox"), "--user", "1000:0", "/srv");
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "--user", "0", "/srv");
	/* Root is uid 0, whatever the group. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "--user", "0:1000", "/srv");
}

static void test_host_mode(void **state)
{
	(void)state;
	CHECK(caller_full,
	      WANT("PATH=/host/bin", "HOME=/home/me", "TERM=xterm-256color", "FOO=bar", "EMPTY=", "X=1=2",
		   "container=sandbox"),
	      "/");
	/* --user does not touch HOME in host mode. */
	CHECK(caller_full,
	      WANT("PATH=/host/bin", "HOME=/home/me", "TERM=xterm-256color", "FOO=bar", "EMPTY=", "X=1=2",
		   "container=sandbox"),
	      "--user", "1000", "//");
	/* A caller's container= is replaced in place; entries without '=' are dropped; a name given
	 * twice keeps its first place and its last value. */
	char *odd[] = { "container=docker", "A=1", "NOEQUALS", "A=2", "=x", NULL };
	CHECK(odd, WANT("container=sandbox", "A=2", "=x"), "/");
	CHECK(NULL, WANT("container=sandbox"), "/");
}

static void test_dash_e(void **state)
{
	(void)state;
	/* NAME=VALUE adds, or overrides in place. */
	CHECK(caller_full,
	      WANT("PATH=/opt/bin", "HOME=/root", "TERM=xterm-256color", "container=sandbox", "NEW=v"), "-e",
	      "NEW=v", "-e", "PATH=/opt/bin", "/srv");
	/* NAME copies from the caller; unset in the caller: skipped; set but empty: copied. */
	CHECK(caller_full,
	      WANT("PATH=" SANDBOX_PATH, "HOME=/root", "TERM=xterm-256color", "container=sandbox", "FOO=bar",
		   "EMPTY=", "X=1=2"),
	      "-e", "FOO", "-e", "MISSING", "-e", "EMPTY", "-e", "X", "/srv");
	/* Later -e wins. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox", "A=2"), "-e", "A=1", "-e",
	      "A=2", "/srv");
	/* A copy from the caller after a value replaces it... */
	CHECK(caller_full,
	      WANT("PATH=" SANDBOX_PATH, "HOME=/root", "TERM=xterm-256color", "container=sandbox", "FOO=bar"),
	      "-e", "FOO=mine", "-e", "FOO", "/srv");
	/* ...but a name the caller lacks leaves the earlier value. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox", "A=1"), "-e", "A=1", "-e",
	      "A", "/srv");
	/* Values keep their '=' and may be empty. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox", "A=b=c", "E="), "-e", "A=b=c",
	      "-e", "E=", "/srv");
	/* container itself, HOME and TERM can be set. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/home/x", "container=other", "TERM=dumb"), "-e",
	      "container=other", "-e", "HOME=/home/x", "-e", "TERM=dumb", "/srv");
	/* -e TERM with TERM unset adds nothing. */
	CHECK(NULL, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "-e", "TERM", "/srv");
	/* Host mode: the caller's, then -e on top. */
	char *small[] = { "A=1", "B=2", NULL };
	CHECK(small, WANT("A=x", "B=2", "container=sandbox", "C=3"), "-e", "A=x", "-e", "C=3", "-e", "B", "/");
	/* A name copied from the caller matches whole names only. */
	char *prefix[] = { "FOOBAR=1", "FO=2", NULL };
	CHECK(prefix, WANT("PATH=" SANDBOX_PATH, "HOME=/root", "container=sandbox"), "-e", "FOO", "/srv");
}

/* The caller's strings are copied, not shared. */
static void test_copies(void **state)
{
	(void)state;
	struct config cfg;
	char foo[] = "FOO=bar";
	char *caller[] = { foo, NULL };
	char **env;

	CFG(&cfg, "-e", "FOO", "/");
	env = build(&cfg, caller);
	assert_non_null(env);
	assert_ptr_not_equal(env[0], foo);
	foo[4] = 'X';
	assert_string_equal(env_get(env, "FOO"), "bar");
	env_free(env);
	env_free(NULL);
	config_free(&cfg);
}

static void test_env_get(void **state)
{
	(void)state;
	char *env[] = { "PATHX=1", "PATH=/bin", "EMPTY=", "A=b=c", "NOEQ", NULL };

	assert_string_equal(env_get(env, "PATH"), "/bin");
	assert_string_equal(env_get(env, "PATHX"), "1");
	assert_string_equal(env_get(env, "EMPTY"), "");
	assert_string_equal(env_get(env, "A"), "b=c");
	assert_null(env_get(env, "PAT"));
	assert_null(env_get(env, "NOEQ"));
	assert_null(env_get(env, "MISSING"));
	/* A name holding '=' is no name; like getenv(3), it matches as a prefix of the entry. */
	assert_string_equal(env_get(env, "A=b"), "c");
	assert_null(env_get(NULL, "PATH"));
	char *none[] = { NULL };
	assert_null(env_get(none, "PATH"));
	/* The first of duplicates. */
	char *dup[] = { "A=1", "A=2", NULL };
	assert_string_equal(env_get(dup, "A"), "1");
}

/* Many variables: the array grows past its first allocation. */
static void test_many(void **state)
{
	(void)state;
	enum { N = 1000 };
	char **caller = calloc(N + 1, sizeof(*caller));
	struct config cfg;
	char **env;

	assert_non_null(caller);
	for (int i = 0; i < N; i++)
		assert_true(asprintf(&caller[i], "V%d=%d", i, i) > 0);
	CFG(&cfg, "/");
	env = build(&cfg, caller);
	assert_non_null(env);
	for (int i = 0; i < N; i++) {
		char want[32];
		snprintf(want, sizeof(want), "V%d=%d", i, i);
		assert_string_equal(env[i], want);
	}
	assert_string_equal(env[N], "container=sandbox");
	assert_null(env[N + 1]);
	env_free(env);
	config_free(&cfg);
	for (int i = 0; i < N; i++)
		free(caller[i]);
	free(caller);
}

/* --unsetenv removes, in order with -e; --clearenv starts from nothing. */
static void test_unset_and_clear(void **state)
{
	(void)state;
	struct config cfg;
	char **env;

	CFG(&cfg, "--unsetenv", "FOO", "-e", "A=1", "--unsetenv", "A", "-e", "B=2", "--unsetenv", "NOPE", "/");
	env = build(&cfg, caller_full);
	assert_env(env, (const char *const[]){ "PATH=/host/bin", "HOME=/home/me", "TERM=xterm-256color", "EMPTY=",
					       "X=1=2", "container=sandbox", "B=2", NULL });
	env_free(env);
	config_free(&cfg);

	CFG(&cfg, "--clearenv", "-e", "FOO", "-e", "A=1", "/");
	env = build(&cfg, caller_full);
	assert_env(env, (const char *const[]){ "FOO=bar", "A=1", NULL });
	env_free(env);
	config_free(&cfg);

	CFG(&cfg, "--clearenv", "rootfs");
	env = build(&cfg, caller_full);
	assert_env(env, (const char *const[]){ NULL });
	env_free(env);
	config_free(&cfg);
}

struct envfile_case {
	const char *text;
	int ret;
	const char *want; /* entries joined by '|', or the reason */
};

static void test_env_file_parse(void **state)
{
	(void)state;
	static const struct envfile_case cases[] = {
		{ "", 0, "" },
		{ "A=1\n", 0, "A=1" },
		{ "A=1", 0, "A=1" }, /* no final newline */
		{ "# c\n\n   \n\t# indented comment\nA=1\n", 0, "A=1" },
		{ "  A=1\n", 0, "A=1" },
		{ "A= spaces kept \n", 0, "A= spaces kept " },
		{ "A=\"quoted\"\n", 0, "A=\"quoted\"" }, /* literal, as docker */
		{ "A=1=2\nB=\n", 0, "A=1=2|B=" },
		{ "A=x\r\nB=y\r\n", 0, "A=x|B=y" },
		{ "FOO\nMISSING\nEMPTY\n", 0, "FOO=bar|EMPTY=" },
		{ "A=caf\xc3\xa9\n", 0, "A=caf\xc3\xa9" },
		{ "A=1\n=2\n", -EINVAL, "line 2: no variable name before '='" },
		{ "A B=1\n", -EINVAL, "line 1: a blank or control character in the variable name" },
		{ "A\x01=1\n", -EINVAL, "line 1: a blank or control character in the variable name" },
		{ "\n\nA=\xff\n", -EINVAL, "line 3: bytes that are not UTF-8" },
		{ "A=\xc0\xaf\n", -EINVAL, "line 1: bytes that are not UTF-8" }, /* overlong '/' */
		{ "A=\xed\xa0\x80\n", -EINVAL, "line 1: bytes that are not UTF-8" }, /* a surrogate */
		{ "A=\xe2\x82\n", -EINVAL, "line 1: bytes that are not UTF-8" },   /* cut short */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char **out = NULL, err[256] = "", got[512] = "";
		size_t n = 0;
		int r = env_file_parse(cases[i].text, strlen(cases[i].text), caller_full, &out, &n, err, sizeof(err));

		if (r != cases[i].ret)
			fail_msg("case %zu: %d, want %d (%s)", i, r, cases[i].ret, err);
		if (r == 0) {
			for (size_t k = 0; k < n; k++) {
				if (k)
					strcat(got, "|");
				strcat(got, out[k]);
			}
			assert_null(out ? out[n] : NULL);
			if (strcmp(got, cases[i].want) != 0)
				fail_msg("case %zu: '%s', want '%s'", i, got, cases[i].want);
		} else {
			assert_string_equal(err, cases[i].want);
		}
		env_free(out);
	}
	/* A NUL byte inside a line. */
	char **out = NULL, err[256];
	size_t n = 0;
	assert_int_equal(env_file_parse("A=1\nB=x\0y\n", 9, caller_full, &out, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: a NUL byte");
	env_free(out);
}

/* --env-file in order with -e and --unsetenv, read through the plan; a bad file is an error
 * naming the file and line. */
static void test_env_file_in_plan(void **state)
{
	(void)state;
	char path[] = "/tmp/test_env.XXXXXX";
	int fd = mkstemp(path);
	struct config cfg;
	struct command_plan p;
	char err[512], **env;

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "A=file\nB=file\nFOO\n", 18), 0);
	close(fd);
	CFG(&cfg, "-e", "A=cli", "--env-file", path, "--unsetenv", "B", "--clearenv", "rootfs");
	env = build(&cfg, caller_full);
	assert_env(env, (const char *const[]){ "A=file", "FOO=bar", NULL });
	env_free(env);
	config_free(&cfg);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "OK=1\nbad name=2\n", 16), 0);
	close(fd);
	CFG(&cfg, "--env-file", path, "rootfs");
	assert_int_equal(cmdplan_from_config(&cfg, caller_full, "/", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2: a blank or control character in the variable name"));
	assert_non_null(strstr(err, path));
	config_free(&cfg);
	unlink(path);

	CFG(&cfg, "--env-file", path, "rootfs");
	assert_int_equal(cmdplan_from_config(&cfg, caller_full, "/", &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "No such file or directory"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rootfs_clean), cmocka_unit_test(test_rootfs_home),
		cmocka_unit_test(test_host_mode),    cmocka_unit_test(test_dash_e),
		cmocka_unit_test(test_copies),	     cmocka_unit_test(test_env_get),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_unset_and_clear),
		cmocka_unit_test(test_env_file_parse),
		cmocka_unit_test(test_env_file_in_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
