/* Unit tests for doctor.c: each check's verdict and fix from fake inputs (sysctl texts,
 * errnos, stats, files in a temp dir, a fake cgroup tree). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "subid.h"

/* A user that exists nowhere, so that a libsubid build falls back to the file. */
#define NOUSER "no-such-user-xyz"

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void test_userns(void **state)
{
	struct doctor_check c;
	(void)state;

	doctor_userns(&c, false, 0, "15000\n", NULL, NULL);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_string_equal(c.fix, "");

	doctor_userns(&c, false, ENOSPC, "0\n", "1\n", NULL);
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_string_equal(c.fix, "sudo sysctl -w user.max_user_namespaces=15000");

	doctor_userns(&c, false, EPERM, "15000\n", "0\n", NULL);
	assert_string_equal(c.fix, "sudo sysctl -w kernel.unprivileged_userns_clone=1");

	/* Ubuntu 24.04: the namespace is created but has no capabilities. */
	doctor_userns(&c, false, EPERM, "15000\n", "1\n", "1\n");
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_contains(c.fix, "apparmor_parser -r /etc/apparmor.d/sandbox");

	doctor_userns(&c, false, EPERM, "15000\n", NULL, "0\n");
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_true(c.fix[0] != '\0');

	/* Inside a sandbox the sysctls are not the ones to change from there: the outer one is. */
	doctor_userns(&c, true, ENOSPC, "0\n", "1\n", NULL);
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_contains(c.fix, "the outer sandbox or container must allow nested user namespaces");
	assert_null(strstr(c.fix, "sudo sysctl"));
	doctor_userns(&c, true, 0, "0\n", NULL, NULL);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_string_equal(c.fix, "");
}

static void test_idmap_helper(void **state)
{
	struct doctor_check c;
	struct stat st = { 0 };
	(void)state;

	doctor_idmap_helper(&c, false, "newuidmap", NULL, &st, false);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.fix, "apt-get install uidmap");

	st.st_uid = 0;
	st.st_mode = S_IFREG | S_ISUID | 0755;
	doctor_idmap_helper(&c, false, "newuidmap", "/usr/bin/newuidmap", &st, false);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_contains(c.detail, "setuid root");

	/* setuid, but owned by someone else: no help. */
	st.st_uid = 1000;
	doctor_idmap_helper(&c, false, "newgidmap", "/usr/bin/newgidmap", &st, false);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_string_equal(c.fix, "sudo chmod u+s /usr/bin/newgidmap (or sudo setcap cap_setgid+ep /usr/bin/newgidmap)");

	st.st_mode = S_IFREG | 0755;
	doctor_idmap_helper(&c, false, "newuidmap", "/usr/bin/newuidmap", &st, true);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_contains(c.detail, "file capabilities");

	/* Under no_new_privs neither setuid nor file capabilities work: no chmod to suggest. */
	st.st_uid = 0;
	st.st_mode = S_IFREG | S_ISUID | 0755;
	doctor_idmap_helper(&c, true, "newuidmap", "/usr/bin/newuidmap", &st, false);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.detail, "/usr/bin/newuidmap cannot work under no_new_privs");
	assert_contains(c.fix, "--map self");
	assert_null(strstr(c.fix, "sudo"));
	doctor_idmap_helper(&c, true, "newgidmap", NULL, &st, false);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.detail, "not found");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_subids(void **state)
{
	struct doctor_check c;
	char dir[] = "/tmp/test_doctor.XXXXXX", subuid[64], ns[64];
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(subuid, sizeof(subuid), "%s/subuid", dir);
	snprintf(ns, sizeof(ns), "%s/nsswitch.conf", dir);

	write_file(subuid, "# comment\nother:100000:65536\n" NOUSER ":200000:65536\n");
	write_file(ns, "passwd: files\n");
	doctor_subids(&c, false, subuid, NOUSER, 4242, SUBID_UIDS, ns);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_contains(c.detail, "65536 from 200000");

	write_file(subuid, "other:100000:65536\n");
	write_file(ns, "passwd: files\nsubid: sss\n");
	doctor_subids(&c, false, subuid, NOUSER, 4242, SUBID_GIDS, ns);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.detail, "subid: sss");
	assert_string_equal(c.fix, "sudo usermod --add-subgids 100000-165535 " NOUSER);
	/* Inside a sandbox: the host's file, changed outside, for sandboxes started there. */
	doctor_subids(&c, true, subuid, NOUSER, 4242, SUBID_GIDS, ns);
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_string_equal(c.fix, "on the host, outside any sandbox: sudo usermod --add-subgids 100000-165535 " NOUSER);
	write_file(subuid, NOUSER ":200000:65536\n");
	doctor_subids(&c, true, subuid, NOUSER, 4242, SUBID_UIDS, ns);
	assert_int_equal(c.level, DOCTOR_OK);
	assert_contains(c.detail, "65536 from 200000");
	assert_contains(c.detail, "outside a sandbox only");

	unlink(subuid);
	unlink(ns);
	rmdir(dir);
}

