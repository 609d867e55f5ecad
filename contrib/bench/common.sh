# common.sh: what contrib/bench/startup.sh and net.sh share. Source it, don't run it.
# shellcheck shell=bash disable=SC2034 # TOP and the like are for the scripts that source this
#
# Environment (all optional):
#   SANDBOX     the sandbox binary to measure; its rows are skipped when unset
#   BENCH_USER  the unprivileged user to measure as when started as root (default: sbtest);
#               it needs a range in /etc/subuid and /etc/subgid for the subuid-mapping rows
#   BENCH_WORK  scratch directory (default: a new one under ${TMPDIR:-/tmp}, removed at exit)

set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
: "${BENCH_USER:=sbtest}" "${SANDBOX:=}"

log() { echo "[$(date +%T)] $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }
need() {
    local t
    for t; do command -v "$t" >/dev/null || die "$t not found (apt-get install ${PKG[$t]:-$t})"; done
}
declare -A PKG=([bwrap]=bubblewrap [hyperfine]=hyperfine [iperf3]=iperf3 [jq]=jq
    [slirp4netns]=slirp4netns [unshare]=util-linux [python3]=python3)

# become_user ARG...: when root, run this script again as $BENCH_USER, with ARGs: everything is
# measured unprivileged, as users run the sandbox. The script and $SANDBOX must be readable by
# that user (a checkout under /root is not).
become_user() {
    if [ -n "$SANDBOX" ]; then
        [ -x "$SANDBOX" ] || die "SANDBOX=$SANDBOX is not executable"
        SANDBOX=$(cd "$(dirname "$SANDBOX")" && pwd)/$(basename "$SANDBOX")
    fi
    [ "$(id -u)" -eq 0 ] || return 0
    local home
    home=$(getent passwd "$BENCH_USER" | cut -d: -f6) || die "no user $BENCH_USER (set BENCH_USER)"
    runuser -u "$BENCH_USER" -- test -r "$BENCH_DIR/common.sh" ||
        die "$BENCH_USER cannot read $BENCH_DIR: copy the tree somewhere readable, e.g. /var/tmp"
    log "running as $BENCH_USER"
    cd /
    exec setpriv --reuid="$BENCH_USER" --regid="$(id -g "$BENCH_USER")" --init-groups \
        env -u XDG_RUNTIME_DIR HOME="$home" USER="$BENCH_USER" LOGNAME="$BENCH_USER" \
        SANDBOX="$SANDBOX" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash "$BENCH_DIR/${0##*/}" "$@"
}

# work_dir: set WORK, a scratch directory removed at exit (unless BENCH_WORK was given).
work_dir() {
    if [ -n "${BENCH_WORK:-}" ]; then
        WORK=$BENCH_WORK
        mkdir -p "$WORK"
    else
        WORK=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-bench.XXXXXX")
        trap 'rm -rf "$WORK"' EXIT
    fi
}

# median: the median of numbers read one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# free_port: a TCP port nothing listens on here.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        [ -z "$(ss -Htan "sport = :$p")" ] && { echo "$p"; return; }
    done
}
