/* ocistate.h: what sandbox-oci keeps about a container between its commands, in
 * ROOT/ID/ (ROOT: --root): `state` (a few key=value lines: pid, start time, bundle, created,
 * and the host path of the container's cgroup when linux.resources made one),
 * the bundle's config.json as it was at create, and `exec.fifo` while the container is created
 * but not started. A container's process is known by its pid and start time, so a reused pid
 * is never taken for it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct oci_state {
	pid_t pid;
	unsigned long long start; /* the process's start time (registry_start_time) */
	char bundle[4096];
	long long created;        /* seconds since the epoch */
	char cgroup[4096];        /* its cgroup (cgroup.h's top), removed at delete; "": none */
};

/* OCI_CREATING: the create operation under way, as the spec's hooks of create see it. */
enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_STOPPED, OCI_CREATING };

/* Container ids as runc takes them: letters, digits, "_", "+", "-", "." (not first), 1..1024. */
bool ocistate_id_valid(const char *id);

/* The state file's text, and back. format: the length written (snprintf's rule).
 * parse: 0 or -EINVAL with a reason in err. */
int ocistate_format(char *buf, size_t len, const struct oci_state *s);
int ocistate_parse(const char *text, struct oci_state *s, char *err, size_t errlen);

/* The spec's state JSON (ociVersion, id, status, pid when there is a process, bundle,
 * annotations: key, value, ..., NULL). A malloc'd string or NULL. */
char *ocistate_json(const char *id, enum oci_status status, pid_t pid, const char *bundle, char *const *annotations);

const char *ocistate_status_name(enum oci_status s);