static void test_tun(void **state)
{
	struct doctor_check c;
	(void)state;

	doctor_tun(&c, false, 0);
	assert_int_equal(c.level, DOCTOR_OK);
	doctor_tun(&c, false, EACCES);
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_string_equal(c.fix, "sudo chmod 0666 /dev/net/tun (its usual mode); or run with --net none");
	doctor_tun(&c, false, ENOENT);
	assert_string_equal(c.fix, "sudo modprobe tun; or run with --net none");
	/* Inside a sandbox: what the outer one must be given, whatever the errno. */
	doctor_tun(&c, true, ENOENT);
	assert_int_equal(c.level, DOCTOR_FAIL);
	assert_contains(c.fix, "give the outer sandbox the device: sandbox --dev-bind /dev/net/tun /dev/net/tun");
	assert_contains(c.fix, "--net none");
	doctor_tun(&c, true, EACCES);
	assert_contains(c.fix, "--dev-bind /dev/net/tun /dev/net/tun");
}

static void test_cgroup(void **state)
{
	struct doctor_check c;
	char dir[] = "/tmp/test_doctor.XXXXXX", path[128];
	const char *mi = "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
	(void)state;

	/* v1/hybrid: no cgroup2 mount. */
	doctor_cgroup(&c, false, "0::/\n", "25 1 0:22 / /sys rw - sysfs sysfs rw\n", -1, getuid());
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.fix, "systemd.unified_cgroup_hierarchy=1");
	doctor_cgroup(&c, true, "0::/\n", "25 1 0:22 / /sys rw - sysfs sysfs rw\n", -1, getuid());
	assert_contains(c.fix, "on the host, outside any sandbox: boot with systemd.unified_cgroup_hierarchy=1");

	/* A tree of ours whose parent enables every controller. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/user", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/user/cgroup.subtree_control", dir);
	write_file(path, "cpu memory pids\n");
	snprintf(path, sizeof(path), "%s/user/cgroup.controllers", dir);
	write_file(path, "cpu memory pids\n");
	snprintf(path, sizeof(path), "%s/user/cgroup.procs", dir);
	write_file(path, "");
	snprintf(path, sizeof(path), "%s/user/leaf", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	doctor_cgroup(&c, false, "0::/user/leaf\n", mi, fd, getuid());
	assert_int_equal(c.level, DOCTOR_OK);
	assert_contains(c.detail, "memory, pids and cpu");

	/* Without pids enabled: a warning that names it. */
	snprintf(path, sizeof(path), "%s/user/cgroup.subtree_control", dir);
	write_file(path, "cpu memory\n");
	doctor_cgroup(&c, false, "0::/user/leaf\n", mi, fd, getuid());
	assert_int_equal(c.level, DOCTOR_WARN);
	assert_contains(c.detail, "pids");
	doctor_cgroup(&c, true, "0::/user/leaf\n", mi, fd, getuid());
	assert_contains(c.fix, "the outer sandbox");
	assert_contains(c.fix, "--cgroupfs rw");
	close(fd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_kernel_and_format(void **state)
{
	struct doctor_check c;
	char line[1024];
	(void)state;

	doctor_kernel(&c, "clone3", EINVAL);
	assert_int_equal(c.level, DOCTOR_OK);
	doctor_format(&c, line, sizeof(line));
	assert_string_equal(line, "ok    clone3: available");

	doctor_kernel(&c, "openat2", ENOSYS);
	assert_int_equal(c.level, DOCTOR_FAIL);
	doctor_format(&c, line, sizeof(line));
	assert_string_equal(line, "FAIL  openat2: missing from this kernel; fix: a Linux kernel 5.12 or newer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userns),
		cmocka_unit_test(test_idmap_helper),
		cmocka_unit_test(test_subids),
		cmocka_unit_test(test_tun),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_kernel_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
