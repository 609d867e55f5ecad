#!/bin/bash
# cgroup.sh: the sandbox's own cgroup at /sys/fs/cgroup (--cgroupfs), and the cgroup v2 limits
# --memory, --pids, --cpus: they hold, COMMAND sees them, the network helper is inside them,
# and nothing is left behind. The limits need a cgroup v2 subtree delegated to the user (as
# systemd gives a session); where there is none they are skipped with the reason, except when
# the run promised one (SANDBOX_TEST_CGROUP_DELEGATE, as in tests/uml): then that is a failure.
. "$(dirname "$0")/lib.sh"
make_rootfs

n=c$$
listed() { "$SANDBOX" list | awk 'NR > 1 { print $1 }' | grep -qx "$1"; }
# cgroup_of NAME: the host path of a named sandbox's own cgroup (list --json).
cgroup_of() { "$SANDBOX" list --json | sed -n "s/.*\"name\": \"$1\".*\"cgroup\": \"\([^\"]*\)\".*/\1/p"; }
# The mount at /sys/fs/cgroup inside: "FSTYPE OPTIONS", or nothing.
cgroup_mount='awk "\$2 == \"/sys/fs/cgroup\" { m = \$3 \" \" \$4 } END { print m }" /proc/mounts'

# --- /sys/fs/cgroup, with and without cgroup v2 on the host ----------------------------------
if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
    sb_run --net none "$ROOTFS" sh -c "$cgroup_mount"
    t_match "/sys/fs/cgroup is a read-only cgroup2 mount by default" '^cgroup2 ro,' "$SB_OUT"
    sb_run --net none "$ROOTFS" sh -c 'mkdir /sys/fs/cgroup/sub 2>&1; echo rc=$?'
    t_match "and cannot be written" 'Read-only file system.*rc=1' "$(echo $SB_OUT)"
    sb_run --net none --cgroupfs rw "$ROOTFS" sh -c "$cgroup_mount"
    t_match "--cgroupfs rw: a writable one" '^cgroup2 rw,' "$SB_OUT"
    sb_run --net none --cgroupfs none "$ROOTFS" sh -c "$cgroup_mount; ls -A /sys/fs/cgroup | wc -l"
    t_eq "--cgroupfs none: nothing mounted there, the directory empty" "0" "$(echo $SB_OUT)"
    sb_run --net none "$ROOTFS" grep '^0::' /proc/self/cgroup
    t_eq "COMMAND is at the root of its cgroup namespace" "0::/" "$SB_OUT"
else
    sb_run --net none "$ROOTFS" sh -c "$cgroup_mount; ls -A /sys/fs/cgroup | wc -l"
    t_eq "without cgroup v2 on the host /sys/fs/cgroup stays the empty directory of /sys" "0" "$(echo $SB_OUT)"
    sb_run --net none --cgroupfs rw "$ROOTFS" true
    t_eq "and --cgroupfs rw is no error there" 0 "$SB_RC"
fi
t_setup_error "--cgroupfs with an unknown mode: 125, one line" --net none --cgroupfs yes "$ROOTFS" true

# --- the limits ------------------------------------------------------------------------------
sb_run --net none --memory 64m "$ROOTFS" true
if [ "$SB_RC" -eq 125 ]; then
    why="no cgroup v2 with memory, pids and cpu delegated to $(id -un) here ($(grep '^0::' /proc/self/cgroup))"
    t_match "--memory without a delegated cgroup v2: exit 125 saying so" \
        '^sandbox: --memory: needs a delegated cgroup v2 ' "$SB_ERR"
    skip=t_skip_host
    if [ -n "${SANDBOX_TEST_CGROUP_DELEGATE:-}" ]; then
        skip=t_skip
        why="$why, although $SANDBOX_TEST_CGROUP_DELEGATE was delegated: $SB_ERR"
    fi
    for d in "COMMAND reads its limits at /sys/fs/cgroup" "an allocation past --memory is killed" \
        "--pids stops a fork bomb" "--cgroupfs rw: COMMAND makes a nested limit" \
        "the network helper is in the sandbox's cgroup" "the cgroup is gone after SIGKILL of the supervisor"; do
        $skip "$d" "$why"
    done
    exit 0
fi
t_eq "--memory with a delegated cgroup v2 runs" 0 "$SB_RC"

sb_run --net none --memory 64m --pids 50 --cpus 0.5 "$ROOTFS" \
    sh -c 'cd /sys/fs/cgroup && cat memory.max memory.swap.max pids.max cpu.max'
