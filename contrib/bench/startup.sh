#!/bin/bash
# startup.sh: start-up time of an isolated /bin/true, sandbox next to bwrap and unshare.
#
# Usage: [SANDBOX=src/sandbox] contrib/bench/startup.sh
# hyperfine, side by side in one run, on one busybox rootfs (contrib/mkrootfs-busybox.sh), as an
# unprivileged user (root re-runs it as BENCH_USER, see common.sh). Prints a markdown table with
# the ratios to bwrap. RUNS (default 30) and WARMUP (default 3) runs per command.
. "$(dirname "$0")/common.sh"
become_user "$@"
need hyperfine bwrap unshare jq
: "${RUNS:=30}" "${WARMUP:=3}"
work_dir
ROOTFS=$WORK/rootfs
"$TOP/contrib/mkrootfs-busybox.sh" "$ROOTFS" 2>/dev/null

names=() cmds=() notes=()
# add NAME COMMAND: measure COMMAND (split on spaces by hyperfine) if it runs once.
add() {
    local err
    if err=$($2 2>&1 >/dev/null); then
        names+=("$1") cmds+=("$2")
    else
        notes+=("$1: could not run: $(echo "$err" | tail -1)")
    fi
}
if [ -n "$SANDBOX" ]; then
    add "sandbox --map self" "$SANDBOX --map self --net none $ROOTFS /bin/true"
    add "sandbox (subuid map)" "$SANDBOX --net none $ROOTFS /bin/true"
    add "sandbox --overlay" "$SANDBOX --overlay --net none $ROOTFS /bin/true"
    add "sandbox --seccomp none" "$SANDBOX --seccomp none --net none $ROOTFS /bin/true"
    add "sandbox / (host mode, as the caller)" "$SANDBOX --net none / /bin/true"
else
    notes+=("sandbox: SANDBOX is not set, its rows are skipped")
fi
add bwrap "bwrap --unshare-all --bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
add "bwrap --ro-bind / /" "bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
add unshare "unshare -Urpfmiu --mount-proc /bin/true"
[ ${#names[@]} -gt 0 ] || die "nothing runs here: ${notes[*]}"

args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
log "hyperfine: ${#names[@]} commands, $RUNS runs each"
hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/startup.json" \
    "${args[@]}" >&2

echo "### Start-up: /bin/true in a new sandbox ($(id -un), $RUNS runs, ms)"
echo
echo "| command | median | mean ± σ | min - max | x bwrap |"
echo "|---|---:|---:|---:|---:|"
jq -r '(.results[] | select(.command == "bwrap") | .median) as $b
    | .results[] | [.command, .median * 1000, .mean * 1000, .stddev * 1000, .min * 1000, .max * 1000,
        (if $b then .median / $b else null end)]
    | "| \(.[0]) | \(.[1] * 100 | round / 100) | \(.[2] * 100 | round / 100) ± \(.[3] * 100 | round / 100) | \(.[4] * 100 | round / 100) - \(.[5] * 100 | round / 100) | \(if .[6] then (.[6] * 100 | round / 100) else "-" end) |"' \
    "$WORK/startup.json"
echo
for n in "${notes[@]}"; do echo "- $n"; done
[ ${#notes[@]} -eq 0 ] || echo
echo "Commands (ROOTFS: a busybox rootfs from contrib/mkrootfs-busybox.sh):"
echo
for i in "${!names[@]}"; do echo "- ${names[$i]}: \`${cmds[$i]//$ROOTFS/ROOTFS}\`"; done
