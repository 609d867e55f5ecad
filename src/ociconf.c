/* ociconf.c: config.json (runtime-spec 1.x) into the sandbox's plans, with json-c.
 *
 * Strict on purpose: a member this runtime does not know, or cannot honour, is an error that
 * names it, because a container started without a confinement its config asked for is worse
 * than one that does not start. Members are checked against a table per object. */
#include "config.h"

#include "ociconf.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "caps.h"
#include "idmap.h"
#include "rlimit.h"
#include "jsondoc.h"
#include "util.h"

#define MAX_CONFIG (8 << 20) /* podman's are ~10 KiB; a seccomp profile makes them ~30 KiB */

static void free_strv(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_ __attribute__((cleanup(free_strv)))

/* "config.json: PATH: WHY"; -EINVAL. */
__attribute__((format(printf, 4, 5))) static int refuse(char *err, size_t errlen, const char *path, const char *fmt,
							 ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, errlen, -EINVAL, fmt, ap);
	va_end(ap);
	return err_prefix(err, errlen, -EINVAL, "config.json: %s: ", path);
}

static int nomem(char *err, size_t errlen)
{
	return err_set(err, errlen, ENOMEM, "config.json");
}

/* An empty object, array or string, false or null: the member says nothing. */
static bool says_nothing(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return true;
	case json_type_object:
		return json_object_object_length(v) == 0;
	case json_type_array:
		return json_object_array_length(v) == 0;
	case json_type_string:
		return json_object_get_string_len(v) == 0;
	case json_type_boolean:
		return !json_object_get_boolean(v);
	default:
		return false;
	}
}

/* Every member of o must be in known (NULL-terminated) or say nothing. */
static int check_members(json_object *o, const char *path, const char *const *known, char *err, size_t errlen)
{
	json_object_object_foreach(o, key, val)
	{
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok && !says_nothing(val)) {
			char p[256];
			snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
			return refuse(err, errlen, p, "not supported");
		}
	}
	return 0;
}

/* The member key of o when it has type t (NULL when absent or null); -EINVAL when another type. */
static int member(json_object *o, const char *key, json_type t, json_object **out, const char *path, char *err,
		  size_t errlen)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, t) && !(t == json_type_double && json_object_is_type(v, json_type_int))) {
		static const char *const names[] = { "null", "a boolean", "a number", "a number",
						     "an object", "an array", "a string" };
		char p[256];
		snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
		return refuse(err, errlen, p, "must be %s", names[t]);
	}
	*out = v;
	return 1;
}

static int get_str(json_object *o, const char *key, char **out, const char *path, char *err, size_t errlen)
{
	json_object *v;
	int r = member(o, key, json_type_string, &v, path, err, errlen);

	*out = NULL;
	if (r <= 0)
		return r;
	*out = strdup(json_object_get_string(v));
	return *out ? 1 : nomem(err, errlen);
}

/* An integer member in [lo, hi]. */
static int get_int(json_object *o, const char *key, long long lo, long long hi, long long *out, const char *path,
		   char *err, size_t errlen)
{
	json_object *v;
	int r = member(o, key, json_type_int, &v, path, err, errlen);

	if (r <= 0)
		return r;
	errno = 0;
	long long n = json_object_get_int64(v);
	if (errno || n < lo || n > hi) {
		char p[256];
		snprintf(p, sizeof(p), "%s.%s", path, key);
		return refuse(err, errlen, p, "out of range");
	}
	*out = n;
	return 1;
}

static int get_uint64(json_object *o, const char *key, uint64_t *out, const char *path, char *err, size_t errlen)
{
	json_object *v;
	int r = member(o, key, json_type_int, &v, path, err, errlen);

	if (r <= 0)
		return r;
	if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0) {
		char p[256];
		snprintf(p, sizeof(p), "%s.%s", path, key);
		return refuse(err, errlen, p, "must not be negative");
	}
	*out = json_object_get_uint64(v);
	return 1;
}

static int get_bool(json_object *o, const char *key, bool *out, const char *path, char *err, size_t errlen)
{
	json_object *v;
	int r = member(o, key, json_type_boolean, &v, path, err, errlen);

	if (r > 0)
		*out = json_object_get_boolean(v);
	return r;
}

/* An array of strings as a NULL-terminated vector (empty array: a vector with no entries). */
static int get_strv(json_object *o, const char *key, char ***out, const char *path, char *err, size_t errlen)
{
	json_object *a;
	int r = member(o, key, json_type_array, &a, path, err, errlen);
	size_t n;

	*out = NULL;
	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string)) {
			strv_free(v);
			char p[256];
			snprintf(p, sizeof(p), "%s%s%s[%zu]", path, path[0] ? "." : "", key, i);
			return refuse(err, errlen, p, "must be a string");
		}
		v[i] = strdup(json_object_get_string(s));
		if (!v[i]) {
			strv_free(v);
			return nomem(err, errlen);
		}
	}
	*out = v;
	return 1;
}

/* An object of strings as key, value, key, value, ..., NULL. */
static int get_map(json_object *o, const char *key, char ***out, const char *path, char *err, size_t errlen)
{
	json_object *m;
	int r = member(o, key, json_type_object, &m, path, err, errlen);
	size_t i = 0;

	*out = NULL;
	if (r <= 0)
		return r;
	char **v = calloc(2 * (size_t)json_object_object_length(m) + 1, sizeof(*v));
	if (!v)
		return nomem(err, errlen);
	json_object_object_foreach(m, k, val)
	{
		if (!json_object_is_type(val, json_type_string)) {
			strv_free(v);
			char p[512];
			snprintf(p, sizeof(p), "%s.%s.%s", path, key, k);
			return refuse(err, errlen, p, "must be a string");
		}
		v[i] = strdup(k);
		v[i + 1] = v[i] ? strdup(json_object_get_string(val)) : NULL;
		if (!v[i + 1]) {
			strv_free(v);
			return nomem(err, errlen);
		}
		i += 2;
	}
	*out = v;
	return 1;
}

