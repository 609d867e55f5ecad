/* usernet_lockdown.c: the network helper's confinement (see usernet_lockdown.h). */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "usernet_lockdown.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "secfilter.h"
#include "util.h"

int usernet_lockdown_read_resolv(char *buf, size_t len)
{
	_cleanup_close_ int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read_all(fd, buf, len - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return 0;
}

static int lockdown_write(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC | O_NOFOLLOW,
				      0644);
	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

/* Map our own ids into the new user namespace (one each, the only map an unprivileged process
 * may write): files created in the tmpfs then have an owner, and sockets keep our identity. */
static int lockdown_map_ids(uid_t uid, gid_t gid)
{
	char line[64];
	int r;

	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	r = lockdown_write("/proc/self/uid_map", line);
	if (r < 0)
		return r;
	/* The kernel refuses a gid map from an unprivileged writer until setgroups is denied. */
	r = lockdown_write("/proc/self/setgroups", "deny\n");
	if (r < 0 && r != -ENOENT)
		return r;
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return lockdown_write("/proc/self/gid_map", line);
}

static int lockdown_newroot(const char *resolv_text, char *err, size_t errlen)
{
	/* Any existing directory serves as the mount point; the tmpfs hides it only in our
	 * private mount namespace. */
	static const char *const points[] = { "/tmp", "/mnt", "/" };
	const char *point = NULL;
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(err, errlen, errno, "make mounts private");
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		if (mount("tmpfs", points[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=64k,nr_inodes=16,mode=0755") == 0) {
			point = points[i];
			break;
		}
	}
	if (!point)
		return err_set(err, errlen, errno, "mount tmpfs");
	if (chdir(point) < 0)
		return err_set(err, errlen, errno, "chdir to the new root");
	if (mkdir("etc", 0755) < 0)
		return err_set(err, errlen, errno, "mkdir etc");
	r = lockdown_write("etc/resolv.conf", resolv_text);
	if (r < 0)
		return err_set(err, errlen, -r, "write etc/resolv.conf");
	r = pivot_root_here(err, errlen);
	if (r < 0)
		return r;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return err_set(err, errlen, errno, "remount the new root read-only");
	return 0;
}

static int lockdown_drop_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	/* The bounding set first (it needs CAP_SETPCAP, which we may still have); stop at the
	 * first number the kernel does not know. Outside a new user namespace we hold no
	 * CAP_SETPCAP and EPERM is expected: the set is then irrelevant, since we have no
	 * capabilities and no_new_privs keeps it so. */
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL || errno == EPERM)
				break;
			return err_set(err, errlen, errno, "drop the bounding set");
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(err, errlen, errno, "clear ambient capabilities");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, errlen, errno, "drop capabilities");
	return 0;
}

static void lockdown_ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* What the loop, libslirp, GLib and the C library call once the helper is locked down, and
 * nothing else (passt's isolation.c is the model). Found by tracing the helper through every
 * kind of traffic the tests make, and by reading libslirp 4.7's socket code: the epoll loop;
 * frames on the tap; sockets for new flows (TCP connect, UDP and ICMP datagrams, accept on
 * published ports, their options and names); memory; the clock; /etc/resolv.conf, which
 * libslirp opens and stat()s to find where to forward DNS; and the way out. Notably absent:
 * execve, ptrace, process_vm_*, bind, listen, clone/fork, kill, mount and every namespace
 * call: the helper binds its listeners and forks the published ports' forwarder before the
 * lock-down, and makes no process after it. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZED 1
#endif
#endif
static const char *const lockdown_allowed[] = {
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg",
	"epoll_wait", "epoll_pwait", "epoll_ctl",
	"socket", "connect", "accept", "accept4", "shutdown", "close", "getsockopt",
	"setsockopt", "getsockname", "getpeername", "fcntl",
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect",
	"clock_gettime", "gettimeofday", "time", "getrandom", "futex", "getpid", "gettid",
	"openat", "newfstatat", "fstat", "stat", "statx", "lseek",
	"rt_sigreturn", "restart_syscall", "exit", "exit_group",
};

/* Step 5: the sandbox's default filter, then the helper's own allow list over it. The helper
 * runs with the caller's uid in the host's pid and network namespaces: exploited, it could
 * otherwise ptrace or read the memory of any dumpable process of the caller's (a shell, an
 * editor) and so own the account, or open listeners on the host. A call outside the list kills
 * it (for the helper the supervisor then says "network helper died: signal 31"; the forwarder,
 * which has its own list, then refuses clients). Only the native ABI: any other (i386, x32) is
 * killed as a bad architecture. */
static int lockdown_seccomp(const char *const *allowed, size_t nallowed, bool helper, char *err, size_t errlen)
{
	__attribute__((cleanup(lockdown_ctx_release))) scmp_filter_ctx ctx = NULL;
	int r;

	r = secfilter_apply_default(err, errlen);
	if (r < 0)
		return r;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return err_set(err, errlen, ENOMEM, "seccomp_init");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return err_set(err, errlen, -r, "seccomp bad-arch action");
	for (size_t i = 0; i < nallowed; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (e.g. time, stat on arm64) */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return err_set(err, errlen, -r, "seccomp rule");
	}
#ifdef SANDBOX_SANITIZED
	/* AddressSanitizer's runtime takes down its signal stack in _exit, in every list's
	 * process (the helper's and the published ports' forwarder's). */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
	if (r < 0)
		return err_set(err, errlen, -r, "seccomp rule");
#endif
	/* The helper's two calls allowed only with one argument: FIONREAD (libslirp sizes a UDP
	 * datagram with it), and clearing the death signal when the loop starts draining after the
	 * sandbox ended. The forwarder makes neither. */
	if (helper) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, FIONREAD, 0));
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 2,
					     SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG, 0), SCMP_A1(SCMP_CMP_EQ, 0, 0));
		if (r < 0)
			return err_set(err, errlen, -r, "seccomp rule");
	}
	r = seccomp_load(ctx);
	if (r < 0)
		return err_set(err, errlen, -r, "load the seccomp filter");
	return 0;
}

int usernet_lockdown_isolate(const char *resolv_text, char *err, size_t errlen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	/* No fallback: without its own user namespace the helper would go on in the caller's
	 * mount namespace, with the host's root in view, and that is not a lock-down. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		int e = errno;
		return err_set(err, errlen, -e, "network helper: create its user namespace: %s%s",
			       strerror(e),
			       e == ENOSPC || e == EUSERS
				       ? " (the user's limit user.max_user_namespaces is reached)"
				       : "");
	}
	r = lockdown_map_ids(uid, gid);
	if (r < 0)
		return err_set(err, errlen, -r, "map ids in the helper's user namespace");
	return lockdown_newroot(resolv_text, err, errlen);
}

/* Steps 3-5 with the list allowed, and the helper's calls with arguments when helper. */
static int lockdown(const char *const *allowed, size_t nallowed, bool helper, char *err, size_t errlen)
{
	int r = lockdown_drop_caps(err, errlen);

	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errlen, errno, "set no_new_privs");
	return lockdown_seccomp(allowed, nallowed, helper, err, errlen);
}

int usernet_lockdown_with(const char *const *allowed, size_t nallowed, char *err, size_t errlen)
{
	return lockdown(allowed, nallowed, false, err, errlen);
}

int usernet_lockdown(char *err, size_t errlen)
{
	return lockdown(lockdown_allowed, ARRAY_SIZE(lockdown_allowed), true, err, errlen);
}
