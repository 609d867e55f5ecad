/* ociseccomp.c: the OCI seccomp profile into BPF. libseccomp writes the program into a
 * memfd (Debian 12's 2.5 has no in-memory export), read back whole. */
#include "config.h"

#include "ociseccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static uint32_t action_of(enum oci_scmp_action a, int errno_ret)
{
	switch (a) {
	case OCI_SCMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case OCI_SCMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case OCI_SCMP_TRAP:
		return SCMP_ACT_TRAP;
	case OCI_SCMP_ERRNO:
		return SCMP_ACT_ERRNO((uint16_t)errno_ret);
	case OCI_SCMP_TRACE:
		return SCMP_ACT_TRACE((uint16_t)errno_ret);
	case OCI_SCMP_LOG:
		return SCMP_ACT_LOG;
	case OCI_SCMP_ALLOW:
		break;
	}
	return SCMP_ACT_ALLOW;
}

static void release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int add_arches(scmp_filter_ctx ctx, char **arches, char *err, size_t errlen)
{
	for (char **a = arches; a && *a; a++) {
		const char *name = *a;
		if (strncmp(name, "SCMP_ARCH_", 10) != 0)
			return err_set(err, errlen, -EINVAL, "config.json: linux.seccomp.architectures: '%.32s' not supported", name);
		char lower[32];
		size_t n = strlen(name + 10);
		if (n >= sizeof(lower))
			return err_set(err, errlen, -EINVAL, "config.json: linux.seccomp.architectures: '%.32s' not supported", name);
		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)(name[10 + i] >= 'A' && name[10 + i] <= 'Z' ? name[10 + i] - 'A' + 'a' : name[10 + i]);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (!arch)
			return err_set(err, errlen, -EINVAL, "config.json: linux.seccomp.architectures: '%.32s' not supported", name);
		int r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return err_set(err, errlen, -r, "seccomp: add architecture %s", name);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def, const struct oci_scmp_rule *rule, size_t ri, char *err,
		    size_t errlen)
{
	uint32_t action = action_of(rule->action, rule->errno_ret);
	struct scmp_arg_cmp cmp[6];

	/* libseccomp refuses a rule whose action is the default one; it would change nothing. */
	if (action == def)
		return 0;
	for (size_t i = 0; i < rule->nargs; i++)
		cmp[i] = (struct scmp_arg_cmp){ .arg = rule->args[i].index, .op = (enum scmp_compare)rule->args[i].op,
						.datum_a = rule->args[i].value, .datum_b = rule->args[i].value2 };
	for (char **n = rule->names; *n; n++) {
		int nr = seccomp_syscall_resolve_name(*n);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int r = seccomp_rule_add_array(ctx, action, nr, (unsigned)rule->nargs, cmp);
		if (r < 0)
			return err_set(err, errlen, -r, "config.json: linux.seccomp.syscalls[%zu]: %.32s", ri, *n);
	}
	return 0;
}

int ociseccomp_compile(const struct oci_seccomp *s, struct sock_fprog *prog, char *err, size_t errlen)
{
	uint32_t def = action_of(s->default_action, s->default_errno);
	__attribute__((cleanup(release))) scmp_filter_ctx ctx = seccomp_init(def);
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	memset(prog, 0, sizeof(*prog));
	if (!ctx)
		return err_set(err, errlen, ENOMEM, "seccomp: init");
	/* no_new_privs is set by security_apply itself, just before the filter. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return err_set(err, errlen, -r, "seccomp: attributes");
	if ((r = add_arches(ctx, s->arches, err, errlen)) < 0)
		return r;
	for (size_t i = 0; i < s->nrules; i++)
		if ((r = add_rule(ctx, def, &s->rules[i], i, err, errlen)) < 0)
			return r;
	fd = memfd_create("sandbox-oci-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(err, errlen, errno, "seccomp: memfd");
	if ((r = seccomp_export_bpf(ctx, fd)) < 0)
		return err_set(err, errlen, -r, "seccomp: export the filter");
	if (fstat(fd, &st) < 0)
		return err_set(err, errlen, errno, "seccomp: the filter's size");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size / sizeof(struct sock_filter) > 0xffff)
		return err_set(err, errlen, -EINVAL, "seccomp: the filter has %lld bytes", (long long)st.st_size);
	struct sock_filter *insns = malloc((size_t)st.st_size);
	if (!insns)
		return err_set(err, errlen, ENOMEM, "seccomp: the filter");
	if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
		free(insns);
		return err_set(err, errlen, EIO, "seccomp: read the filter back");
	}
	prog->filter = insns;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}