/* --- process --------------------------------------------------------------------------- */

static int parse_capset(json_object *caps, const char *key, uint64_t *set, bool *given, char *err, size_t errlen)
{
	_cleanup_strv_ char **names = NULL;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "process.capabilities");
	r = get_strv(caps, key, &names, path, err, errlen);
	*set = 0;
	*given = r > 0;
	if (r <= 0)
		return r;
	for (char **n = names; *n; n++) {
		cap_value_t c;
		if (caps_parse_name(*n, &c) < 0 || c == CAPS_ALL) {
			char p[128];
			snprintf(p, sizeof(p), "process.capabilities.%s", key);
			return refuse(err, errlen, p, "unknown capability '%.64s'", *n);
		}
		*set |= UINT64_C(1) << c;
	}
	return 0;
}

/* The sandbox gives a process one set (bounding = permitted = effective = inheritable, and
 * ambient for a non-root uid: caps.h). The set is the permitted one, cut to the bounding set;
 * an effective set wider than the permitted one cannot be, and an ambient set the permitted
 * one does not hold cannot be either. */
static int parse_caps(json_object *proc, struct command_plan *p, char *err, size_t errlen)
{
	static const char *const known[] = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool has_b, has_e, has_i, has_p, has_a;
	json_object *caps;
	int r = member(proc, "capabilities", json_type_object, &caps, "process", err, errlen);

	if (r < 0)
		return r;
	if (r == 0) {
		p->caps = 0;
		return 0;
	}
	if ((r = check_members(caps, "process.capabilities", known, err, errlen)) < 0 ||
	    (r = parse_capset(caps, "bounding", &bounding, &has_b, err, errlen)) < 0 ||
	    (r = parse_capset(caps, "effective", &effective, &has_e, err, errlen)) < 0 ||
	    (r = parse_capset(caps, "inheritable", &inheritable, &has_i, err, errlen)) < 0 ||
	    (r = parse_capset(caps, "permitted", &permitted, &has_p, err, errlen)) < 0 ||
	    (r = parse_capset(caps, "ambient", &ambient, &has_a, err, errlen)) < 0)
		return r;
	(void)inheritable;
	(void)has_i;
	(void)has_a;
	if (!has_p)
		permitted = 0;
	if (has_b)
		permitted &= bounding;
	if (has_e && (effective & ~permitted))
		return refuse(err, errlen, "process.capabilities.effective", "not a subset of permitted and bounding");
	if (ambient & ~permitted)
		return refuse(err, errlen, "process.capabilities.ambient", "not a subset of permitted and bounding");
	p->caps = permitted;
	return 0;
}

static int parse_rlimits(json_object *proc, struct command_plan *p, char *err, size_t errlen)
{
	static const char *const known[] = { "type", "soft", "hard", NULL };
	json_object *a;
	int r = member(proc, "rlimits", json_type_array, &a, "process", err, errlen);

	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a);
	p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		_cleanup_free_ char *type = NULL;
		char path[64];
		uint64_t soft = 0, hard = 0;

		snprintf(path, sizeof(path), "process.rlimits[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, known, err, errlen)) < 0 || (r = get_str(o, "type", &type, path, err, errlen)) < 0 ||
		    (r = get_uint64(o, "soft", &soft, path, err, errlen)) < 0 ||
		    (r = get_uint64(o, "hard", &hard, path, err, errlen)) < 0)
			return r;
		if (!type || strncmp(type, "RLIMIT_", 7) != 0)
			return refuse(err, errlen, path, "type must be RLIMIT_NAME");
		int res = rlimit_by_name(type);
		if (res < 0)
			return refuse(err, errlen, path, "unknown type %.32s", type);
		if (soft > hard)
			return refuse(err, errlen, path, "soft above hard");
		p->rlimits[i] = (struct rlimit_setting){ .resource = res,
							 .soft = soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)soft,
							 .hard = hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)hard,
							 .hard_set = true };
		p->nrlimits = i + 1;
	}
	return 0;
}

static int parse_user(json_object *proc, struct command_plan *p, char *err, size_t errlen)
{
	static const char *const known[] = { "uid", "gid", "umask", "additionalGids", NULL };
	long long uid = 0, gid = 0, umask_v = 0;
	json_object *u, *groups;
	int r = member(proc, "user", json_type_object, &u, "process", err, errlen);

	if (r < 0)
		return r;
	if (r == 0)
		return refuse(err, errlen, "process.user", "missing");
	if ((r = check_members(u, "process.user", known, err, errlen)) < 0 ||
	    (r = get_int(u, "uid", 0, UINT32_MAX - 1, &uid, "process.user", err, errlen)) < 0 ||
	    (r = get_int(u, "gid", 0, UINT32_MAX - 1, &gid, "process.user", err, errlen)) < 0 ||
	    (r = get_int(u, "umask", 0, 0777, &umask_v, "process.user", err, errlen)) < 0)
		return r;
	p->umask_set = r > 0;
	p->umask = (mode_t)umask_v;
	/* Always switched: setgroups must run even for uid 0 (additionalGids, or none at all). */
	p->user_set = true;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	r = member(u, "additionalGids", json_type_array, &groups, "process.user", err, errlen);
	if (r < 0)
		return r;
	size_t n = r > 0 ? json_object_array_length(groups) : 0;
	p->groups = calloc(n + 1, sizeof(*p->groups));
	if (!p->groups)
		return nomem(err, errlen);
	p->groups[0] = p->gid;
	p->ngroups = 1;
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(groups, i);
		long long v = json_object_get_int64(g);
		if (!json_object_is_type(g, json_type_int) || v < 0 || v >= UINT32_MAX)
			return refuse(err, errlen, "process.user.additionalGids", "must be group ids");
		if ((gid_t)v != p->gid)
			p->groups[p->ngroups++] = (gid_t)v;
	}
	return 0;
}

