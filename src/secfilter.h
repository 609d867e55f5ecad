/* secfilter.h: the default seccomp filter and no_new_privs, which loading it requires.
 * libseccomp builds the filter: at build time (tools/gen-secfilter, so the sandbox loads
 * precompiled BPF and does not link libseccomp), in the tests that compare both, and at run
 * time only in a build without the precompiled filter (secfilter_build.c).
 *
 * Named secfilter, not seccomp: libseccomp owns both the <seccomp.h> header name (ours would
 * shadow it under -Isrc) and the seccomp_* prefix (as STYLE.md keeps us out of slirp_*). */
#pragma once

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

struct secfilter_ioctl {
	const char *name;
	unsigned long request; /* compared on the low 32 bits: the kernel's cmd is unsigned int */
};

/* The syscalls the default filter fails with EPERM, NULL-terminated. Names a given
 * architecture lacks (vm86 on x86_64) are filtered only on the ABIs that have them. */
extern const char *const secfilter_blocked_syscalls[];
/* The ioctl requests it fails with EPERM, on every ABI. */
extern const struct secfilter_ioctl secfilter_blocked_ioctls[];
extern const size_t secfilter_nblocked_ioctls;

/* Load the default filter into the calling thread, for every ABI of the architecture (on
 * x86_64: x86_64, i386 and x32); a syscall of any other ABI kills the process. Blocked
 * calls fail with EPERM rather than killing, so programs can fall back. Everything else,
 * including user namespaces for nesting, is allowed. 0 or -errno with the step in err. */
int secfilter_apply_default(char *err, size_t errlen);

/* The default filter as a libseccomp context, not loaded (for the build-time generator and
 * tests). 0 or -errno with the step in err; *out is the caller's (seccomp_release). */
int secfilter_build(scmp_filter_ctx *out, char *err, size_t errlen);
/* The default filter as classic BPF for this architecture, as secfilter_build() makes it;
 * *insns is malloc'd. 0 or -errno with the step in err. */
int secfilter_export(struct sock_filter **insns, size_t *n, char *err, size_t errlen);
/* Build the filter with libseccomp and load it (secfilter_build.c; the path of builds without
 * the precompiled filter). 0 or -errno with the step in err. */
int secfilter_load_built(char *err, size_t errlen);
/* true, with the program, when this build carries the filter precompiled (and
 * secfilter_apply_default loads it without libseccomp's help). */
bool secfilter_precompiled(const struct sock_filter **insns, size_t *n);

/* The outgoing TCP fast path (fastconnect.h): a second filter whose only rule sends the native
 * ABI's connect() to a seccomp user notification; every other call, and connect() of another
 * ABI, is allowed by it (the default filter still judges them). It reads nothing but the
 * architecture and the call number, so the kernel's per-syscall cache answers every other call
 * without running it: a process that never connects pays nothing. Call it after no_new_privs
 * and after the default filter (so a call the default filter denies never waits for us).
 * *listener gets the notification fd. 0, -EBUSY (a listener exists already in this process's
 * filters: a sandbox nested in one of ours), -ENOSYS (not built for this architecture),
 * -EINVAL (a kernel older than 5.0, without listeners), or -errno, with the step in err. */
int secfilter_connect_notify(int *listener, char *err, size_t errlen);

/* PR_SET_NO_NEW_PRIVS: from here on execve never grants privileges (setuid bits, file
 * capabilities). 0 or -errno with the step in err. */
int secfilter_no_new_privs(char *err, size_t errlen);
