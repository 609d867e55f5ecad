/* test_ociconf.c: config.json and exec's process.json into the sandbox's plans; the state file
 * and the state JSON (ociconf.c, ocistate.c). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "caps.h"
#include "ociconf.h"
#include "ociseccomp.h"
#include "ocistate.h"

/* podman 4.3's config.json for `podman run --rm IMAGE echo hello`, trimmed (seccomp shortened). */
static const char podman_config[] =
	"{\"ociVersion\":\"1.0.2-dev\","
	"\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"umask\":18,\"additionalGids\":[0,10]},"
	"\"args\":[\"echo\",\"hello\"],"
	"\"env\":[\"PATH=/usr/bin:/bin\",\"TERM=xterm\",\"container=podman\",\"HOME=/root\"],"
	"\"cwd\":\"/\","
	"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_SETUID\"],"
	"\"effective\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_RAW\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":20000,\"soft\":10000}],\"oomScoreAdj\":5},"
	"\"root\":{\"path\":\"/var/lib/rootfs\"},\"hostname\":\"abc\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"ro\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},"
	"{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"mode=1777\",\"size=2m\"]},"
	"{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/x/hosts\",\"options\":[\"bind\",\"rprivate\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]}],"
	"\"annotations\":{\"io.container.manager\":\"libpod\"},"
	"\"linux\":{\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 0\"},\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\"],"
	"\"flags\":null,\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
	"{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]},"
	"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]}}";

#define BIT(c) (UINT64_C(1) << (c))

static void test_podman_config(void **state)
{
	struct oci_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(ociconf_parse(podman_config, strlen(podman_config), &c, err, sizeof(err)), 0);
	const struct command_plan *p = &c.process.plan;
	assert_string_equal(p->argv[0], "echo");
	assert_string_equal(p->argv[1], "hello");
	assert_null(p->argv[2]);
	assert_true(p->clear_env);
	assert_string_equal(p->env[2], "container=podman");
	assert_string_equal(p->workdir, "/");
	assert_true(p->user_set);
	assert_int_equal(p->uid, 0);
	assert_true(p->umask_set);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->ngroups, 2);
	assert_int_equal(p->groups[1], 10);
	/* permitted, cut to bounding: NET_RAW is not in bounding. */
	assert_int_equal(p->caps, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	assert_int_equal(p->nrlimits, 1);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 10000);
	assert_int_equal(p->rlimits[0].hard, 20000);
	assert_true(c.process.oom_score_adj_set);
	assert_int_equal(c.process.oom_score_adj, 5);
	assert_string_equal(c.hostname, "abc");
	assert_string_equal(c.root, "/var/lib/rootfs");
	assert_string_equal(c.sysctl[0], "net.ipv4.ping_group_range");
	assert_string_equal(c.annotations[1], "libpod");
	assert_non_null(ociconf_namespace(&c, CLONE_NEWPID));
	assert_null(ociconf_namespace(&c, CLONE_NEWUSER));
	assert_string_equal(ociconf_namespace(&c, CLONE_NEWNET)->path, "/run/netns/x");
	assert_non_null(c.seccomp);
	assert_int_equal(c.seccomp->default_action, OCI_SCMP_ERRNO);
	assert_int_equal(c.seccomp->default_errno, 38);
	assert_int_equal(c.seccomp->nrules, 3);
	assert_int_equal(c.seccomp->rules[1].nargs, 1);
	assert_int_equal(c.seccomp->rules[1].args[0].op, OCI_SCMP_EQ);
	assert_int_equal(c.seccomp->rules[1].args[0].value, 8);
	assert_int_equal(c.seccomp->rules[2].errno_ret, 1);

	struct mountplan plan;
	assert_int_equal(ociconf_mountplan(&c, "/r", &plan, err, sizeof(err)), 0);
	/* proc, dev (devpts folded in), sys, mqueue, /run, the bind, cgroup, mask, ro path */
	static const enum mstep_kind kinds[] = { MSTEP_PROC,   MSTEP_DEV,     MSTEP_SYS,     MSTEP_MQUEUE, MSTEP_TMPFS,
						  MSTEP_RO_BIND, MSTEP_RO_BIND, MSTEP_MASK,   MSTEP_RO_PATH };
	assert_int_equal(plan.n, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < plan.n; i++)
		assert_int_equal(plan.steps[i].kind, kinds[i]);
	assert_string_equal(plan.rootfs, "/r");
	assert_int_equal(plan.steps[4].mode, 01777);
	assert_int_equal(plan.steps[4].size, 2 << 20);
	assert_string_equal(plan.steps[5].src, "/x/hosts");
	/* no cgroup namespace: the host's tree, read-only */
	assert_string_equal(plan.steps[6].src, "/sys/fs/cgroup");
	assert_string_equal(plan.steps[7].dst, "/proc/kcore");
	assert_true(plan.steps[7].optional);
	mountplan_free(&plan);
	ociconf_free(&c);
}

