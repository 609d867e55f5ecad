/* test_image.c: the sandbox side of images: the IMAGE argument, the helper's answer and how it
 * becomes the run's config (podman run's precedence), and SHA-256. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"
#include "imagefast.h"
#include "imageref.h"
#include "options.h"
#include "sha256.h"

static void test_ref_kinds(void **state)
{
	(void)state;
	assert_int_equal(image_ref_kind("oci:/x"), IMAGE_OCI);
	assert_int_equal(image_ref_kind("oci-archive:x.tar"), IMAGE_OCI_ARCHIVE);
	assert_int_equal(image_ref_kind("docker-archive:x.tar"), IMAGE_DOCKER_ARCHIVE);
	assert_int_equal(image_ref_kind("docker://busybox"), IMAGE_DOCKER);
	assert_int_equal(image_ref_kind("./oci:x"), IMAGE_NONE);
	assert_int_equal(image_ref_kind("/srv/rootfs"), IMAGE_NONE);
	assert_int_equal(image_ref_kind("docker:busybox"), IMAGE_NONE);
}

static void test_ref_parse(void **state)
{
	static const struct {
		const char *arg, *loc, *tag;
	} good[] = {
		{ "oci:/srv/img", "/srv/img", "" },
		{ "oci:img:v1", "img", "v1" },
		{ "oci:img:a:b", "img", "a:b" },
		{ "docker-archive:x.tar:busybox:latest", "x.tar", "busybox:latest" },
		{ "oci-archive:/a/b.tar", "/a/b.tar", "" },
		{ "docker://127.0.0.1:5000/busybox:1", "127.0.0.1:5000/busybox:1", "" },
	};
	static const char *const bad[] = { "oci:", "oci::tag", "oci:x:", "docker://", "rootfs", "oci:a\nb",
					   "oci:\x1b[2J" };
	struct image_ref r;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(image_ref_parse(good[i].arg, &r, err, sizeof(err)), 0);
		assert_string_equal(r.location, good[i].loc);
		assert_string_equal(r.tag, good[i].tag);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(image_ref_parse(bad[i], &r, err, sizeof(err)), -EINVAL);
		for (const char *p = err; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
	}
}

static char *answer(const char *const *recs, size_t *len)
{
	char *buf = malloc(4096);
	size_t n = 0;

	for (; *recs; recs++) {
		memcpy(buf + n, *recs, strlen(*recs) + 1);
		n += strlen(*recs) + 1;
	}
	*len = n;
	return buf;
}

static void parse_cmdline(struct config *cfg, int argc, char **argv)
{
	char err[256];
	assert_int_equal(options_parse(argc, argv, cfg, err, sizeof(err)), 0);
}

static void test_defaults_apply(void **state)
{
	static const char *const recs[] = { "layer=/c/l1", "layer=/c/l2", "entrypoint=/ep", "cmd=a", "cmd=b",
					    "env=A=1", "env=B=x=y", "workdir=/w", "user=7:8", NULL };
	struct image_defaults d;
	struct config cfg;
	char err[256];
	size_t len;
	char *buf;
	char *argv1[] = { "sandbox", "oci:x", NULL };
	char *argv2[] = { "sandbox", "-e", "A=2", "-w", "/mine", "--user", "0", "--ro", "oci:x", "c", NULL };

	(void)state;
	parse_cmdline(&cfg, 2, argv1);
	buf = answer(recs, &len);
	assert_int_equal(image_defaults_parse(buf, len, &d, err, sizeof(err)), 0);
	assert_int_equal(d.nlayers, 2);
	assert_int_equal(image_apply(&cfg, &d, err, sizeof(err)), 0);
	assert_string_equal(cfg.argv[0], "/ep");
	assert_string_equal(cfg.argv[1], "a");
	assert_string_equal(cfg.argv[2], "b");
	assert_null(cfg.argv[3]);
	assert_string_equal(cfg.rootfs, "/c/l2");
	assert_true(cfg.overlay);
	assert_string_equal(cfg.workdir, "/w");
	assert_true(cfg.user_set);
	assert_int_equal(cfg.user_uid, 7);
	assert_int_equal(cfg.user_gid, 8);
	assert_true(cfg.user_from_image); /* messages name it as the image's */
	assert_int_equal(cfg.nenv, 2);
	assert_string_equal(cfg.env[1].value, "x=y");
	config_free(&cfg);
	image_defaults_free(&d);

	/* COMMAND replaces Cmd (Entrypoint stays), options win, --ro means no writable layer. */
	parse_cmdline(&cfg, 10, argv2);
	buf = answer(recs, &len);
	assert_int_equal(image_defaults_parse(buf, len, &d, err, sizeof(err)), 0);
	assert_int_equal(image_apply(&cfg, &d, err, sizeof(err)), 0);
	assert_string_equal(cfg.argv[0], "/ep");
	assert_string_equal(cfg.argv[1], "c");
	assert_null(cfg.argv[2]);
	assert_false(cfg.overlay);
	assert_string_equal(cfg.workdir, "/mine");
	assert_int_equal(cfg.user_uid, 0);
	assert_false(cfg.user_from_image);
	assert_int_equal(cfg.nenv, 3);
	assert_string_equal(cfg.env[2].name, "A=2"); /* the last setting of A wins in env_build */
	config_free(&cfg);
	image_defaults_free(&d);
}