static int parse_process_obj(json_object *proc, struct oci_process *op, char *err, size_t errlen)
{
	static const char *const known[] = { "terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities",
					     "rlimits", "noNewPrivileges", "oomScoreAdj", NULL };
	struct command_plan *p = &op->plan;
	long long oom = 0;
	int r;

	memset(op, 0, sizeof(*op));
	p->clear_env = true; /* config.json's env is the whole environment */
	if ((r = check_members(proc, "process", known, err, errlen)) < 0 ||
	    (r = get_bool(proc, "terminal", &op->terminal, "process", err, errlen)) < 0 ||
	    (r = get_strv(proc, "args", &p->argv, "process", err, errlen)) < 0)
		return r;
	if (!p->argv || !p->argv[0])
		return refuse(err, errlen, "process.args", "must be a non-empty array of strings");
	if ((r = get_strv(proc, "env", &p->env, "process", err, errlen)) < 0 ||
	    (r = get_str(proc, "cwd", &p->workdir, "process", err, errlen)) < 0)
		return r;
	if (!p->workdir || p->workdir[0] != '/')
		return refuse(err, errlen, "process.cwd", "must be an absolute path");
	for (char **e = p->env; e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			return refuse(err, errlen, "process.env", "'%.64s' is not NAME=VALUE", *e);
	if ((r = parse_user(proc, p, err, errlen)) < 0 || (r = parse_caps(proc, p, err, errlen)) < 0 ||
	    (r = parse_rlimits(proc, p, err, errlen)) < 0)
		return r;
	if ((r = get_int(proc, "oomScoreAdj", -1000, 1000, &oom, "process", err, errlen)) < 0)
		return r;
	op->oom_score_adj_set = r > 0;
	op->oom_score_adj = (int)oom;
	/* noNewPrivileges: the sandbox always sets no_new_privs (security.c), true or not. */
	return 0;
}

/* --- the document -------------------------------------------------------------------- */

int ociconf_parse_process(const char *text, size_t len, struct oci_process *p, char *err, size_t errlen)
{
	_cleanup_json_ json_object *o = jsondoc_parse(text, len, MAX_CONFIG, "config.json", err, errlen);
	int r;

	memset(p, 0, sizeof(*p));
	if (!o)
		return -EINVAL;
	r = parse_process_obj(o, p, err, errlen);
	if (r < 0)
		ociconf_process_free(p);
	return r;
}

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS }, { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },       { "user", CLONE_NEWUSER },   { "cgroup", CLONE_NEWCGROUP },
};

static int parse_namespaces(json_object *linux_o, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "type", "path", NULL };
	json_object *a;
	int r = member(linux_o, "namespaces", json_type_array, &a, "linux", err, errlen);

	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a);
	c->namespaces = calloc(n ? n : 1, sizeof(*c->namespaces));
	if (!c->namespaces)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		_cleanup_free_ char *type = NULL;
		char path[64];
		int flag = 0;

		snprintf(path, sizeof(path), "linux.namespaces[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, known, err, errlen)) < 0 ||
		    (r = get_str(o, "type", &type, path, err, errlen)) < 0 ||
		    (r = get_str(o, "path", &c->namespaces[i].path, path, err, errlen)) < 0)
			return r;
		c->nnamespaces = i + 1;
		for (size_t k = 0; k < ARRAY_SIZE(ns_types) && type; k++)
			if (strcmp(ns_types[k].name, type) == 0)
				flag = ns_types[k].flag;
		if (!flag)
			return refuse(err, errlen, path, "type '%.32s' not supported", type ? type : "");
		for (size_t k = 0; k < i; k++)
			if (c->namespaces[k].type == flag)
				return refuse(err, errlen, path, "%s given twice", type);
		c->namespaces[i].type = flag;
		if (c->namespaces[i].path && c->namespaces[i].path[0] != '/')
			return refuse(err, errlen, path, "path must be absolute");
		/* The root is built and pivoted into in a mount namespace of the container's own:
		 * pivot_root in another's would move that one's processes into our root, and our
		 * mounts would land in its tree (docs/oci.md). */
		if (c->namespaces[i].path && flag == CLONE_NEWNS)
			return refuse(err, errlen, path,
				      "joining an existing mount namespace: not supported (pivot_root there would move "
				      "its processes into this container's root)");
	}
	return 0;
}

static int parse_idmaps(json_object *linux_o, const char *key, struct oci_idmap **out, size_t *nout, char *err,
			size_t errlen)
{
	static const char *const known[] = { "containerID", "hostID", "size", NULL };
	json_object *a;
	int r = member(linux_o, key, json_type_array, &a, "linux", err, errlen);

	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		long long cid = -1, hid = -1, size = -1;
		char path[64];

		snprintf(path, sizeof(path), "linux.%s[%zu]", key, i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, known, err, errlen)) < 0 ||
		    (r = get_int(o, "containerID", 0, UINT32_MAX - 1, &cid, path, err, errlen)) < 0 ||
		    (r = get_int(o, "hostID", 0, UINT32_MAX - 1, &hid, path, err, errlen)) < 0 ||
		    (r = get_int(o, "size", 1, UINT32_MAX, &size, path, err, errlen)) < 0)
			return r;
		if (cid < 0 || hid < 0 || size < 1)
			return refuse(err, errlen, path, "needs containerID, hostID and size");
		(*out)[i] = (struct oci_idmap){ (uint32_t)cid, (uint32_t)hid, (uint32_t)size };
		*nout = i + 1;
	}
	return 0;
}

