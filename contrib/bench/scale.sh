#!/bin/bash
# scale.sh: N networked sandboxes of one user at once (default 500), each registered with
# --name, each waiting from inside on a gate (a fifo: a sleep loop polling a file made 1000
# processes a second at N=500, which was the CPU that bound the first runs); measures the time until every one is up
# (it printed "ready" after its network came up), the memory then, and, once the gate opens,
# that every one exits 0 and nothing is left: no process of the user's, no state file, no
# cgroup, no key spent (the per-user key quota, /proc/key-users). Heavy: not part of make check.
#
#   SANDBOX=$PWD/src/sandbox BENCH_USER=sbtest contrib/bench/scale.sh [N]     # as root or a user
#
# Prints the limits that bound N on this machine (ulimit -u, pid_max, max_user_namespaces, the
# key quota) and a markdown table. Exit status 0 when all N were up, exited 0 and left nothing.
. "$(dirname "$0")/common.sh"
become_user "$@"
[ -n "$SANDBOX" ] || die "set SANDBOX to the sandbox binary"
N=${1:-500}
work_dir
ROOTFS=$WORK/rootfs
"$TOP/contrib/mkrootfs-busybox.sh" "$ROOTFS" >/dev/null || die "mkrootfs-busybox.sh failed"
mkdir "$WORK/gate" "$WORK/out"
mkfifo "$WORK/gate/fifo"
uid=$(id -u)
state=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/sandbox}
state=${state:-${XDG_STATE_HOME:-$HOME/.local/state}/sandbox}
now_ms() { date +%s%3N; }
avail_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
keys_used() { awk -v u="$uid:" '$1 == u { split($4, q, "/"); print q[1]; f = 1 } END { if (!f) print 0 }' /proc/key-users; }
# ours: the user's processes that were not there at the start (the sandboxes' own, the network
# helpers and what runs inside): the user should run nothing else meanwhile.
# (not this script's own bash subshells and tools).
ours() { ps -u "$uid" -o pid=,comm= | awk '$2 !~ /^(bash|ps|awk|grep)$/ { print $1 }' | grep -vxF -f "$WORK/baseline" || true; }

log "limits: ulimit -u $(ulimit -u), ulimit -n $(ulimit -n), pid_max $(cat /proc/sys/kernel/pid_max)," \
    "max_user_namespaces $(cat /proc/sys/user/max_user_namespaces), keys $(keys_used)/$(cat /proc/sys/kernel/keys/maxkeys 2>/dev/null || echo ?)"
keys0=$(keys_used) avail0=$(avail_kb)
pgrep -u "$uid" >"$WORK/baseline"; echo "$$" >>"$WORK/baseline"
log "starting $N networked sandboxes"
t0=$(now_ms)
pids=()
for i in $(seq "$N"); do
    "$SANDBOX" --name "scale-$$-$i" --ro-bind "$WORK/gate" /gate "$ROOTFS" sh -c \
        'echo ready; cat /gate/fifo; exec true scale-gate' \
        </dev/null >"$WORK/out/$i" 2>&1 &
    pids+=($!)
done
ready=0
while [ "$ready" -lt "$N" ] && [ $(($(now_ms) - t0)) -lt 600000 ]; do
    sleep 0.2
    ready=$(grep -l '^ready' "$WORK"/out/* 2>/dev/null | wc -l)
    failed=$(for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || echo x; done | wc -l)
    [ $((ready + failed)) -ge "$N" ] && break
done
t_up=$(($(now_ms) - t0))
sleep 1
listed=$("$SANDBOX" list | grep -c "^scale-$$-")
used_mib=$(((avail0 - $(avail_kb)) / 1024))
procs=$(ours | wc -l)
rss_mib=$(ours | xargs -r -n 200 ps -o rss= -p 2>/dev/null | awk '{ s += $1 } END { printf "%.1f", s / 1024 }')
keys_up=$(keys_used)
log "up: $ready of $N in $t_up ms; listed $listed; $procs processes; RSS $rss_mib MiB; machine memory +$used_mib MiB"

# Opening the fifo for writing releases every reader blocked in its open; closing it is their EOF.
# Again and again, for any reader that was not yet in its open.
(while :; do exec 3>"$WORK/gate/fifo"; exec 3>&-; sleep 0.2; done) &
opener=$!
t1=$(now_ms)
ok=0 codes=()
for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    c=$?
    [ "$c" -eq 0 ] && ok=$((ok + 1)) || codes+=("$((i + 1)):$c")
done
t_down=$(($(now_ms) - t1))
kill "$opener" 2>/dev/null
wait "$opener" 2>/dev/null || true
# The network helpers drain libslirp after their supervisor has gone, and the host's init reaps
# them: give them up to 30 s, and say what was still there after 1 s.
sleep 1
ps -u "$uid" -o stat=,comm= | grep -vw "bash\|ps\|awk\|grep\|sort\|uniq" | sort | uniq -c | sed 's/^/    after 1 s: /' >&2 || true
t_gone=$(now_ms)
while [ "$(ours | wc -l)" -gt 0 ] && [ $(($(now_ms) - t_gone)) -lt 30000 ]; do sleep 0.2; done
t_gone=$(($(now_ms) - t1))
left_procs=$(ours | wc -l)
left_state=$(find "$state" -name "scale-$$-*" 2>/dev/null | wc -l)
left_cgroups=$(find /sys/fs/cgroup -maxdepth 8 -type d -name '*sandbox*' -user "$uid" 2>/dev/null | wc -l)
keys_after=$(keys_used)
for c in "${codes[@]:0:5}"; do
    i=${c%%:*}
    log "sandbox $i exited ${c#*:}: $(grep -v '^ready' "$WORK/out/$i" | head -2 | tr '\n' ' ')"
done
echo "| sandboxes | all up (s) | up | listed | exit 0 | processes up | their RSS (MiB) | machine memory (MiB) | keys spent | all ended (s) | all gone (s) | processes left | state files left | cgroups left |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '| %d | %.2f | %d | %d | %d | %d | %s | %d | %d | %.2f | %.2f | %d | %d | %d |\n' "$N" "$(echo "$t_up" | awk '{ print $1 / 1000 }')" \
    "$ready" "$listed" "$ok" "$procs" "$rss_mib" "$used_mib" "$((keys_up - keys0))" "$(echo "$t_down" | awk '{ print $1 / 1000 }')" \
    "$(echo "$t_gone" | awk '{ print $1 / 1000 }')" "$left_procs" "$left_state" "$left_cgroups"
[ "$ready" -eq "$N" ] && [ "$ok" -eq "$N" ] && [ "$left_procs" -eq 0 ] && [ "$left_state" -eq 0 ] && [ "$left_cgroups" -eq 0 ]