static void test_defaults_empty_command(void **state)
{
	static const char *const recs[] = { "layer=/c/l1", NULL };
	struct image_defaults d;
	struct config cfg;
	char err[256];
	size_t len;
	char *buf;
	char *argv1[] = { "sandbox", "oci:x", NULL };

	(void)state;
	parse_cmdline(&cfg, 2, argv1);
	buf = answer(recs, &len);
	assert_int_equal(image_defaults_parse(buf, len, &d, err, sizeof(err)), 0);
	assert_int_equal(image_apply(&cfg, &d, err, sizeof(err)), 0);
	assert_string_equal(cfg.argv[0], "/bin/sh");
	config_free(&cfg);
	image_defaults_free(&d);
}

/* --entrypoint: replaces Entrypoint and drops Cmd; COMMAND follows it; "" leaves COMMAND alone. */
static void test_defaults_entrypoint(void **state)
{
	static const char *const recs[] = { "layer=/c/l1", "entrypoint=/ep", "entrypoint=-x", "cmd=a", NULL };
	static const struct {
		int argc;
		char *argv[6];
		const char *want[4];
	} cases[] = {
		{ 4, { "sandbox", "--entrypoint", "/new", "oci:x" }, { "/new" } },
		{ 5, { "sandbox", "--entrypoint", "/new", "oci:x", "c" }, { "/new", "c" } },
		{ 4, { "sandbox", "--entrypoint", "", "oci:x" }, { "/bin/sh" } },
		{ 6, { "sandbox", "--entrypoint", "", "oci:x", "c", "d" }, { "c", "d" } },
		{ 3, { "sandbox", "--entrypoint=", "oci:x" }, { "/bin/sh" } },
	};
	struct image_defaults d;
	struct config cfg;
	char err[256];
	size_t len, n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[7] = { 0 }, *buf;
		memcpy(argv, cases[i].argv, sizeof(cases[i].argv));
		parse_cmdline(&cfg, cases[i].argc, argv);
		buf = answer(recs, &len);
		assert_int_equal(image_defaults_parse(buf, len, &d, err, sizeof(err)), 0);
		assert_int_equal(image_apply(&cfg, &d, err, sizeof(err)), 0);
		for (n = 0; cases[i].want[n]; n++)
			assert_string_equal(cfg.argv[n], cases[i].want[n]);
		assert_null(cfg.argv[n]);
		config_free(&cfg);
		image_defaults_free(&d);
	}
}