static const char *const scmp_action_names[] = {
	[OCI_SCMP_KILL_THREAD] = "SCMP_ACT_KILL", [OCI_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[OCI_SCMP_TRAP] = "SCMP_ACT_TRAP",	  [OCI_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[OCI_SCMP_TRACE] = "SCMP_ACT_TRACE",	  [OCI_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[OCI_SCMP_LOG] = "SCMP_ACT_LOG",
};

static int scmp_action(const char *name, const char *path, enum oci_scmp_action *out, char *err, size_t errlen)
{
	if (name && strcmp(name, "SCMP_ACT_KILL_THREAD") == 0) {
		*out = OCI_SCMP_KILL_THREAD;
		return 0;
	}
	for (size_t i = 0; name && i < ARRAY_SIZE(scmp_action_names); i++)
		if (strcmp(scmp_action_names[i], name) == 0) {
			*out = (enum oci_scmp_action)i;
			return 0;
		}
	return refuse(err, errlen, path, "action '%.40s' not supported", name ? name : "");
}

static int parse_scmp_args(json_object *rule, struct oci_scmp_rule *out, const char *rpath, char *err, size_t errlen)
{
	static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
	static const char *const ops[] = { NULL,
					   "SCMP_CMP_NE",
					   "SCMP_CMP_LT",
					   "SCMP_CMP_LE",
					   "SCMP_CMP_EQ",
					   "SCMP_CMP_GE",
					   "SCMP_CMP_GT",
					   "SCMP_CMP_MASKED_EQ" };
	json_object *a;
	int r = member(rule, "args", json_type_array, &a, rpath, err, errlen);

	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a);
	if (n > 6)
		return refuse(err, errlen, rpath, "more than 6 argument conditions");
	out->args = calloc(n ? n : 1, sizeof(*out->args));
	if (!out->args)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		_cleanup_free_ char *op = NULL;
		struct oci_scmp_arg *arg = &out->args[i];
		long long index = -1;
		char path[128];

		snprintf(path, sizeof(path), "%s.args[%zu]", rpath, i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, known, err, errlen)) < 0 ||
		    (r = get_int(o, "index", 0, 5, &index, path, err, errlen)) < 0 ||
		    (r = get_uint64(o, "value", &arg->value, path, err, errlen)) < 0 ||
		    (r = get_uint64(o, "valueTwo", &arg->value2, path, err, errlen)) < 0 ||
		    (r = get_str(o, "op", &op, path, err, errlen)) < 0)
			return r;
		if (index < 0)
			return refuse(err, errlen, path, "index missing");
		arg->index = (unsigned)index;
		for (size_t k = 1; k < ARRAY_SIZE(ops) && op; k++)
			if (strcmp(ops[k], op) == 0)
				arg->op = (enum oci_scmp_op)k;
		if (!arg->op)
			return refuse(err, errlen, path, "op '%.32s' not supported", op ? op : "");
		out->nargs = i + 1;
	}
	return 0;
}

static int parse_seccomp(json_object *linux_o, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "defaultAction", "defaultErrnoRet", "architectures", "syscalls", NULL };
	static const char *const rule_known[] = { "names", "action", "errnoRet", "args", "comment", NULL };
	_cleanup_free_ char *def = NULL;
	long long def_errno = EPERM;
	json_object *s, *rules;
	int r = member(linux_o, "seccomp", json_type_object, &s, "linux", err, errlen);

	if (r <= 0)
		return r;
	c->seccomp = calloc(1, sizeof(*c->seccomp));
	if (!c->seccomp)
		return nomem(err, errlen);
	if ((r = check_members(s, "linux.seccomp", known, err, errlen)) < 0 ||
	    (r = get_str(s, "defaultAction", &def, "linux.seccomp", err, errlen)) < 0 ||
	    (r = get_int(s, "defaultErrnoRet", 0, 4095, &def_errno, "linux.seccomp", err, errlen)) < 0 ||
	    (r = get_strv(s, "architectures", &c->seccomp->arches, "linux.seccomp", err, errlen)) < 0 ||
	    (r = scmp_action(def, "linux.seccomp.defaultAction", &c->seccomp->default_action, err, errlen)) < 0)
		return r;
	c->seccomp->default_errno = (int)def_errno;
	r = member(s, "syscalls", json_type_array, &rules, "linux.seccomp", err, errlen);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(rules);
	c->seccomp->rules = calloc(n ? n : 1, sizeof(*c->seccomp->rules));
	if (!c->seccomp->rules)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(rules, i);
		struct oci_scmp_rule *rule = &c->seccomp->rules[i];
		_cleanup_free_ char *action = NULL;
		long long eret = EPERM;
		char path[64];

		c->seccomp->nrules = i + 1;
		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, rule_known, err, errlen)) < 0 ||
		    (r = get_strv(o, "names", &rule->names, path, err, errlen)) < 0 ||
		    (r = get_str(o, "action", &action, path, err, errlen)) < 0 ||
		    (r = get_int(o, "errnoRet", 0, 4095, &eret, path, err, errlen)) < 0 ||
		    (r = scmp_action(action, path, &rule->action, err, errlen)) < 0 ||
		    (r = parse_scmp_args(o, rule, path, err, errlen)) < 0)
			return r;
		if (!rule->names)
			return refuse(err, errlen, path, "names missing");
		rule->errno_ret = (int)eret;
	}
	return 0;
}