/* linux.resources into the cgroup plan (cgroup.h): what says "no limit" needs no cgroup. */
static void test_resources(void **state)
{
	static const char head[] = "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{";
	struct oci_config c;
	char json[1024], err[256] = "";

	(void)state;
	snprintf(json, sizeof(json), "%s\"resources\":{\"memory\":{\"limit\":67108864,\"swap\":134217728},"
		 "\"pids\":{\"limit\":20},\"cpu\":{\"quota\":25000,\"period\":50000,\"shares\":1024},"
		 "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},\"cgroupsPath\":\"a/b\"}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.memory, 67108864);
	assert_int_equal(c.limits.swap, 67108864); /* swap counts memory too */
	assert_int_equal(c.limits.pids, 20);
	assert_int_equal(c.limits.cpu_quota, 25000);
	assert_int_equal(c.limits.cpu_period, 50000);
	assert_int_equal(c.limits.cpu_weight, 39); /* runc's: 1 + (1024 - 2) * 9999 / 262142 */
	assert_int_equal(cgroup_needed(&c.limits), CGROUP_MEMORY | CGROUP_PIDS | CGROUP_CPU);
	assert_string_equal(c.limits.names[1], "config.json: linux.resources.pids");
	assert_string_equal(c.cgroups_path, "a/b");
	ociconf_free(&c);

	/* Unlimited swap; the spec's "no limit" values; none of them makes a cgroup. */
	snprintf(json, sizeof(json), "%s\"resources\":{\"memory\":{\"limit\":1000000,\"swap\":-1}}}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.swap, -1);
	ociconf_free(&c);
	snprintf(json, sizeof(json), "%s\"resources\":{\"memory\":{\"limit\":1000000}}}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.swap, 0); /* no swap, as a sandbox's --memory */
	ociconf_free(&c);
	snprintf(json, sizeof(json),
		 "%s\"resources\":{\"memory\":{\"limit\":-1,\"swap\":-1},\"pids\":{\"limit\":-1},"
		 "\"cpu\":{\"quota\":-1,\"period\":100000}},\"cgroupsPath\":\"/x\"}}",
		 head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(cgroup_needed(&c.limits), 0);
	ociconf_free(&c);
	snprintf(json, sizeof(json), "%s\"resources\":{\"pids\":{\"limit\":0},\"cpu\":{\"shares\":0}}}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(cgroup_needed(&c.limits), 0);
	ociconf_free(&c);
	/* shares beyond cgroup v1's range: clamped, as runc does */
	snprintf(json, sizeof(json), "%s\"resources\":{\"cpu\":{\"shares\":1}}}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.cpu_weight, 1);
	ociconf_free(&c);
	snprintf(json, sizeof(json), "%s\"resources\":{\"cpu\":{\"shares\":1000000}}}}", head);
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.cpu_weight, 10000);
	ociconf_free(&c);
}

/* A user namespace joined by path: config.json's maps, when given, must be the kernel's. */
static void test_join_userns(void **state)
{
	static const char json[] = "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
				   "[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"},{\"type\":\"mount\"}],"
				   "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
				   "{\"containerID\":1,\"hostID\":100000,\"size\":65536}]}}";
	struct oci_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_string_equal(ociconf_namespace(&c, CLONE_NEWUSER)->path, "/proc/1/ns/user");
	/* the kernel's layout, any order */
	assert_true(ociconf_maps_match(c.uid_mappings, c.nuid_mappings,
				       "         1     100000      65536\n         0       1000          1\n"));
	assert_true(ociconf_maps_match(c.uid_mappings, c.nuid_mappings, "0 1000 1\n1 100000 65536"));
	assert_false(ociconf_maps_match(c.uid_mappings, c.nuid_mappings, "0 1000 1\n"));
	assert_false(ociconf_maps_match(c.uid_mappings, c.nuid_mappings, "0 1001 1\n1 100000 65536\n"));
	assert_false(ociconf_maps_match(c.uid_mappings, c.nuid_mappings,
					"0 1000 1\n1 100000 65536\n65537 300000 1\n"));
	assert_false(ociconf_maps_match(c.uid_mappings, c.nuid_mappings, "0 1000 1 x\n1 100000 65536\n"));
	assert_false(ociconf_maps_match(c.uid_mappings, c.nuid_mappings, "0 1000 1\n1 100000 99999999999\n"));
	assert_true(ociconf_maps_match(NULL, 0, ""));
	ociconf_free(&c);
}

/* Each of these is refused, with its member named in the reason. */
static void test_refusals(void **state)
{
	static const struct {
		const char *json, *reason;
	} bad[] = {
		{ "{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"r\"}}", "ociVersion" },
		{ "{\"ociVersion\":\"1.0\"}", "root: missing" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"solaris\":{\"x\":1}}", "solaris: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}}",
		  "linux.intelRdt: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"blockIO\":{\"weight\":10}}}}",
		  "linux.resources.blockIO: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":1,"
		  "\"reservation\":1}}}}",
		  "linux.resources.memory.reservation: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":100,"
		  "\"swap\":50}}}}",
		  "linux.resources.memory.swap: below memory.limit" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"memory\":{\"swap\":50}}}}",
		  "linux.resources.memory.swap: needs memory.limit" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}}",
		  "linux.resources.memory.limit: out of range" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-1\"}}}}",
		  "linux.resources.cpu.cpus: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"cpu\":{\"quota\":999}}}}",
		  "linux.resources.cpu.quota: below the kernel's 1000 us" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"cpu\":{\"period\":2000000}}}}",
		  "linux.resources.cpu.period: out of range" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"resources\":{\"pids\":{\"limit\":\"10\"}}}}",
		  "linux.resources.pids.limit: must be a number" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"cgroupsPath\":7}}",
		  "linux.cgroupsPath: must be a string" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"time\"}]}}",
		  "type 'time' not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/x\"}]}}",
		  "joining an existing mount namespace" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[],\"cwd\":\"/\",\"user\":{}}}",
		  "process.args: must be a non-empty array" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"x\"],\"cwd\":\"rel\",\"user\":{}}}",
		  "process.cwd: must be an absolute path" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{},"
		  "\"capabilities\":{\"permitted\":[\"CAP_NOPE\"]}}}",
		  "unknown capability" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{},"
		  "\"apparmorProfile\":\"p\"}}",
		  "process.apparmorProfile: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{},"
		  "\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]}}",
		  "unknown type" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
		  "process.user.uid: out of range" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}}}",
		  "action 'SCMP_ACT_NOTIFY' not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		  "\"listenerPath\":\"/s\"}}}",
		  "linux.seccomp.listenerPath: not supported" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"createContainer\":[{\"path\":\"true\"}]}}",
		  "hooks.createContainer[0]: path must be absolute" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"x\"}]}}",
		  "linux.namespaces[0]: path must be absolute" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hostname\":\"h\"}", "hostname: needs a uts namespace" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"rootfsPropagation\":\"shared\"}}",
		  "rootfsPropagation" },
		{ "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"}} x", "not a JSON object" },
		{ "[1]", "not a JSON object" },
	};
	struct oci_config c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ociconf_parse(bad[i].json, strlen(bad[i].json), &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].reason))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].reason);
		assert_true(strncmp(err, "config.json: ", 13) == 0);
	}
}

