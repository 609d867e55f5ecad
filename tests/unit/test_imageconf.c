/* test_imageconf.c: index, manifest, config and docker manifest.json parsing (json-c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "imageconf.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static int pick(const char *text, const char *tag, struct image_desc *d)
{
	char err[256];
	return image_index_pick(text, strlen(text), tag, "amd64", d, err, sizeof(err));
}

static void test_index(void **state)
{
	static const char two[] =
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":2,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v2\"}}]}";
	static const char arches[] =
		"{\"manifests\":[{\"digest\":\"" D1 "\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
		"{\"digest\":\"" D2 "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
		"{\"digest\":\"" D3 "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\"}}]}";
	struct image_desc d;

	(void)state;
	assert_int_equal(pick(two, "v2", &d), 0);
	assert_string_equal(d.digest, D2);
	assert_int_equal(d.size, 2);
	assert_int_equal(pick(two, "v3", &d), -ENOENT);
	assert_int_equal(pick(two, NULL, &d), -EINVAL); /* ambiguous */
	assert_int_equal(pick(arches, NULL, &d), 0);
	assert_string_equal(d.digest, D2);
}

static void test_index_bad(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"manifests\":{}}", "{\"manifests\":[1]}",
		"{\"manifests\":[{\"digest\":\"sha256:../../etc/passwd\"}]}",
		"{\"manifests\":[{\"digest\":\"md5:00\"}]}",
		"{\"manifests\":[{\"digest\":\"" D1 "\",\"size\":\"big\"}]}",
		"{\"manifests\":[{\"digest\":\"" D1 "\"}]} trailing",
		"{\"manifests\":[{\"digest\":\"SHA256:1111111111111111111111111111111111111111111111111111111111111111\"}]}",
	};
	struct image_desc d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pick(bad[i], NULL, &d), -EINVAL);
	/* an embedded NUL */
	char err[64];
	assert_int_equal(image_index_pick("{\"manifests\":[]}\0x", 18, NULL, "amd64", &d, err, sizeof(err)), -EINVAL);
}

static void test_manifest(void **state)
{
	static const char good[] = "{\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
				   "\"digest\":\"" D1 "\",\"size\":10},\"layers\":["
				   "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D2
				   "\",\"size\":5},"
				   "{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D3
				   "\",\"size\":6}]}";
	static const char foreign[] = "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":"
				      "\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" D2
				      "\"}]}";
	static struct image_manifest m;
	char err[256];

	(void)state;
	assert_int_equal(image_manifest_parse(good, strlen(good), &m, err, sizeof(err)), 0);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.nlayers, 2);
	assert_string_equal(m.layers[1].digest, D3);
	assert_int_equal(m.layers[0].size, 5);
	assert_int_equal(image_manifest_parse(foreign, strlen(foreign), &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(image_manifest_parse("{\"layers\":[]}", 13, &m, err, sizeof(err)), -EINVAL);
}

static void test_config(void **state)
{
	static const char good[] = "{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/ep\",\"x\"],"
				   "\"Cmd\":null,\"Env\":[\"PATH=/bin\",\"A=1\"],\"WorkingDir\":\"/w\",\"User\":\"app:app\"}}";
	struct image_config c;
	char err[256];

	(void)state;
	assert_int_equal(image_config_parse(good, strlen(good), &c, err, sizeof(err)), 0);
	assert_string_equal(c.entrypoint[1], "x");
	assert_null(c.entrypoint[2]);
	assert_null(c.cmd);
	assert_string_equal(c.env[1], "A=1");
	assert_string_equal(c.workdir, "/w");
	assert_string_equal(c.user, "app:app");
	image_config_free(&c);
	assert_int_equal(image_config_parse("{}", 2, &c, err, sizeof(err)), 0);
	assert_null(c.entrypoint);
	assert_int_equal(image_config_parse("{\"config\":{\"Cmd\":[1]}}", 22, &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(image_config_parse("{\"config\":{\"User\":[]}}", 22, &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(image_config_parse("{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}", 30, &c, err, sizeof(err)),
			 -EINVAL);
}

static void test_docker_manifest(void **state)
{
	static const char good[] = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"docker.io/library/busybox:latest\"],"
				   "\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]}]";
	char config[IMAGE_PATH_MAX], layers[IMAGE_MAX_LAYERS][IMAGE_PATH_MAX], err[256];
	size_t n;

	(void)state;
	assert_int_equal(image_docker_manifest_pick(good, strlen(good), NULL, config, layers, &n, err, sizeof(err)), 0);
	assert_string_equal(config, "abc.json");
	assert_int_equal(n, 2);
	assert_string_equal(layers[1], "b/layer.tar");
	assert_int_equal(image_docker_manifest_pick(good, strlen(good), "busybox:latest", config, layers, &n, err,
						    sizeof(err)),
			 0);
	assert_int_equal(image_docker_manifest_pick(good, strlen(good), "other", config, layers, &n, err,
						    sizeof(err)),
			 -ENOENT);
	static const char *const bad[] = {
		"{}",
		"[{\"Config\":\"/etc/passwd\",\"Layers\":[]}]",
		"[{\"Config\":\"a.json\",\"Layers\":[\"../x\"]}]",
		"[{\"Config\":\"a.json\",\"Layers\":[\"a/../../x\"]}]",
		"[{\"Config\":\"a.json\"}]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(image_docker_manifest_pick(bad[i], strlen(bad[i]), NULL, config, layers, &n, err,
							    sizeof(err)),
				 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),	 cmocka_unit_test(test_index_bad),
		cmocka_unit_test(test_manifest), cmocka_unit_test(test_config),
		cmocka_unit_test(test_docker_manifest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
