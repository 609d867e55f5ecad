/* ociseccomp.h: config.json's linux.seccomp compiled to classic BPF with libseccomp, in
 * sandbox-oci before it starts anything; the container's process loads it last
 * (security_apply, command_plan.filter). */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

#include "ociconf.h"

/* Compile s for the architectures it names (the native one when none). Syscall names this
 * libseccomp does not know are skipped, as runc and crun do: a profile names calls of every
 * kernel version. 0 or -errno with the reason in err; prog->filter is malloc'd. */
int ociseccomp_compile(const struct oci_seccomp *s, struct sock_fprog *prog, char *err, size_t errlen);