static void test_mount_refusals(void **state)
{
	static const struct {
		const char *mounts, *reason;
	} bad[] = {
		{ "[{\"destination\":\"/x\",\"type\":\"nfs\",\"source\":\"s:/x\"}]", "mounts[0]: type 'nfs' not supported" },
		{ "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"uid=5\"]}]", "option 'uid=5' not supported" },
		{ "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"size=12q\"]}]", "bad size" },
		{ "[{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"rel\"}]", "bind source must be an absolute path" },
		{ "[{\"destination\":\"/\",\"type\":\"tmpfs\"}]", "below /" },
		{ "[{\"destination\":\"/dev/pts\",\"type\":\"devpts\"}]", "devpts only at /dev/pts after a tmpfs /dev" },
		{ "[{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/y\",\"options\":[\"bind\",\"tmpcopyup\"]}]",
		  "option 'tmpcopyup' only for a tmpfs" },
		{ "[{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"options\":[\"tmpcopyup\"]}]",
		  "option 'tmpcopyup' only for a tmpfs (not /dev)" },
	};
	char json[1024], err[256];
	struct oci_config c;
	struct mountplan plan;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":%s}", bad[i].mounts);
		assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
		err[0] = '\0';
		assert_int_equal(ociconf_mountplan(&c, "/r", &plan, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].reason))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].reason);
		ociconf_free(&c);
	}
}

