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
#define _GNU_SOURCE /* memfd_create */
#endif
#include "secfilter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

static void seccomp_ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* The other ABIs of the native architecture. */
static const uint32_t extra_arches[] = {
#if defined(__x86_64__)
	SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
	SCMP_ARCH_ARM,
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	SCMP_ARCH_PPC64,
#elif defined(__s390x__)
	SCMP_ARCH_S390,
#elif defined(__mips__) && defined(__LP64__)
	SCMP_ARCH_MIPS,
#endif
	0,
};

int secfilter_build(scmp_filter_ctx *out, char *err, size_t errlen)
{
	__attribute__((cleanup(seccomp_ctx_release))) scmp_filter_ctx ctx = NULL;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/* A syscall from an ABI we did not add must not pass unfiltered. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		snprintf(err, errlen, "seccomp bad-arch action: %s", strerror(-r));
		return r;
	}
	/* A binary tree of syscall numbers rather than a linear list: the kernel runs the filter
	 * for every syscall number of every ABI at load time (to build its allow cache), and
	 * this halves that cost (~280 -> ~125 us here). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		snprintf(err, errlen, "seccomp optimize attribute: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; extra_arches[i]; i++) {
		r = seccomp_arch_add(ctx, extra_arches[i]);
		if (r < 0 && r != -EEXIST) {
			snprintf(err, errlen, "seccomp_arch_add(0x%x): %s", extra_arches[i],
				 strerror(-r));
			return r;
		}
	}

	for (size_t i = 0; secfilter_blocked_syscalls[i]; i++) {
		const char *name = secfilter_blocked_syscalls[i];
		int nr = seccomp_syscall_resolve_name(name);
		/* A name libseccomp does not know at all (an older library): nothing to add. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0) {
			snprintf(err, errlen, "seccomp rule for %s: %s", name, strerror(-r));
			return r;
		}
	}

	/* The kernel reads the ioctl request as an unsigned int: compare the low 32 bits only,
	 * else TIOCSTI with any high bit set on a 64-bit ABI slips past an equality test (the
	 * moby/runc TIOCSTI bypass). */
	for (size_t i = 0; i < secfilter_nblocked_ioctls; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffULL,
						(scmp_datum_t)secfilter_blocked_ioctls[i].request));
		if (r < 0) {
			snprintf(err, errlen, "seccomp rule for ioctl(%s): %s",
				 secfilter_blocked_ioctls[i].name, strerror(-r));
			return r;
		}
	}

	*out = steal_ptr(&ctx);
	return 0;
}

int secfilter_export(struct sock_filter **insns, size_t *n, char *err, size_t errlen)
{
	__attribute__((cleanup(seccomp_ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = secfilter_build(&ctx, err, errlen);
	if (r < 0)
		return r;

	/* libseccomp 2.5 exports only to an fd. */
	_cleanup_close_ int fd = memfd_create("secfilter", MFD_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "memfd_create: %s", strerror(e));
		return -e;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		snprintf(err, errlen, "exporting the seccomp filter: %s", strerror(-r));
		return r;
	}
	off_t len = lseek(fd, 0, SEEK_CUR);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 || len > 65536) {
		snprintf(err, errlen, "exporting the seccomp filter: bad size %lld", (long long)len);
		return -EINVAL;
	}
	_cleanup_free_ struct sock_filter *buf = malloc((size_t)len);
	if (!buf) {
		snprintf(err, errlen, "exporting the seccomp filter: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ssize_t got = pread(fd, buf, (size_t)len, 0);
	if (got != len) {
		int e = got < 0 ? errno : EIO;
		snprintf(err, errlen, "reading the exported seccomp filter: %s", strerror(e));
		return -e;
	}
	*n = (size_t)len / sizeof(struct sock_filter);
	*insns = steal_ptr(&buf);
	return 0;
}

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
	int r = security_no_new_privs(err, errlen);
	if (r < 0)
		return r;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		int e = errno;
		snprintf(err, errlen, "loading the seccomp filter: %s", strerror(e));
		return -e;
	}
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
	__attribute__((cleanup(seccomp_ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = secfilter_build(&ctx, err, errlen);
	if (r < 0)
		return r;
	/* libseccomp sets no_new_privs itself before loading (SCMP_FLTATR_CTL_NNP). */
	r = seccomp_load(ctx);
	if (r < 0) {
		snprintf(err, errlen, "loading the seccomp filter: %s", strerror(-r));
		return r;
	}
	return 0;
}
#endif

int security_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		int e = errno;
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(e));
		return -e;
	}
	return 0;
}