static int parse_hooks(json_object *root, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const kinds[OCI_HOOK_NKINDS + 1] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL
	};
	static const char *const known[] = { "path", "args", "env", "timeout", NULL };
	json_object *h;
	int r = member(root, "hooks", json_type_object, &h, "", err, errlen);

	if (r <= 0)
		return r;
	if ((r = check_members(h, "hooks", kinds, err, errlen)) < 0)
		return r;
	for (int k = 0; k < OCI_HOOK_NKINDS; k++) {
		json_object *a;
		char kpath[64];

		snprintf(kpath, sizeof(kpath), "hooks");
		r = member(h, kinds[k], json_type_array, &a, kpath, err, errlen);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		size_t n = json_object_array_length(a);
		c->hooks[k] = calloc(n ? n : 1, sizeof(**c->hooks));
		if (!c->hooks[k])
			return nomem(err, errlen);
		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(a, i);
			struct oci_hook *hk = &c->hooks[k][i];
			long long timeout = 0;
			char path[64];

			c->nhooks[k] = i + 1;
			snprintf(path, sizeof(path), "hooks.%s[%zu]", kinds[k], i);
			if (!json_object_is_type(o, json_type_object))
				return refuse(err, errlen, path, "must be an object");
			if ((r = check_members(o, path, known, err, errlen)) < 0 ||
			    (r = get_str(o, "path", &hk->path, path, err, errlen)) < 0 ||
			    (r = get_strv(o, "args", &hk->args, path, err, errlen)) < 0 ||
			    (r = get_strv(o, "env", &hk->env, path, err, errlen)) < 0 ||
			    (r = get_int(o, "timeout", 1, INT_MAX, &timeout, path, err, errlen)) < 0)
				return r;
			if (!hk->path || hk->path[0] != '/')
				return refuse(err, errlen, path, "path must be absolute");
			hk->timeout = (int)timeout;
		}
	}
	return 0;
}

/* linux.resources.memory: limit and swap (the total of memory and swap, as cgroup v1 has it:
 * memory.swap.max is what it gives beyond the limit). -1 and 0 are no limit; without swap the
 * container gets none, as a sandbox's --memory. */
static int parse_memory(json_object *res, struct cgroup_limits *l, char *err, size_t errlen)
{
	static const char *const known[] = { "limit", "swap", NULL };
	const char *path = "linux.resources.memory";
	long long limit = 0, swap = 0;
	json_object *o;
	int r = member(res, "memory", json_type_object, &o, "linux.resources", err, errlen);

	if (r <= 0)
		return r;
	if ((r = check_members(o, path, known, err, errlen)) < 0 ||
	    (r = get_int(o, "limit", -1, LLONG_MAX, &limit, path, err, errlen)) < 0 ||
	    (r = get_int(o, "swap", -1, LLONG_MAX, &swap, path, err, errlen)) < 0)
		return r;
	if (limit <= 0) {
		if (swap > 0)
			return refuse(err, errlen, "linux.resources.memory.swap", "needs memory.limit");
		return 0;
	}
	l->memory = (unsigned long long)limit;
	if (swap < 0)
		l->swap = -1;
	else if (swap > 0 && swap < limit)
		return refuse(err, errlen, "linux.resources.memory.swap", "below memory.limit (it counts memory and swap)");
	else if (swap > 0)
		l->swap = swap - limit;
	return 0;
}

/* linux.resources.cpu: quota and period into cpu.max, shares into cpu.weight (runc's formula:
 * shares 2..262144 onto weight 1..10000). */
static int parse_cpu(json_object *res, struct cgroup_limits *l, char *err, size_t errlen)
{
	static const char *const known[] = { "quota", "period", "shares", NULL };
	const char *path = "linux.resources.cpu";
	long long quota = 0, period = 0, shares = 0;
	json_object *o;
	int r = member(res, "cpu", json_type_object, &o, "linux.resources", err, errlen);

	if (r <= 0)
		return r;
	if ((r = check_members(o, path, known, err, errlen)) < 0 ||
	    (r = get_int(o, "quota", -1, LLONG_MAX, &quota, path, err, errlen)) < 0 ||
	    (r = get_int(o, "period", 0, 1000000, &period, path, err, errlen)) < 0 ||
	    (r = get_int(o, "shares", 0, LLONG_MAX, &shares, path, err, errlen)) < 0)
		return r;
	if (period && period < 1000)
		return refuse(err, errlen, "linux.resources.cpu.period", "below the kernel's 1000 us");
	if (quota > 0 && quota < 1000)
		return refuse(err, errlen, "linux.resources.cpu.quota", "below the kernel's 1000 us");
	if (quota > 0) {
		l->cpu_quota = (unsigned long long)quota;
		l->cpu_period = (unsigned long long)period;
	}
	if (shares) {
		unsigned long long s = shares < 2 ? 2 : shares > 262144 ? 262144 : (unsigned long long)shares;
		l->cpu_weight = 1 + ((s - 2) * 9999) / 262142;
	}
	return 0;
}

/* linux.resources: memory, pids and cpu limits into the plan of the container's cgroup
 * (cgroup.h: made in a delegated cgroup v2, an error where there is none); device rules are
 * moot, since no device but the six default nodes exists inside. The rest is refused. */