/* podman's --tmpfs and --read-only: tmpcopyup; without mode= the directory's mode is kept. */
static void test_tmpcopyup(void **state)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\",\"readonly\":true},\"mounts\":["
		"{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		"\"options\":[\"rw\",\"rprivate\",\"nosuid\",\"nodev\",\"tmpcopyup\"]},"
		"{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"tmpcopyup\",\"mode=700\"]},"
		"{\"destination\":\"/y\",\"type\":\"tmpfs\"}]}";
	struct oci_config c;
	struct mountplan plan;
	char err[256];

	(void)state;
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(ociconf_mountplan(&c, "/r", &plan, err, sizeof(err)), 0);
	assert_true(plan.ro);
	assert_int_equal(plan.n, 3);
	assert_true(plan.steps[0].copyup);
	assert_int_equal(plan.steps[0].mode, 0);
	assert_true(plan.steps[1].copyup);
	assert_int_equal(plan.steps[1].mode, 0700);
	assert_false(plan.steps[2].copyup);
	assert_int_equal(plan.steps[2].mode, 0755);
	mountplan_free(&plan);
	ociconf_free(&c);
}

/* Every kind of hook of the spec is taken, createContainer and startContainer too. */
static void test_hooks(void **state)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{"
		"\"createContainer\":[{\"path\":\"/a\",\"args\":[\"a\",\"x\"],\"timeout\":5}],"
		"\"startContainer\":[{\"path\":\"/b\",\"env\":[\"K=v\"]},{\"path\":\"/c\"}],"
		"\"prestart\":[],\"poststop\":[{\"path\":\"/d\"}]}}";
	struct oci_config c;
	char err[256];

	(void)state;
	assert_int_equal(ociconf_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	assert_int_equal(c.nhooks[OCI_HOOK_CREATE_CONTAINER], 1);
	assert_string_equal(c.hooks[OCI_HOOK_CREATE_CONTAINER][0].args[1], "x");
	assert_int_equal(c.hooks[OCI_HOOK_CREATE_CONTAINER][0].timeout, 5);
	assert_int_equal(c.nhooks[OCI_HOOK_START_CONTAINER], 2);
	assert_string_equal(c.hooks[OCI_HOOK_START_CONTAINER][0].env[0], "K=v");
	assert_string_equal(c.hooks[OCI_HOOK_START_CONTAINER][1].path, "/c");
	assert_int_equal(c.nhooks[OCI_HOOK_PRESTART], 0);
	assert_int_equal(c.nhooks[OCI_HOOK_POSTSTOP], 1);
	ociconf_free(&c);
}

static void test_process_json(void **state)
{
	static const char proc[] = "{\"terminal\":true,\"user\":{\"uid\":1000,\"gid\":1000},\"args\":[\"sh\"],"
				   "\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"capabilities\":{}}";
	struct oci_process p;
	char err[256];

	(void)state;
	assert_int_equal(ociconf_parse_process(proc, strlen(proc), &p, err, sizeof(err)), 0);
	assert_true(p.terminal);
	assert_int_equal(p.plan.uid, 1000);
	assert_int_equal(p.plan.caps, 0);
	assert_string_equal(p.plan.workdir, "/tmp");
	ociconf_process_free(&p);
	static const char noeq[] = "{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"],\"user\":{}}";
	assert_int_equal(ociconf_parse_process(noeq, strlen(noeq), &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not NAME=VALUE"));
}

static void test_state(void **state)
{
	struct oci_state s = { .pid = 42, .start = 12345, .created = 1700000000 }, back;
	char buf[8192], err[256];
	char *ann[] = { "k", "v\"q", NULL };

	(void)state;
	strcpy(s.bundle, "/b/with space");
	int n = ocistate_format(buf, sizeof(buf), &s);
	assert_true(n > 0 && n < (int)sizeof(buf));
	assert_int_equal(ocistate_parse(buf, &back, err, sizeof(err)), 0);
	assert_int_equal(back.pid, 42);
	assert_int_equal(back.start, 12345);
	assert_string_equal(back.bundle, "/b/with space");
	assert_string_equal(back.cgroup, "");
	strcpy(s.cgroup, "/sys/fs/cgroup/user/u/sandbox-oci-c1");
	n = ocistate_format(buf, sizeof(buf), &s);
	assert_int_equal(ocistate_parse(buf, &back, err, sizeof(err)), 0);
	assert_string_equal(back.cgroup, "/sys/fs/cgroup/user/u/sandbox-oci-c1");
	assert_int_equal(ocistate_parse("pid=1\nstart=1\ncreated=1\nbundle=/\ncgroup=rel\n", &back, err, sizeof(err)), -EINVAL);
	assert_int_equal(ocistate_parse("pid=1\n", &back, err, sizeof(err)), -EINVAL);
	assert_int_equal(ocistate_parse("pid=x\nstart=1\ncreated=1\nbundle=/\n", &back, err, sizeof(err)), -EINVAL);
	assert_int_equal(ocistate_parse("pid=1\nstart=1\ncreated=1\nbundle=/\nevil=1\n", &back, err, sizeof(err)), -EINVAL);

	char *json = ocistate_json("c1", OCI_RUNNING, 42, "/b", ann);
	assert_string_equal(json, "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"running\",\"pid\":42,"
				  "\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\\\"q\"}}");
	free(json);
	json = ocistate_json("c1", OCI_STOPPED, 42, "/b", NULL);
	assert_null(strstr(json, "\"pid\""));
	free(json);
	/* The hooks of create see the spec's "creating", with a pid. */
	json = ocistate_json("c1", OCI_CREATING, 1, "/b", NULL);
	assert_non_null(strstr(json, "\"status\":\"creating\",\"pid\":1,"));
	free(json);

	assert_true(ocistate_id_valid("abc-1.2_x+y"));
	assert_false(ocistate_id_valid(""));
	assert_false(ocistate_id_valid(".hidden"));
	assert_false(ocistate_id_valid("a/b"));
	assert_false(ocistate_id_valid("a b"));
}

/* The profile compiles to BPF; names this libseccomp does not know are skipped, architectures
 * it does not know are refused. */
static void test_seccomp(void **state)
{
	static const char unknown_name[] =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"syscalls\":[{\"names\":[\"no_such_call_42\",\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}";
	static const char bad_arch[] =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"architectures\":[\"SCMP_ARCH_VAX\"]}}}";
	struct oci_config c;
	struct sock_fprog prog;
	char err[256];

	(void)state;
	assert_int_equal(ociconf_parse(podman_config, strlen(podman_config), &c, err, sizeof(err)), 0);
	assert_int_equal(ociseccomp_compile(c.seccomp, &prog, err, sizeof(err)), 0);
	assert_true(prog.len > 5);
	free(prog.filter);
	ociconf_free(&c);
	assert_int_equal(ociconf_parse(unknown_name, strlen(unknown_name), &c, err, sizeof(err)), 0);
	assert_int_equal(ociseccomp_compile(c.seccomp, &prog, err, sizeof(err)), 0);
	free(prog.filter);
	ociconf_free(&c);
	assert_int_equal(ociconf_parse(bad_arch, strlen(bad_arch), &c, err, sizeof(err)), 0);
	assert_int_equal(ociseccomp_compile(c.seccomp, &prog, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "SCMP_ARCH_VAX' not supported"));
	ociconf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_config), cmocka_unit_test(test_resources),
		cmocka_unit_test(test_join_userns), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_mount_refusals), cmocka_unit_test(test_tmpcopyup), cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_process_json),
		cmocka_unit_test(test_state),	      cmocka_unit_test(test_seccomp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
