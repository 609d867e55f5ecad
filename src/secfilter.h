/* secfilter.h: the default seccomp filter (libseccomp) and no_new_privs.
 *
 * Named secfilter, not seccomp: libseccomp owns both the <seccomp.h> header name (ours would
 * shadow it under -Isrc) and the seccomp_* prefix (as STYLE.md keeps us out of slirp_*). */
#pragma once

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

/* PR_SET_NO_NEW_PRIVS: from here on execve never grants privileges (setuid bits, file
 * capabilities). 0 or -errno with the step in err. */
int security_no_new_privs(char *err, size_t errlen);