static int parse_resources(json_object *linux_o, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "devices", "memory", "pids", "cpu", NULL };
	static const char *const pids_known[] = { "limit", NULL };
	static const char *const names[] = { "config.json: linux.resources.memory", "config.json: linux.resources.pids",
					     "config.json: linux.resources.cpu" };
	long long pids = 0;
	json_object *res, *o;
	int r = member(linux_o, "resources", json_type_object, &res, "linux", err, errlen);

	c->limits.names = names;
	if (r <= 0)
		return r;
	if ((r = check_members(res, "linux.resources", known, err, errlen)) < 0 ||
	    (r = parse_memory(res, &c->limits, err, errlen)) < 0 || (r = parse_cpu(res, &c->limits, err, errlen)) < 0 ||
	    (r = member(res, "pids", json_type_object, &o, "linux.resources", err, errlen)) < 0)
		return r;
	if (o && ((r = check_members(o, "linux.resources.pids", pids_known, err, errlen)) < 0 ||
		  (r = get_int(o, "limit", LLONG_MIN, LLONG_MAX, &pids, "linux.resources.pids", err, errlen)) < 0))
		return r;
	/* 0 and -1: no limit. */
	if (pids > 0)
		c->limits.pids = (unsigned long long)pids;
	return 0;
}

static int parse_linux(json_object *root, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "namespaces", "uidMappings", "gidMappings", "resources", "cgroupsPath",
					     "rootfsPropagation", "seccomp", "sysctl", "maskedPaths",
					     "readonlyPaths", NULL };
	_cleanup_free_ char *prop = NULL;
	json_object *l;
	int r = member(root, "linux", json_type_object, &l, "", err, errlen);

	if (r <= 0)
		return r;
	if ((r = check_members(l, "linux", known, err, errlen)) < 0 || (r = parse_namespaces(l, c, err, errlen)) < 0 ||
	    (r = parse_idmaps(l, "uidMappings", &c->uid_mappings, &c->nuid_mappings, err, errlen)) < 0 ||
	    (r = parse_idmaps(l, "gidMappings", &c->gid_mappings, &c->ngid_mappings, err, errlen)) < 0 ||
	    (r = parse_resources(l, c, err, errlen)) < 0 || (r = parse_seccomp(l, c, err, errlen)) < 0 ||
	    (r = get_str(l, "cgroupsPath", &c->cgroups_path, "linux", err, errlen)) < 0 ||
	    (r = get_map(l, "sysctl", &c->sysctl, "linux", err, errlen)) < 0 ||
	    (r = get_strv(l, "maskedPaths", &c->masked, "linux", err, errlen)) < 0 ||
	    (r = get_strv(l, "readonlyPaths", &c->readonly, "linux", err, errlen)) < 0 ||
	    (r = get_str(l, "rootfsPropagation", &prop, "linux", err, errlen)) < 0)
		return r;
	/* The sandbox makes every mount private: nothing propagates either way. */
	if (prop && prop[0] && strcmp(prop, "private") != 0 && strcmp(prop, "rprivate") != 0)
		return refuse(err, errlen, "linux.rootfsPropagation", "'%.16s' not supported (only private)", prop);
	if ((c->nuid_mappings || c->ngid_mappings) && !ociconf_namespace(c, CLONE_NEWUSER))
		return refuse(err, errlen, "linux.uidMappings", "given without a user namespace");
	return 0;
}

static int parse_mounts(json_object *root, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "destination", "type", "source", "options", NULL };
	json_object *a;
	int r = member(root, "mounts", json_type_array, &a, "", err, errlen);

	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a);
	c->mounts = calloc(n ? n : 1, sizeof(*c->mounts));
	if (!c->mounts)
		return nomem(err, errlen);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct oci_mount *m = &c->mounts[i];
		char path[64];

		c->nmounts = i + 1;
		snprintf(path, sizeof(path), "mounts[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return refuse(err, errlen, path, "must be an object");
		if ((r = check_members(o, path, known, err, errlen)) < 0 ||
		    (r = get_str(o, "destination", &m->dst, path, err, errlen)) < 0 ||
		    (r = get_str(o, "type", &m->type, path, err, errlen)) < 0 ||
		    (r = get_str(o, "source", &m->src, path, err, errlen)) < 0 ||
		    (r = get_strv(o, "options", &m->options, path, err, errlen)) < 0)
			return r;
		if (!m->dst)
			return refuse(err, errlen, path, "destination missing");
	}
	return 0;
}

