/* ocistate.c: the state file and the spec's state JSON (json-c writes the escapes). */
#include "config.h"

#include "ocistate.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool ocistate_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024 || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("_+-.", *p)))
			return false;
	return true;
}

int ocistate_format(char *buf, size_t len, const struct oci_state *s)
{
	return snprintf(buf, len, "pid=%d\nstart=%llu\ncreated=%lld\nbundle=%s\n%s%s%s", (int)s->pid, s->start,
			s->created, s->bundle, s->cgroup[0] ? "cgroup=" : "", s->cgroup, s->cgroup[0] ? "\n" : "");
}

int ocistate_parse(const char *text, struct oci_state *s, char *err, size_t errlen)
{
	unsigned seen = 0;

	memset(s, 0, sizeof(*s));
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *end;

		if (!eq || eq > line + n)
			return err_set(err, errlen, -EINVAL, "state file: malformed line");
		const char *v = eq + 1;
		size_t vlen = n - (size_t)(v - line);
		errno = 0;
		if (strncmp(line, "pid=", 4) == 0) {
			long pid = strtol(v, &end, 10);
			if (errno || end != v + vlen || pid <= 0 || pid > INT32_MAX)
				return err_set(err, errlen, -EINVAL, "state file: bad pid");
			s->pid = (pid_t)pid;
			seen |= 1;
		} else if (strncmp(line, "start=", 6) == 0) {
			s->start = strtoull(v, &end, 10);
			if (errno || end != v + vlen)
				return err_set(err, errlen, -EINVAL, "state file: bad start time");
			seen |= 2;
		} else if (strncmp(line, "created=", 8) == 0) {
			s->created = strtoll(v, &end, 10);
			if (errno || end != v + vlen)
				return err_set(err, errlen, -EINVAL, "state file: bad creation time");
			seen |= 4;
		} else if (strncmp(line, "bundle=", 7) == 0) {
			if (vlen >= sizeof(s->bundle))
				return err_set(err, errlen, -EINVAL, "state file: bundle path too long");
			memcpy(s->bundle, v, vlen);
			s->bundle[vlen] = '\0';
			seen |= 8;
		} else if (strncmp(line, "cgroup=", 7) == 0) {
			if (vlen >= sizeof(s->cgroup) || v[0] != '/')
				return err_set(err, errlen, -EINVAL, "state file: bad cgroup path");
			memcpy(s->cgroup, v, vlen);
			s->cgroup[vlen] = '\0';
		} else {
			return err_set(err, errlen, -EINVAL, "state file: unknown key");
		}
		line += n + (nl ? 1 : 0);
	}
	if (seen != 15)
		return err_set(err, errlen, -EINVAL, "state file: incomplete");
	return 0;
}

const char *ocistate_status_name(enum oci_status s)
{
	static const char *const names[] = { [OCI_CREATED] = "created", [OCI_RUNNING] = "running",
					     [OCI_STOPPED] = "stopped", [OCI_CREATING] = "creating" };
	return names[s];
}

char *ocistate_json(const char *id, enum oci_status status, pid_t pid, const char *bundle, char *const *annotations)
{
	json_object *o = json_object_new_object(), *a = json_object_new_object();
	char *out = NULL;

	if (!o || !a)
		goto out;
	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "status", json_object_new_string(ocistate_status_name(status)));
	if (status != OCI_STOPPED)
		json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "bundle", json_object_new_string(bundle));
	for (char *const *p = annotations; p && p[0] && p[1]; p += 2)
		json_object_object_add(a, p[0], json_object_new_string(p[1]));
	json_object_object_add(o, "annotations", a);
	a = NULL;
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	if (a)
		json_object_put(a);
	if (o)
		json_object_put(o);
	return out;
}