t_eq "COMMAND reads its limits at /sys/fs/cgroup" "67108864 0 50 50000 100000" "$(echo $SB_OUT)"
sb_run --net none --pids 50 "$ROOTFS" sh -c 'cat /sys/fs/cgroup/cgroup.procs | tr "\n" " "'
t_match "its own cgroup: init and COMMAND's processes, by their pids inside" '^1( [1-9][0-9]*)+ $' "$SB_OUT"
sb_run --net none --memory 64m "$ROOTFS" sh -c 'echo max >/sys/fs/cgroup/memory.max && echo raised; cat /sys/fs/cgroup/memory.max'
t_eq "read-only: COMMAND cannot raise its limit" "67108864 Read-only" \
    "$(echo $SB_OUT) $(printf '%s' "$SB_ERR" | grep -o 'Read-only')"

# An allocation that doubles a string up to 128 MiB: killed under 64m, fine under 512m.
grow='BEGIN { s = "x"; while (length(s) < 128 * 1024 * 1024) s = s s; print "survived" }'
sb_run --net none --memory 64m "$ROOTFS" awk "$grow"
t_eq "an allocation past --memory 64m is killed (SIGKILL: 137)" "137 " "$SB_RC $SB_OUT"
sb_run --net none --memory 512m "$ROOTFS" awk "$grow"
t_eq "and the same allocation lives under --memory 512m" "0 survived" "$SB_RC $SB_OUT"

# A fork bomb, watched from the host: the kernel refuses its forks (pids.events "max"). The bomb
# runs in a subshell, which a refused fork ends; COMMAND then execs (no fork) and stays.
"$SANDBOX" --net none --name "b$n" --pids 20 --timeout 120 "$ROOTFS" \
    sh -c '(while :; do sleep 60 & done) 2>/dev/null; exec sleep 100' >/dev/null 2>&1 &
sup=$!
wait_until 60 listed "b$n"
cg=$(cgroup_of "b$n")
refused() { [ "$(awk '$1 == "max" { print $2 }' "$1/pids.events" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
if [ -n "$cg" ] && wait_until 60 refused "$cg"; then
    t_eq "--pids stops a fork bomb (forks refused, at most 20 processes)" "yes" \
        "$([ "$(cat "$cg/pids.current")" -le 20 ] && echo yes || cat "$cg/pids.current")"
else
    t_notok "--pids stops a fork bomb (forks refused, at most 20 processes)" "cgroup '$cg': $(cat "$cg/pids.events" 2>&1)"
fi
kill -KILL $sup 2>/dev/null
wait $sup 2>/dev/null
t_check "and the host can still fork" sh -c 'true & wait'

sb_run --net none --memory 64m --cgroupfs rw "$ROOTFS" sh -c '
    cd /sys/fs/cgroup && mkdir init job || exit 1
    # No processes in a cgroup that hands controllers down: all of them into init first.
    for p in $(cat cgroup.procs); do echo $p >init/cgroup.procs; done 2>/dev/null
    echo +memory >cgroup.subtree_control && echo 16777216 >job/memory.max && echo $$ >job/cgroup.procs &&
    cat job/memory.max && grep "^0::" /proc/self/cgroup'
t_eq "--cgroupfs rw: COMMAND makes a nested limit" "16777216 0::/job" "$(echo $SB_OUT)"

# Seen from the host: the limits bind the sandbox and its network helper together.
"$SANDBOX" --name "$n" --memory 64m --pids 50 --cpus 0.5 "$ROOTFS" sleep 100 >"$T_WORK/n.out" 2>&1 &
sup=$!
wait_until 60 listed "$n"
cg=$(cgroup_of "$n")
top=${cg%/*}
t_eq "the host sees the limits on the sandbox's cgroup" "67108864 51 50000 100000" \
    "$(cat "$top/memory.max" "$top/pids.max" "$top/cpu.max" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
helper=$(cat "$top/net/cgroup.procs" 2>/dev/null)
t_eq "the network helper is in the sandbox's cgroup" "sandbox-net" "$(cat "/proc/$helper/comm" 2>&1)"
t_match "and its memory counts there" '^[1-9][0-9]*$' "$(cat "$top/net/memory.current" 2>&1)"
kill -TERM $sup
wait $sup
t_check "its cgroup is removed at exit" test -n "$top" -a ! -e "$top"

"$SANDBOX" --net none --name "$n" --memory 64m "$ROOTFS" sleep 100 >/dev/null 2>&1 &
sup=$!
wait_until 60 listed "$n"
cg=$(cgroup_of "$n")
top=${cg%/*}
kill -KILL $sup
wait $sup 2>/dev/null
empty() { [ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }
if [ -n "$cg" ] && wait_until 10 empty "$cg"; then
    t_ok "after SIGKILL of the supervisor nothing runs in its cgroup"
else
    t_notok "after SIGKILL of the supervisor nothing runs in its cgroup" "cgroup '$cg': $(cat "$cg/cgroup.procs" 2>&1)"
fi
sb_run --net none --memory 64m "$ROOTFS" true
t_check "the cgroup is gone after SIGKILL of the supervisor (the next start removes it)" test -n "$top" -a ! -e "$top"
