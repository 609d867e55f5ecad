/* secfilter.c: the default seccomp filter and no_new_privs.
 *
 * The filter is default-allow with a deny list, in the spirit of podman's default profile
 * restricted to what a rootless sandbox needs: mount, unshare, clone and setns stay allowed
 * (they are confined by the user namespace and users nest sandboxes). What is denied either
 * reaches state shared with the host that the namespaces do not cover (the kernel keyring,
 * the caller's terminal through TIOCSTI/TIOCLINUX) or is large kernel attack surface that a
 * sandboxed program has no business with (bpf, perf, io_uring, userfaultfd, modules, kexec,
 * raw port I/O). Denials return EPERM, not a kill, so programs take their fallback paths.
 *
 * Cost: building the filter with libseccomp and loading it takes ~0.5 ms, most of it in
 * libseccomp; the build can therefore precompile it (tools/gen-secfilter writes
 * secfilter-bpf.h from secfilter_build(), define SECFILTER_PRECOMPILED), leaving only the
 * kernel's own load (~0.1 ms). A unit test checks that the two stay identical.
 *
 * Every ABI of the architecture gets the same rules: on x86_64 a process can enter the kernel
 * through the i386 (int 0x80) and x32 entry points, with other syscall numbers, and a filter
 * written for x86_64 numbers alone would let those through. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "secfilter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

const char *const secfilter_blocked_syscalls[] = {
	/* kernel keyring: keys are not namespaced (the caller's session keyring, issue #4.7) */
	"keyctl", "add_key", "request_key",
	/* kernel programs and tracing */
	"bpf", "perf_event_open",
	/* replacing or extending the kernel */
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	/* raw port I/O */
	"iopl", "ioperm",
	/* host-wide state */
	"swapon", "swapoff", "reboot", "acct", "quotactl", "nfsservctl", "_sysctl",
	/* file handles bypass the mount namespace's view of paths (the "shocker" escape) */
	"open_by_handle_at", "name_to_handle_at",
	/* kernel attack surface with a long exploit history, not needed by ordinary programs */
	"userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	/* obsolete */
	"lookup_dcookie", "uselib", "vm86", "vm86old",
	NULL,
};

/* TIOCSTI pushes bytes into a terminal's input queue: on the caller's terminal that is
 * command execution outside the sandbox (bubblewrap CVE-2017-5226). TIOCLINUX can do the
 * same on a virtual console (its paste subcommand). */
const struct secfilter_ioctl secfilter_blocked_ioctls[] = {
	{ "TIOCSTI", TIOCSTI },
	{ "TIOCLINUX", TIOCLINUX },
};
const size_t secfilter_nblocked_ioctls = ARRAY_SIZE(secfilter_blocked_ioctls);

#ifdef SECFILTER_PRECOMPILED
/* Generated at build time by tools/gen-secfilter from secfilter_build() above. */
#include "secfilter-bpf.h"

bool secfilter_precompiled(const struct sock_filter **insns, size_t *n)
{
	*insns = secfilter_bpf;
	*n = ARRAY_SIZE(secfilter_bpf);
	return true;
}

int secfilter_apply_default(char *err, size_t errlen)
{
	struct sock_fprog prog = {
		.len = (unsigned short)ARRAY_SIZE(secfilter_bpf),
		.filter = (struct sock_filter *)secfilter_bpf,
	};

	/* Loading a filter unprivileged requires no_new_privs; it is always on anyway. */
	int r = secfilter_no_new_privs(err, errlen);
	if (r < 0)
		return r;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return err_set(err, errlen, errno, "loading the seccomp filter");
	return 0;
}
#else
bool secfilter_precompiled(const struct sock_filter **insns, size_t *n)
{
	*insns = NULL;
	*n = 0;
	return false;
}

int secfilter_apply_default(char *err, size_t errlen)
{
	return secfilter_load_built(err, errlen);
}
#endif

#if defined(__x86_64__)
#define SECFILTER_NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECFILTER_NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SECFILTER_NATIVE_ARCH AUDIT_ARCH_I386
#endif

int secfilter_connect_notify(int *listener, char *err, size_t errlen)
{
#if defined(SECFILTER_NATIVE_ARCH) && defined(__NR_connect) && defined(SECCOMP_RET_USER_NOTIF)
	/* x32 calls carry __X32_SYSCALL_BIT in nr and do not match: libslirp carries those. */
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECFILTER_NATIVE_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = (unsigned short)ARRAY_SIZE(insns), .filter = insns };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);

	if (fd < 0) {
		int e = errno;
		return err_set(err, errlen, e, "loading the connect() notification filter");
	}
	*listener = (int)fd;
	return 0;
#else
	(void)listener;
	return err_set(err, errlen, -ENOSYS, "connect() notification: not on this architecture");
#endif
}

int secfilter_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return err_set(err, errlen, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}
