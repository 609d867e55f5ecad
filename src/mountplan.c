/* mountplan.c: from the config to ordered mount steps. Pure: no syscalls, so every rule of
 * the filesystem contract can be unit-tested. */
#include "config.h"

#include "mountplan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "util.h"

/* What container runtimes hide or make read-only in /proc and /sys (runc/podman defaults). */
static const char *const masked_paths[] = {
	"/proc/acpi",	     "/proc/kcore",	  "/proc/keys",	 "/proc/latency_stats",
	"/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/proc/interrupts", "/sys/firmware",	  "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

int mountplan_normalize(const char *in, char *out, size_t outlen)
{
	size_t len = 0;
	const char *p = in;

	if (!in || in[0] != '/')
		return -EINVAL;
	if (outlen < 2)
		return -ENAMETOOLONG;
	while (*p) {
		const char *start;
		size_t n;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - start);
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			while (len > 0 && out[len] != '/')
				len--;
			/* Cut at the '/' before the last component (or to nothing). */
			out[len] = '\0';
			continue;
		}
		if (len + 1 + n + 1 > outlen)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, start, n);
		len += n;
		out[len] = '\0';
		/* Keep the invariant for ".." above: out[len] == '\0' and components start at '/'. */
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

static struct mstep *add(struct mountplan *plan, enum mstep_kind kind, const char *dst)
{
	struct mstep *s = realloc(plan->steps, (plan->n + 1) * sizeof(*s));

	if (!s)
		return NULL;
	plan->steps = s;
	s = &plan->steps[plan->n];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	char norm[PATH_MAX];
	if (mountplan_normalize(dst, norm, sizeof(norm)) < 0)
		return NULL;
	s->dst = strdup(norm);
	if (!s->dst)
		return NULL;
	plan->n++;
	return s;
}

struct mstep *mountplan_add(struct mountplan *plan, enum mstep_kind kind, const char *dst)
{
	return add(plan, kind, dst);
}

/* Whether a user mount (not a --symlink, --dir or --chmod) lands exactly on path. */
static bool user_mount_at(const struct config *cfg, const char *path)
{
	char norm[PATH_MAX];

	for (size_t i = 0; i < cfg->nmounts; i++) {
		enum mount_kind k = cfg->mounts[i].kind;
		if (k == MOUNT_SYMLINK || k == MOUNT_DIR || k == MOUNT_CHMOD)
			continue;
		if (mountplan_normalize(cfg->mounts[i].dst, norm, sizeof(norm)) == 0 && strcmp(norm, path) == 0)
			return true;
	}
	return false;
}

/* Host mode: the read-only root does not stop connect(), and /run, /var/run and the caller's
 * runtime directory hold the sockets of the user's and the host's services (D-Bus, systemd,
 * ssh-agent, docker): empty tmpfs mounts hide them. The runtime directory is made again, empty
 * and private, since COMMAND inherits XDG_RUNTIME_DIR. 0 or -ENOMEM. */
static int add_host_runtime_steps(const struct config *cfg, struct mountplan *plan)
{
	static const char *const covered[] = { "/run", "/tmp" };
	char norm[PATH_MAX];
	struct mstep *s;

	if (!(s = add(plan, MSTEP_TMPFS, "/run")))
		return -ENOMEM;
	s->optional = true;
	s->size = HOST_RUN_SIZE;
	/* Usually a symlink to /run, hidden already. */
	if (!(s = add(plan, MSTEP_TMPFS, "/var/run")))
		return -ENOMEM;
	s->optional = s->unless_symlink = true;
	s->size = HOST_RUN_SIZE;
	if (!cfg->runtime_dir || mountplan_normalize(cfg->runtime_dir, norm, sizeof(norm)) < 0 || strcmp(norm, "/") == 0)
		return 0;
	if (!(s = add(plan, MSTEP_TMPFS, norm)))
		return -ENOMEM;
	s->mode = 0700;
	s->size = HOST_RUN_SIZE;
	/* Below a tmpfs of ours it is made; elsewhere it is covered only where it exists (the
	 * host's root is read-only). */
	s->optional = true;
	for (size_t i = 0; i < sizeof(covered) / sizeof(*covered); i++) {
		size_t n = strlen(covered[i]);
		if (strncmp(norm, covered[i], n) == 0 && norm[n] == '/')
			s->optional = false, s->create = true;
	}
	return 0;
}

#define ADD(kind, dst)                                  \
	({                                              \
		struct mstep *s_ = add(plan, kind, dst); \
		if (!s_)                                \
			goto nomem;                     \
		s_;                                     \
	})

