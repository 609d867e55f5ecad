/* secfilter_build.c: the default seccomp filter built with libseccomp, for the build-time
 * generator (tools/gen-secfilter), the tests, and builds without the precompiled filter. Kept
 * apart from secfilter.c so that a binary loading the precompiled filter does not link
 * libseccomp at all: one shared library less at every start. */
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
#include <unistd.h>

#include "util.h"

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
		return err_set(err, errlen, ENOMEM, "seccomp_init");
	}
	/* A syscall from an ABI we did not add must not pass unfiltered. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		return err_set(err, errlen, -r, "seccomp bad-arch action");
	}
	/* A binary tree of syscall numbers rather than a linear list: the kernel runs the filter
	 * for every syscall number of every ABI at load time (to build its allow cache), and
	 * this halves that cost (~280 -> ~125 us here). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		return err_set(err, errlen, -r, "seccomp optimize attribute");
	}
	for (size_t i = 0; extra_arches[i]; i++) {
		r = seccomp_arch_add(ctx, extra_arches[i]);
		if (r < 0 && r != -EEXIST) {
			return err_set(err, errlen, -r, "seccomp_arch_add(0x%x)", extra_arches[i]);
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
			return err_set(err, errlen, -r, "seccomp rule for %s", name);
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
			return err_set(err, errlen, -r, "seccomp rule for ioctl(%s)", secfilter_blocked_ioctls[i].name);
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
		return err_set(err, errlen, e, "memfd_create");
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		return err_set(err, errlen, -r, "exporting the seccomp filter");
	}
	off_t len = lseek(fd, 0, SEEK_CUR);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 || len > 65536) {
		return err_set(err, errlen, -EINVAL, "exporting the seccomp filter: bad size %lld", (long long)len);
	}
	_cleanup_free_ struct sock_filter *buf = malloc((size_t)len);
	if (!buf) {
		return err_set(err, errlen, ENOMEM, "exporting the seccomp filter");
	}
	ssize_t got = pread(fd, buf, (size_t)len, 0);
	if (got != len) {
		int e = got < 0 ? errno : EIO;
		return err_set(err, errlen, e, "reading the exported seccomp filter");
	}
	*n = (size_t)len / sizeof(struct sock_filter);
	*insns = steal_ptr(&buf);
	return 0;
}

int secfilter_load_built(char *err, size_t errlen)
{
	__attribute__((cleanup(seccomp_ctx_release))) scmp_filter_ctx ctx = NULL;
	int r = secfilter_build(&ctx, err, errlen);
	if (r < 0)
		return r;
	/* libseccomp sets no_new_privs itself before loading (SCMP_FLTATR_CTL_NNP). */
	r = seccomp_load(ctx);
	if (r < 0) {
		return err_set(err, errlen, -r, "loading the seccomp filter");
	}
	return 0;
}
