/* sectool.c: the attacker's toolbox of tests/integration/security.sh, built statically at test
 * time (a busybox rootfs has no compiler and no libc to link against). Each sub-command tries
 * one thing and prints what the kernel answered, "ok" or the errno name, so that the shell
 * test compares words, not exit codes.
 *
 *   sectool syscalls          try each syscall the default seccomp filter must refuse
 *   sectool i386gate          does int 0x80 work at all here (run outside the filter)
 *   sectool i386              getpid and keyctl through int 0x80 (the i386 ABI), keyctl via x32
 *   sectool tiocsti FD        push a character into the terminal on FD
 *   sectool ptrace PID        PTRACE_ATTACH to PID
 *   sectool proc PID          readlink /proc/PID/exe, open /proc/PID/mem, list /proc/PID/fd
 *   sectool ids               real/effective/saved uid and gid, then CapEff/CapPrm
 *   sectool setfcap FILE      give FILE the file capabilities cap_setuid,cap_sys_admin=p
 *   sectool addkey DESC DATA  add a "user" key to the session keyring; prints its serial
 *   sectool readkey SERIAL    read the key's payload
 *   sectool findkey DESC      search the session keyring for a "user" key named DESC, read it
 *   sectool openfds           try open("/proc/self/fd/N") for N in 3..1023
 *   sectool mknod PATH        mknod a character device (1,3 as /dev/null) at PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <unistd.h>

static const char *res(long r)
{
	static char buf[32];

	if (r >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return buf;
}

static void show(const char *what, long r)
{
	printf("%s %s\n", what, res(r));
}

static int cmd_syscalls(void)
{
	union bpf_attr battr;
	struct perf_event_attr pattr;

	show("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	show("add_key", syscall(SYS_add_key, "user", "sectool", "x", 1, KEY_SPEC_PROCESS_KEYRING));
	show("request_key", syscall(SYS_request_key, "user", "sectool", NULL, 0));
	memset(&battr, 0, sizeof(battr));
	battr.map_type = BPF_MAP_TYPE_ARRAY;
	battr.key_size = 4;
	battr.value_size = 4;
	battr.max_entries = 1;
	show("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &battr, sizeof(battr)));
	memset(&pattr, 0, sizeof(pattr));
	pattr.size = sizeof(pattr);
	pattr.type = PERF_TYPE_SOFTWARE;
	pattr.config = PERF_COUNT_SW_CPU_CLOCK;
	pattr.exclude_kernel = 1;
	show("perf_event_open", syscall(SYS_perf_event_open, &pattr, 0, -1, -1, 0));
	show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	show("init_module", syscall(SYS_init_module, NULL, 0, ""));
	show("finit_module", syscall(SYS_finit_module, -1, "", 0));
	show("delete_module", syscall(SYS_delete_module, "sectool", 0));
	show("iopl", syscall(SYS_iopl, 3));
	show("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
	show("swapon", syscall(SYS_swapon, "/nonexistent", 0));
	show("swapoff", syscall(SYS_swapoff, "/nonexistent"));
	/* A harmless command word: the filter must refuse before the kernel looks at magic. */
	show("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	/* TIOCSTI and TIOCLINUX on /dev/tty or stdin: refused whatever the fd is. */
	char c = 'x';
	show("TIOCSTI", ioctl(0, TIOCSTI, &c));
	char sub = 12; /* TIOCL_GETFGCONSOLE */
	show("TIOCLINUX", ioctl(0, TIOCLINUX, &sub));
	/* unshare of a user namespace is allowed (nested sandboxes), check it does not crash. */
	pid_t p = fork();
	if (p == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	int st = 0;
	waitpid(p, &st, 0);
	printf("unshare_user %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "refused");
	return 0;
}

#if defined(__x86_64__)
/* One i386 system call through int 0x80 (the i386 table, even from a 64-bit process). */
static long int80(long nr, long a, long b, long c)
{
	long r;

	/* the 64-bit kernel zeroes r8-r11 on this entry */
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

/* Runs int80(nr, ...) in a child, so that a kernel without a working gate (it raises SIGSEGV
 * on some hypervisors, with no filter at all) is reported as such instead of killing the tool.
 * Prints WHAT and the answer: "ok", the errno name, or the signal's name. */
static void show_int80(const char *what, long nr, long a, long b, long c)
{
	int pfd[2];
	long r = 0;
	int st = 0;

	fflush(stdout);
	if (pipe(pfd) < 0) {
		printf("%s pipe-failed\n", what);
		return;
	}
	pid_t p = fork();
	if (p == 0) {
		signal(SIGSEGV, SIG_DFL);
		r = int80(nr, a, b, c);
		_exit(write(pfd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pfd[1]);
	ssize_t n = p > 0 ? read(pfd[0], &r, sizeof(r)) : -1;
	close(pfd[0]);
	if (p > 0)
		waitpid(p, &st, 0);
	if (p < 0 || n != sizeof(r)) {
		printf("%s %s\n", what, p > 0 && WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "failed");
		return;
	}
	if (r < 0) {
		errno = (int)-r;
		r = -1;
	}
	show(what, r);
}
#endif

/* i386gate: does int 0x80 work here at all (run it outside any filter)? "i386_gate ok", or
 * why not. */
static int cmd_i386gate(void)
{
#if defined(__x86_64__)
	show_int80("i386_gate", 20 /* getpid */, 0, 0, 0);
#else
	printf("i386_gate n/a\n");
#endif
	return 0;
}

static int cmd_i386(void)
{
#if defined(__x86_64__)
	long r;
	/* i386 keyctl is 288, getpid is 20. A filter that checks only the x86_64 numbers lets
	 * these through. */
	show_int80("i386_getpid", 20, 0, 0, 0);
	show_int80("i386_keyctl", 288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	/* x32: the x86_64 numbers with bit 30 set. */
	r = syscall(0x40000000L | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	show("x32_keyctl", r);
#else
	printf("i386_getpid n/a\ni386_keyctl n/a\nx32_keyctl n/a\n");
#endif
	return 0;
}

static int cmd_tiocsti(int fd)
{
	char c = '#';
	show("TIOCSTI", ioctl(fd, TIOCSTI, &c));
	return 0;
}

static int cmd_ptrace(pid_t pid)
{
	long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	show("ptrace_attach", r);
	if (r == 0) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	r = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
	show("ptrace_seize", r);
	if (r == 0)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

static int cmd_proc(const char *pid)
{
	char path[64], buf[4096];
	long r;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	r = readlink(path, buf, sizeof(buf) - 1);
	show("exe_readlink", r);
	r = open(path, O_RDONLY);
	show("exe_open", r);
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	r = open(path, O_RDONLY);
	show("mem_open", r);
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *d = opendir(path);
	show("fd_list", d ? 0 : -1);
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "/proc/%s/fd/0", pid);
	r = open(path, O_RDONLY);
	show("fd0_open", r);
	snprintf(path, sizeof(path), "/proc/%s/root/", pid);
	r = open(path, O_RDONLY | O_DIRECTORY);
	show("root_open", r);
	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	r = open(path, O_RDONLY);
	show("environ_open", r);
	return 0;
}

static int cmd_ids(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	char line[256];
	FILE *f;

	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	printf("uid %u %u %u gid %u %u %u\n", ru, eu, su, rg, eg, sg);
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0 || strncmp(line, "CapPrm:", 7) == 0)
			fputs(line, stdout);
	if (f)
		fclose(f);
	return 0;
}

static int cmd_setfcap(const char *file)
{
	struct vfs_cap_data d;

	memset(&d, 0, sizeof(d));
	/* Permitted only: with the effective bit the kernel refuses the exec outright (EPERM)
	 * when the caps cannot all be granted, which would hide whether they were. */
	d.magic_etc = VFS_CAP_REVISION_2;
	d.data[0].permitted = (1u << CAP_SETUID) | (1u << CAP_SYS_ADMIN) | (1u << CAP_DAC_OVERRIDE);
	show("setxattr", setxattr(file, "security.capability", &d, XATTR_CAPS_SZ_2, 0));
	return 0;
}

static int cmd_addkey(const char *desc, const char *data)
{
	long r = syscall(SYS_add_key, "user", desc, data, strlen(data), KEY_SPEC_SESSION_KEYRING);
	if (r < 0) {
		show("add_key", r);
		return 1;
	}
	/* The kernel's default permissions: the possessor may do anything, the owner only see. */
	printf("%ld\n", r);
	return 0;
}

static int readkey(long serial)
{
	char buf[256];
	long r = syscall(SYS_keyctl, KEYCTL_READ, serial, buf, sizeof(buf) - 1);
	if (r < 0) {
		show("read", r);
		return 1;
	}
	buf[r < (long)sizeof(buf) - 1 ? r : (long)sizeof(buf) - 1] = '\0';
	printf("read ok %s\n", buf);
	return 0;
}

static int cmd_findkey(const char *desc)
{
	long r = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	show("search", r);
	if (r >= 0)
		return readkey(r);
	r = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", desc, 0);
	show("search_user", r);
	if (r >= 0)
		return readkey(r);
	return 0;
}

static int cmd_openfds(void)
{
	char path[64];
	int n = 0;

	for (int i = 3; i < 1024; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			printf("opened %d\n", i);
			close(fd);
			n++;
		}
	}
	printf("opened %d fds\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "syscalls") == 0)
		return cmd_syscalls();
	if (argc >= 2 && strcmp(argv[1], "i386gate") == 0)
		return cmd_i386gate();
	if (argc >= 2 && strcmp(argv[1], "i386") == 0)
		return cmd_i386();
	if (argc >= 3 && strcmp(argv[1], "tiocsti") == 0)
		return cmd_tiocsti(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "ptrace") == 0)
		return cmd_ptrace(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "proc") == 0)
		return cmd_proc(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "ids") == 0)
		return cmd_ids();
	if (argc >= 3 && strcmp(argv[1], "setfcap") == 0)
		return cmd_setfcap(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "addkey") == 0)
		return cmd_addkey(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "readkey") == 0)
		return readkey(atol(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "findkey") == 0)
		return cmd_findkey(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "openfds") == 0)
		return cmd_openfds();
	if (argc >= 3 && strcmp(argv[1], "mknod") == 0) {
		show("mknod", mknod(argv[2], S_IFCHR | 0666, makedev(1, 3)));
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of sectool.c\n");
	return 2;
}
