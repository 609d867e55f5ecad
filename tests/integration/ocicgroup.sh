#!/bin/bash
# ocicgroup.sh: sandbox-oci's linux.resources (memory, pids, cpu) and linux.cgroupsPath, through
# the sandbox's own cgroup code, on bundles this test writes (a user namespace of the caller's id,
# as `runc spec --rootless` writes): the limits are in the container's cgroup from the start, a
# fork bomb (started by exec, which joins that cgroup) stops at pids.limit, and the cgroup is gone
# after delete or at the end of a run. (That the kernel enforces memory.max the sandbox's
# cgroup.sh shows for the same code; an allocation test here cost minutes in tests/uml.) They
# need a cgroup v2 subtree delegated to the user (tests/uml gives one); where there is none, a
# limit is refused with the reason and what says "no limit" still runs.
. "$(dirname "$0")/lib.sh"
OCI=$(dirname "$SANDBOX")/sandbox-oci
make_rootfs

T_CALL=120
R=$T_WORK/ocistate
B=$T_WORK/bundle
mkdir -p "$B"
oci() { timeout -k 5 "$T_CALL" "$OCI" --root "$R" "$@"; }
# config ARGS_JSON LINUX_EXTRA_JSON [NAMESPACES]: the bundle's config.json, written by the shell
# (a python per bundle costs seconds where forks are slow, as in tests/uml).
config() {
    local ns=${3:-'{"type": "pid"}, {"type": "mount"}, {"type": "user"}, {"type": "cgroup"}'}
    cat >"$B/config.json" <<EOF
{"ociVersion": "1.0.2", "root": {"path": "$ROOTFS"},
 "process": {"args": $1, "cwd": "/", "env": ["PATH=/bin:/usr/bin"], "user": {"uid": 0, "gid": 0}},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
 "linux": {"namespaces": [$ns],
           "uidMappings": [{"containerID": 0, "hostID": $(id -u), "size": 1}],
           "gidMappings": [{"containerID": 0, "hostID": $(id -g), "size": 1}]$2}}
EOF
}
n=$$

# What says "no limit" (podman's and the spec's -1, 0) needs no cgroup: it runs anywhere.
config '["echo", "ran"]' ', "resources": {"memory": {"limit": -1}, "pids": {"limit": 0}, "devices": [{"allow": false, "access": "rwm"}]}'
t_eq "linux.resources without a limit (memory -1, pids 0, devices) runs without a cgroup" "ran" \
    "$(oci run --bundle "$B" "u$n" 2>&1)"

config '["cat", "/proc/self/cgroup"]' ', "resources": {"memory": {"limit": 67108864}}' \
    '{"type": "pid"}, {"type": "mount"}, {"type": "user"}'
out=$(oci run --bundle "$B" "p$n" 2>&1)
if printf '%s' "$out" | grep -q 'needs a delegated cgroup v2'; then
    t_match "a memory limit without a delegated cgroup v2: refused, saying so" \
        '^sandbox-oci: config.json: linux.resources.memory: needs a delegated cgroup v2 \(' "$out"
    t_check "and it leaves no state behind" test ! -e "$R/p$n"
    why="no cgroup v2 with memory, pids and cpu delegated to $(id -un) here ($(grep '^0::' /proc/self/cgroup))"
    skip=t_skip_host
    if [ -n "${SANDBOX_TEST_CGROUP_DELEGATE:-}" ]; then
        skip=t_skip
        why="$why, although $SANDBOX_TEST_CGROUP_DELEGATE was delegated: $out"
    fi
    for d in "its cgroup is removed when the run ends" "the limits are in the container's cgroup from create on" \
        "exec joins the container's cgroup" "pids.limit stops a fork bomb" "delete removes the cgroup" \
        "a cgroupsPath outside the delegation is refused"; do
        $skip "$d" "$why"
    done
    exit 0
fi
# Without a cgroup namespace the process sees its cgroup's path from the caller's root.
t_match "a memory limit with a delegated cgroup v2: the process runs in sandbox-oci-ID/main" \
    "^0::/(.*/)?sandbox-oci-p$n/main$" "$out"
deleg=/sys/fs/cgroup${out#0::}
deleg=${deleg%/sandbox-oci-p"$n"/main}
t_check "its cgroup is removed when the run ends" test -d "$deleg" -a ! -e "$deleg/sandbox-oci-p$n"

# --- create: the limits hold before start, in linux.cgroupsPath ----------------------------------
config '["sleep", "100"]' ", \"resources\": {\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 20},
    \"cpu\": {\"quota\": 50000, \"period\": 100000}}, \"cgroupsPath\": \"oci-t$n/c\""
oci create --bundle "$B" --pid-file "$T_WORK/pid" "c$n" >>"$T_WORK/log" 2>&1
pid=$(cat "$T_WORK/pid" 2>/dev/null)
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/${pid:-0}/cgroup" 2>/dev/null)
t_eq "the limits are in the container's cgroup from create on, at linux.cgroupsPath (its parents made)" \
    "oci-t$n/c/main: 67108864 0 20 50000 100000" \
    "${cg#"$deleg/"}: $(cat "$cg/memory.max" "$cg/memory.swap.max" "$cg/pids.max" "$cg/cpu.max" 2>&1 | tr '\n' ' ' | sed 's/ $//')$(cat "$T_WORK/log" 2>/dev/null)"
oci start "c$n" >>"$T_WORK/log" 2>&1
t_eq "exec joins the container's cgroup (the root of its cgroup namespace)" "0::/" "$(oci exec "c$n" cat /proc/self/cgroup 2>&1)"

# A fork bomb started by exec: the kernel refuses its forks (pids.events "max" of the cgroup whose
# limit was hit: main's); a refused fork ends the subshell, and with it the exec.
oci exec "c$n" sh -c '(while :; do sleep 60 & done) 2>/dev/null; echo ended' >/dev/null 2>&1
refused() { [ "$(awk '$1 == "max" { print $2 }' "$cg/pids.events" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
if wait_until 30 refused; then
    t_eq "pids.limit stops a fork bomb (forks refused, at most 20 processes)" "yes" \
        "$([ "$(cat "$cg/pids.current")" -le 20 ] && echo yes || cat "$cg/pids.current")"
else
    t_notok "pids.limit stops a fork bomb (forks refused, at most 20 processes)" "cgroup '$cg': $(cat "$cg/pids.events" 2>&1)"
fi
oci kill "c$n" KILL >>"$T_WORK/log" 2>&1
oci delete --force "c$n" >>"$T_WORK/log" 2>&1
t_check "delete removes the cgroup" test -n "$pid" -a -d "$deleg/oci-t$n" -a ! -e "$deleg/oci-t$n/c"
rmdir "$deleg/oci-t$n" 2>/dev/null

config '["true"]' ', "resources": {"pids": {"limit": 50}}, "cgroupsPath": "/elsewhere/c"'
t_match "a cgroupsPath outside the delegation is refused" \
    '^sandbox-oci: config.json: linux.resources.pids: cgroup /elsewhere/c: not below /' "$(oci run --bundle "$B" "h$n" 2>&1)"