int mountplan_build(const struct config *cfg, struct mountplan *plan, char *err, size_t errlen)
{
	struct mstep *s;

	memset(plan, 0, sizeof(*plan));
	plan->rootfs = cfg->rootfs;
	plan->host_mode = cfg->host_mode;
	plan->overlay = cfg->overlay;
	plan->image_layers = cfg->image_layers;
	plan->nimage_layers = cfg->nimage_layers;
	plan->ro = cfg->ro;
	plan->overlay_size = cfg->tmp_size;
	plan->marks_fd = -1;
	plan->net = cfg->net;
	plan->hostname = cfg->hostname ? cfg->hostname : DEFAULT_HOSTNAME;
	plan->dns = cfg->dns;
	plan->ndns = cfg->ndns;
	plan->add_hosts = cfg->add_hosts;
	plan->nadd_hosts = cfg->nadd_hosts;

	s = ADD(MSTEP_PROC, "/proc");
	s->create = s->system = true;
	s = ADD(MSTEP_DEV, "/dev");
	s->create = s->system = true;
	s->size = cfg->shm_size;
	s = ADD(MSTEP_SYS, "/sys");
	s->create = s->system = true;
	if (cfg->cgroupfs != CGROUPFS_NONE) {
		s = ADD(MSTEP_CGROUP, "/sys/fs/cgroup");
		s->optional = true;
		s->writable = cfg->cgroupfs == CGROUPFS_RW;
	}
	for (size_t i = 0; i < sizeof(masked_paths) / sizeof(*masked_paths); i++) {
		s = ADD(MSTEP_MASK, masked_paths[i]);
		s->optional = true;
	}
	for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(*readonly_paths); i++) {
		s = ADD(MSTEP_RO_PATH, readonly_paths[i]);
		s->optional = true;
	}
	s = ADD(MSTEP_TMPFS, "/tmp");
	s->create = s->system = true;
	s->size = cfg->tmp_size;
	s->mode = 01777;
	if (cfg->host_mode && add_host_runtime_steps(cfg, plan) < 0)
		goto nomem;

	/* A generated file the user mounts something over is left out: the user's wins (and a
	 * mount on the unlinked staging file the generated one is would fail). */
	if ((cfg->net != NET_HOST || !cfg->host_mode || cfg->ndns) && !user_mount_at(cfg, "/etc/resolv.conf")) {
		s = ADD(MSTEP_ETC, "/etc/resolv.conf");
		s->etc = ETC_RESOLV_CONF;
		s->optional = true;
	}
	if (!user_mount_at(cfg, "/etc/hosts")) {
		s = ADD(MSTEP_ETC, "/etc/hosts");
		s->etc = ETC_HOSTS;
		s->optional = true;
	}
	if (!user_mount_at(cfg, "/etc/hostname")) {
		s = ADD(MSTEP_ETC, "/etc/hostname");
		s->etc = ETC_HOSTNAME;
		s->optional = true;
	}

	/* User mounts last, in order, so they can cover anything above. */
	for (size_t i = 0; i < cfg->nmounts; i++) {
		const struct user_mount *m = &cfg->mounts[i];
		char norm[4096];
		int r = mountplan_normalize(m->dst, norm, sizeof(norm));

		if (r < 0) {
			mountplan_free(plan);
			return err_set(err, errlen, r, "mount destination %s: %s", m->dst,
				       r == -ENAMETOOLONG ? "path too long" : "not an absolute path");
		}
		if (strcmp(norm, "/") == 0) {
			mountplan_free(plan);
			return err_set(err, errlen, -EINVAL, "mount destination %s: cannot cover the root", m->dst);
		}
		switch (m->kind) {
		case MOUNT_BIND:
			s = ADD(MSTEP_BIND, norm);
			break;
		case MOUNT_RO_BIND:
			s = ADD(MSTEP_RO_BIND, norm);
			break;
		case MOUNT_TMPFS:
			s = ADD(MSTEP_TMPFS, norm);
			s->mode = 0755;
			s->size = m->size;
			break;
		case MOUNT_DEV_BIND:
			s = ADD(MSTEP_DEV_BIND, norm);
			break;
		case MOUNT_SYMLINK:
			s = ADD(MSTEP_SYMLINK, norm);
			break;
		case MOUNT_DIR:
			s = ADD(MSTEP_DIR, norm);
			break;
		case MOUNT_FILE:
			s = ADD(MSTEP_FILE, norm);
			s->data = m->data;
			s->len = m->len;
			break;
		case MOUNT_CHMOD:
			s = ADD(MSTEP_CHMOD, norm);
			s->mode = (int)m->mode;
			break;
		}
		s->src = m->src;
		s->try_src = m->try_src;
		/* A symbolic link and a chmod need no mount point; the others create theirs. */
		s->create = m->kind != MOUNT_SYMLINK && m->kind != MOUNT_CHMOD;
	}
	return 0;
nomem:
	mountplan_free(plan);
	return err_set(err, errlen, ENOMEM, "mount plan");
}

void mountplan_free(struct mountplan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->steps[i].dst);
	free(plan->steps);
	plan->steps = NULL;
	plan->n = 0;
}