int ociconf_parse(const char *text, size_t len, struct oci_config *c, char *err, size_t errlen)
{
	static const char *const known[] = { "ociVersion", "process", "root", "hostname", "domainname",
					     "mounts", "hooks", "annotations", "linux", NULL };
	static const char *const root_known[] = { "path", "readonly", NULL };
	_cleanup_json_ json_object *o = jsondoc_parse(text, len, MAX_CONFIG, "config.json", err, errlen);
	json_object *v;
	int r;

	memset(c, 0, sizeof(*c));
	if (!o)
		return -EINVAL;
	if ((r = check_members(o, "", known, err, errlen)) < 0 ||
	    (r = get_str(o, "ociVersion", &c->version, "", err, errlen)) < 0)
		goto fail;
	if (!c->version || strncmp(c->version, "1.", 2) != 0) {
		r = refuse(err, errlen, "ociVersion", "'%.32s' not supported (1.x is)", c->version ? c->version : "");
		goto fail;
	}
	if ((r = member(o, "root", json_type_object, &v, "", err, errlen)) < 0)
		goto fail;
	if (!v) {
		r = refuse(err, errlen, "root", "missing");
		goto fail;
	}
	if ((r = check_members(v, "root", root_known, err, errlen)) < 0 ||
	    (r = get_str(v, "path", &c->root, "root", err, errlen)) < 0 ||
	    (r = get_bool(v, "readonly", &c->root_readonly, "root", err, errlen)) < 0)
		goto fail;
	if (!c->root || !c->root[0]) {
		r = refuse(err, errlen, "root.path", "missing");
		goto fail;
	}
	if ((r = member(o, "process", json_type_object, &v, "", err, errlen)) < 0)
		goto fail;
	if (v) {
		c->has_process = true;
		if ((r = parse_process_obj(v, &c->process, err, errlen)) < 0)
			goto fail;
	}
	if ((r = get_str(o, "hostname", &c->hostname, "", err, errlen)) < 0 ||
	    (r = get_str(o, "domainname", &c->domainname, "", err, errlen)) < 0 ||
	    (r = parse_mounts(o, c, err, errlen)) < 0 || (r = parse_hooks(o, c, err, errlen)) < 0 ||
	    (r = get_map(o, "annotations", &c->annotations, "", err, errlen)) < 0 ||
	    (r = parse_linux(o, c, err, errlen)) < 0)
		goto fail;
	if ((c->hostname || c->domainname) && !ociconf_namespace(c, CLONE_NEWUTS)) {
		r = refuse(err, errlen, "hostname", "needs a uts namespace");
		goto fail;
	}
	return 0;
fail:
	ociconf_free(c);
	return r;
}

bool ociconf_maps_match(const struct oci_idmap *maps, size_t n, const char *text)
{
	size_t lines = 0;

	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		struct idmap_range m;
		bool found = false;

		if (idmap_parse_line(l, &m) < 0)
			return false;
		for (size_t i = 0; i < n && !found; i++)
			found = maps[i].container == m.inside && maps[i].host == m.outside && maps[i].size == m.count;
		if (!found)
			return false;
		lines++;
		l = nl ? nl + 1 : l + strlen(l);
	}
	return lines == n;
}

const struct oci_namespace *ociconf_namespace(const struct oci_config *c, int type)
{
	for (size_t i = 0; i < c->nnamespaces; i++)
		if (c->namespaces[i].type == type)
			return &c->namespaces[i];
	return NULL;
}

void ociconf_process_free(struct oci_process *p)
{
	cmdplan_free(&p->plan);
}

void ociconf_free(struct oci_config *c)
{
	free(c->version);
	free(c->root);
	free(c->hostname);
	free(c->domainname);
	free(c->cgroups_path);
	ociconf_process_free(&c->process);
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].dst);
		free(c->mounts[i].type);
		free(c->mounts[i].src);
		strv_free(c->mounts[i].options);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->nnamespaces; i++)
		free(c->namespaces[i].path);
	free(c->namespaces);
	free(c->uid_mappings);
	free(c->gid_mappings);
	strv_free(c->masked);
	strv_free(c->readonly);
	strv_free(c->sysctl);
	if (c->seccomp) {
		strv_free(c->seccomp->arches);
		for (size_t i = 0; i < c->seccomp->nrules; i++) {
			strv_free(c->seccomp->rules[i].names);
			free(c->seccomp->rules[i].args);
		}
		free(c->seccomp->rules);
		free(c->seccomp);
	}
	for (int k = 0; k < OCI_HOOK_NKINDS; k++) {
		for (size_t i = 0; i < c->nhooks[k]; i++) {
			free(c->hooks[k][i].path);
			strv_free(c->hooks[k][i].args);
			strv_free(c->hooks[k][i].env);
		}
		free(c->hooks[k]);
	}
	strv_free(c->annotations);
	memset(c, 0, sizeof(*c));
}

/* --- the mount plan ------------------------------------------------------------------ */

static bool has_option(const struct oci_mount *m, const char *opt)
{
	for (char **o = m->options; o && *o; o++)
		if (strcmp(*o, opt) == 0)
			return true;
	return false;
}

/* Options whose effect the sandbox's own mount steps already have (nosuid, nodev, noexec on
 * its filesystems; private propagation everywhere), or that change nothing it can observe
 * (atime policies), or that it reads itself (bind, ro, size, mode, tmpcopyup). */
static bool option_known(const char *o)
{
	static const char *const plain[] = { "nosuid", "nodev",	   "noexec",	 "suid",	"dev",	       "exec",
					     "ro",     "rw",	   "bind",	 "rbind",	"private",     "rprivate",
					     "slave",  "rslave",   "relatime",	 "norelatime",	"strictatime", "noatime",
					     "nodiratime", "newinstance", "tmpcopyup", NULL };
	static const char *const keyed[] = { "mode=", "size=", "ptmxmode=", "gid=", "nr_inodes=", NULL };

	for (const char *const *p = plain; *p; p++)
		if (strcmp(*p, o) == 0)
			return true;
	for (const char *const *p = keyed; *p; p++)
		if (strncmp(*p, o, strlen(*p)) == 0)
			return true;
	return false;
}

static int tmpfs_options(const struct oci_mount *m, struct mstep *s, const char *path, char *err, size_t errlen)
{
	for (char **o = m->options; o && *o; o++) {
		char *end;
		if (strncmp(*o, "mode=", 5) == 0) {
			errno = 0;
			unsigned long mode = strtoul(*o + 5, &end, 8);
			if (errno || *end || end == *o + 5 || mode > 07777)
				return refuse(err, errlen, path, "option '%.32s': bad mode", *o);
			s->mode = (int)mode;
		} else if (strncmp(*o, "size=", 5) == 0) {
			errno = 0;
			unsigned long long size = strtoull(*o + 5, &end, 10);
			unsigned shift = 0;
			switch (*end) {
			case 'k': case 'K': shift = 10; end++; break;
			case 'm': case 'M': shift = 20; end++; break;
			case 'g': case 'G': shift = 30; end++; break;
			default: break;
			}
			if (errno || *end || end == *o + 5 || size > (ULLONG_MAX >> shift))
				return refuse(err, errlen, path, "option '%.32s': bad size", *o);
			s->size = size << shift;
		}
	}
	return 0;
}

