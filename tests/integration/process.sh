#!/bin/bash
# process.sh: PID 1's duties, signals, teardown, timeouts, file descriptors, status output.
. "$(dirname "$0")/lib.sh"
make_rootfs

# Orphans are reaped: a double fork leaves no zombie behind.
states=$(sb --net none "$ROOTFS" sh -c 'sh -c "sleep 0.2 &"; sleep 1; cat /proc/[0-9]*/stat' | awk '{ print $3 }' | sort -u | tr -d '\n')
case $states in *Z*) t_notok "an orphan is reaped by init (no zombie)" "states: $states" ;; *) t_ok "an orphan is reaped by init (no zombie)" ;; esac

# SIGTERM to sandbox reaches COMMAND, which decides its exit status.
"$SANDBOX" --net none "$ROOTFS" sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$T_WORK/term.out" 2>&1 &
pid=$!
wait_until 5 grep -qs ready "$T_WORK/term.out"
kill -TERM $pid
wait $pid
rc=$?
t_eq "SIGTERM is forwarded to COMMAND" "ready got-term" "$(tr '\n' ' ' <"$T_WORK/term.out" | sed 's/ $//')"
t_eq "and its exit status comes back" 3 "$rc"

for sig in INT HUP USR1; do
    "$SANDBOX" --net none "$ROOTFS" sh -c "trap 'echo got-$sig; exit 0' $sig; echo ready; while :; do sleep 0.1; done" >"$T_WORK/sig-$sig.out" 2>&1 &
    pid=$!
    wait_until 5 grep -qs ready "$T_WORK/sig-$sig.out"
    kill -$sig $pid
    wait $pid
    t_match "SIG$sig is forwarded" "got-$sig" "$(cat "$T_WORK/sig-$sig.out")"
done

# SIGKILL of sandbox itself: nothing inside survives.
exec 7>"$T_WORK/status"
"$SANDBOX" --net none --status-fd 7 "$ROOTFS" sleep 1000 &
pid=$!
exec 7>&-
wait_until 5 grep -qs pid "$T_WORK/status"
inner=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$T_WORK/status" | head -1)
t_match "--status-fd reports COMMAND's host pid" '^[0-9]+$' "$inner"
t_eq "which is the sleep inside" "sleep" "$(cat /proc/"$inner"/comm 2>/dev/null)"
kill -KILL $pid
wait $pid 2>/dev/null
gone() { [ ! -e "/proc/$inner" ] || grep -q '^State:.*Z' "/proc/$inner/status" 2>/dev/null; }
if wait_until 5 gone; then t_ok "SIGKILL of sandbox kills everything inside"; else t_notok "SIGKILL of sandbox kills everything inside" "pid $inner alive"; fi

# --timeout: exit 124, quickly, and nothing left. Timed against the same sandbox without the
# sleep, so a slow start (a loaded machine, ASan) does not count against the second it adds.
start=$(date +%s%N)
sb_run --net none "$ROOTFS" sh -c true
base=$((($(date +%s%N) - start) / 1000000))
start=$(date +%s%N)
mark=$((100000 + $$)) # a duration no other test uses, to find what is left
sb_run --net none --timeout 1 "$ROOTFS" sh -c "sleep $mark & sleep $mark"
took=$((($(date +%s%N) - start) / 1000000))
t_eq "--timeout 1: exit 124" 124 "$SB_RC"
t_check "--timeout 1 returns within 2 s of a start (took ${took} ms, a run without it ${base} ms)" \
    test $((took - base)) -lt 2000
t_match "--timeout says so on stderr" '^sandbox: timeout' "$SB_ERR"
t_eq "--timeout leaves no process behind" "" "$(pgrep -u "$(id -u)" -f "sleep $mark")"
exec 8>"$T_WORK/status-timeout"
sb --net none --status-fd 8 --timeout 0.5 "$ROOTFS" sleep 10 2>/dev/null
exec 8>&-
t_eq "--timeout with --status-fd: the end record says exit 124 by timeout" '{"exit_code": 124, "timeout": true}' \
    "$(tail -n 1 "$T_WORK/status-timeout")"
t_match "--timeout with --status-fd: after the started record" '^\{"pid": [0-9]+' "$(head -n 1 "$T_WORK/status-timeout")"

# --status-fd: two JSON lines a JSON parser accepts.
exec 8>"$T_WORK/status2"
sb --net none --status-fd 8 "$ROOTFS" sh -c 'exit 5'
exec
if command -v jq >/dev/null; then
    t_eq "--status-fd: JSON lines (jq)" "5" "$(jq -r 'select(.exit_code != null) | .exit_code' "$T_WORK/status2")"
    t_eq "--status-fd: the started line names the command" "sh" "$(jq -r 'select(.pid != null) | .command[0]' "$T_WORK/status2")"
else
    t_skip "--status-fd: JSON lines (jq)" "jq not installed"
fi
exec 8>"$T_WORK/status3"
sb --net none --status-fd 8 "$ROOTFS" sh -c 'kill -TERM $$'
exec
t_match "--status-fd: a signal is reported as such" '"signal": 15' "$(cat "$T_WORK/status3")"

# File descriptors: only 0, 1 and 2 reach COMMAND, whatever the caller leaks.
fds=$( (exec 3<"$ROOTFS/etc/passwd" 9<"$ROOTFS" 255<"$ROOTFS/etc/group"; sb --net none "$ROOTFS" sh -c 'ls /proc/$$/fd; true' | tr '\n' ' ') )
t_eq "COMMAND gets exactly 0, 1 and 2 (leaked 3, 9, 255, a directory)" "0 1 2 " "$fds"
t_eq "a closed stdin becomes /dev/null, never a host file" "/dev/null" \
    "$(sb --net none "$ROOTFS" sh -c 'readlink /proc/$$/fd/0' <&-)"
t_eq "the working directory is inside the sandbox" "/" "$(cd "$T_WORK" && sb --net none "$ROOTFS" pwd)"

# rlimits
t_eq "--rlimit NOFILE=100" "100" "$(sb --net none --rlimit NOFILE=100 "$ROOTFS" sh -c 'ulimit -n')"
t_eq "--rlimit nofile=50:60 (soft)" "50" "$(sb --net none --rlimit nofile=50:60 "$ROOTFS" sh -c 'ulimit -n')"
t_eq "--rlimit nofile=50:60 (hard)" "60" "$(sb --net none --rlimit nofile=50:60 "$ROOTFS" sh -c 'ulimit -Hn')"

# A process inside cannot signal the caller: kill -TERM -1 and 0 hit only the sandbox.
sb --net none "$ROOTFS" sh -c 'kill -TERM -1; kill -TERM 0' >/dev/null 2>&1
t_ok "kill -TERM -1 and kill -TERM 0 inside leave the caller alive"