/* Refused: a ROOTFS (a directory, or host mode) has no Entrypoint; podman's JSON array form. */
static void test_entrypoint_refused(void **state)
{
	char *rootfs[] = { "sandbox", "--entrypoint", "/x", "/tmp", NULL };
	char *host[] = { "sandbox", "--entrypoint", "", "/", "true", NULL };
	char *json[] = { "sandbox", "--entrypoint", "[\"/bin/sh\",\"-c\"]", "oci:x", NULL };
	char *bracket[] = { "sandbox", "--entrypoint", "[", "oci:x", NULL };
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(options_parse(4, rootfs, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--entrypoint: only for an IMAGE"));
	config_free(&cfg);
	assert_int_equal(options_parse(5, host, &cfg, err, sizeof(err)), -EINVAL);
	config_free(&cfg);
	assert_int_equal(options_parse(4, json, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "JSON array"));
	config_free(&cfg);
	/* the command named [ is one word */
	assert_int_equal(options_parse(4, bracket, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.entrypoint, "[");
	config_free(&cfg);
}

static void test_defaults_bad(void **state)
{
	const char *const *const bad[] = {
		(const char *const[]){ NULL },			  /* no layer */
		(const char *const[]){ "layer=rel", NULL },	  /* not absolute */
		(const char *const[]){ "layer=/l", "what=x", NULL }, /* unknown record */
		(const char *const[]){ "layer=/l", "novalue", NULL },
	};
	struct image_defaults d;
	char err[256];
	size_t len;
	char *buf;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf = answer(bad[i], &len);
		assert_int_equal(image_defaults_parse(buf, len, &d, err, sizeof(err)), -EINVAL);
		image_defaults_free(&d);
	}
	/* cut off: no final NUL */
	buf = strdup("layer=/l");
	assert_int_equal(image_defaults_parse(buf, strlen(buf), &d, err, sizeof(err)), -EINVAL);
	image_defaults_free(&d);
}

static void test_sha256(void **state)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	struct sha256 h;
	char hex[65];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256_init(&h);
		/* byte by byte: the buffering across blocks */
		for (const char *p = v[i].in; *p; p++)
			sha256_update(&h, p, 1);
		sha256_hex(&h, hex);
		assert_string_equal(hex, v[i].hex);
	}
	/* a million 'a', in uneven pieces */
	char a[1000];
	memset(a, 'a', sizeof(a));
	sha256_init(&h);
	for (int i = 0; i < 1000; i++)
		sha256_update(&h, a, 1000);
	sha256_hex(&h, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The saved answer: used only when whole, well-formed and stamped from the same source. */
static void test_saved_answer(void **state)
{
	static const char good[] = IMAGEFAST_MAGIC "\0oci:/i\n1\n2\n3\n4\0" "18\0layer=/c/l\0cmd=sh\0";
	char rec[sizeof(good)], stamp[256];
	struct stat st = { .st_dev = 1, .st_ino = 2, .st_size = 3 };
	size_t off = 0, len = sizeof(good) - 1; /* without the literal's own NUL */

	(void)state;
	st.st_mtim.tv_sec = 0;
	st.st_mtim.tv_nsec = 4;
	imagefast_stamp("oci:/i", &st, stamp, sizeof(stamp));
	assert_string_equal(stamp, "oci:/i\n1\n2\n3\n0000000004");
	st.st_mtim.tv_sec = 1;
	imagefast_stamp("oci:/i", &st, stamp, sizeof(stamp));
	assert_string_equal(stamp, "oci:/i\n1\n2\n3\n1000000004");
	memcpy(rec, good, sizeof(good));
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n4", &off), 0);
	assert_string_equal(rec + off, "layer=/c/l");
	assert_int_equal(len - off, sizeof("layer=/c/l") + sizeof("cmd=sh"));
	/* another source, or a stamp that is only a prefix */
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n5", &off), -ESTALE);
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n", &off), -ESTALE);
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n44", &off), -ESTALE);
	/* cut off anywhere */
	for (size_t n = 0; n < len; n++)
		assert_true(imagefast_check(rec, n, "oci:/i\n1\n2\n3\n4", &off) < 0);
	/* no answer after the stamp */
	assert_int_equal(imagefast_check(IMAGEFAST_MAGIC "\0oci:/i\n1\n2\n3\n4\0" "0\0",
					 sizeof(IMAGEFAST_MAGIC) + sizeof("oci:/i\n1\n2\n3\n4") + 2, "oci:/i\n1\n2\n3\n4", &off),
			 -EINVAL);
	/* a size that is not the answer's */
	memcpy(rec, good, len);
	rec[sizeof(IMAGEFAST_MAGIC) + sizeof("oci:/i\n1\n2\n3\n4")] = '7';
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n4", &off), -EINVAL);
	memcpy(rec, good, len);
	/* another magic (format version) */
	rec[sizeof(IMAGEFAST_MAGIC) - 2] = '2';
	assert_int_equal(imagefast_check(rec, len, "oci:/i\n1\n2\n3\n4", &off), -EINVAL);
	/* too big */
	assert_int_equal(imagefast_check(good, IMAGEFAST_MAX + 1, "x", &off), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_kinds),	     cmocka_unit_test(test_ref_parse),
		cmocka_unit_test(test_defaults_apply),	     cmocka_unit_test(test_defaults_empty_command),
		cmocka_unit_test(test_defaults_bad),
		cmocka_unit_test(test_defaults_entrypoint), cmocka_unit_test(test_entrypoint_refused),	     cmocka_unit_test(test_sha256), cmocka_unit_test(test_saved_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