static int plan_mount(const struct oci_config *c, size_t i, struct mountplan *plan, bool *have_dev, char *err,
		      size_t errlen)
{
	const struct oci_mount *m = &c->mounts[i];
	const char *type = m->type ? m->type : "";
	bool bind = has_option(m, "bind") || has_option(m, "rbind") || strcmp(type, "bind") == 0;
	char path[64], norm[PATH_MAX];
	struct mstep *s;

	snprintf(path, sizeof(path), "mounts[%zu]", i);
	if (mountplan_normalize(m->dst, norm, sizeof(norm)) < 0 || strcmp(norm, "/") == 0)
		return refuse(err, errlen, path, "destination '%.64s' must be an absolute path below /", m->dst);
	for (char **o = m->options; o && *o; o++)
		if (!option_known(*o))
			return refuse(err, errlen, path, "option '%.32s' not supported", *o);
	bool copyup = has_option(m, "tmpcopyup");
	if (copyup && (bind || strcmp(type, "tmpfs") != 0 || strcmp(norm, "/dev") == 0))
		return refuse(err, errlen, path, "option 'tmpcopyup' only for a tmpfs (not /dev)");
	if (bind) {
		if (!m->src || m->src[0] != '/')
			return refuse(err, errlen, path, "bind source must be an absolute path");
		s = mountplan_add(plan, has_option(m, "ro") ? MSTEP_RO_BIND : MSTEP_BIND, norm);
		if (s) {
			s->src = m->src;
			s->create = true;
		}
	} else if (strcmp(type, "proc") == 0) {
		s = mountplan_add(plan, MSTEP_PROC, norm);
		if (s)
			s->create = s->system = true;
	} else if (strcmp(type, "tmpfs") == 0 && strcmp(norm, "/dev") == 0) {
		/* The device tmpfs: the nodes, devpts and shm of the sandbox's own /dev. */
		s = mountplan_add(plan, MSTEP_DEV, norm);
		if (s) {
			s->create = s->system = true;
			s->size = 64ULL << 20;
		}
		*have_dev = true;
	} else if (strcmp(type, "tmpfs") == 0) {
		s = mountplan_add(plan, MSTEP_TMPFS, norm);
		if (s) {
			s->create = true;
			/* tmpcopyup without mode=: the directory's mode, as runc (/tmp stays 1777). */
			s->copyup = copyup;
			s->mode = copyup ? 0 : 0755;
			int r = tmpfs_options(m, s, path, err, errlen);
			if (r < 0)
				return r;
		}
	} else if (strcmp(type, "devpts") == 0) {
		/* Made with /dev (newinstance, ptmxmode 0666): nothing more to do. */
		if (!*have_dev || strcmp(norm, "/dev/pts") != 0)
			return refuse(err, errlen, path, "devpts only at /dev/pts after a tmpfs /dev");
		return 0;
	} else if (strcmp(type, "sysfs") == 0) {
		s = mountplan_add(plan, MSTEP_SYS, norm);
		if (s)
			s->create = s->system = true;
	} else if (strcmp(type, "mqueue") == 0) {
		s = mountplan_add(plan, MSTEP_MQUEUE, norm);
		if (s)
			s->create = true;
	} else if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		/* With a cgroup namespace of its own the container gets its cgroup2; without one
		 * (cgroups disabled, as podman on a v1 host) the host's tree, read-only. */
		if (ociconf_namespace(c, CLONE_NEWCGROUP)) {
			s = mountplan_add(plan, MSTEP_CGROUP, norm);
			if (s) {
				s->optional = true;
				s->writable = !has_option(m, "ro");
			}
		} else {
			s = mountplan_add(plan, MSTEP_RO_BIND, norm);
			if (s) {
				s->src = "/sys/fs/cgroup";
				s->create = true;
			}
		}
	} else {
		return refuse(err, errlen, path, "type '%.32s' not supported", type);
	}
	return s ? 0 : nomem(err, errlen);
}

int ociconf_mountplan(const struct oci_config *c, const char *rootfs, struct mountplan *plan, char *err,
		      size_t errlen)
{
	bool have_dev = false;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->marks_fd = -1; /* no journal: fd 0 would be taken for one, and closed (COMMAND's stdin) */
	plan->rootfs = rootfs;
	plan->ro = c->root_readonly;
	plan->hostname = c->hostname ? c->hostname : "";
	for (size_t i = 0; i < c->nmounts; i++) {
		r = plan_mount(c, i, plan, &have_dev, err, errlen);
		if (r < 0)
			goto fail;
	}
	for (char **p = c->masked; p && *p; p++) {
		struct mstep *s = mountplan_add(plan, MSTEP_MASK, *p);
		if (!s) {
			r = refuse(err, errlen, "linux.maskedPaths", "'%.64s' must be an absolute path", *p);
			goto fail;
		}
		s->optional = true;
	}
	for (char **p = c->readonly; p && *p; p++) {
		struct mstep *s = mountplan_add(plan, MSTEP_RO_PATH, *p);
		if (!s) {
			r = refuse(err, errlen, "linux.readonlyPaths", "'%.64s' must be an absolute path", *p);
			goto fail;
		}
		s->optional = true;
	}
	return 0;
fail:
	mountplan_free(plan);
	return r;
}
