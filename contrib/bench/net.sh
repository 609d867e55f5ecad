#!/bin/bash
# net.sh: TCP throughput through the sandbox's network, next to slirp4netns.
#
# Usage: [SANDBOX=src/sandbox] contrib/bench/net.sh
# iperf3, as an unprivileged user (root re-runs it as BENCH_USER, see common.sh), in each
# configuration, NET_SECS seconds (default 5) per run, the median of NET_REPS runs (default 3):
#   out, in:        a client inside to a server on the host's 127.0.0.1, reached as 10.0.2.2
#                   (sandbox -> host, and host -> sandbox with iperf3 -R);
#   published in, published out: a server inside, published on the host's 127.0.0.1, and a
#                   client on the host (host -> sandbox, and sandbox -> host with -R).
# Configurations: loopback (both ends on the host: the machine's limit); slirp4netns (1.x, MTU
# 65520, in `unshare -Urn`, port published through its API socket); sandbox (host mode `/`,
# --allow-host-loopback, -p). The network commands run the host's iperf3: only the network
# differs; sandbox-slirp is the sandbox with --net-fast off (everything through libslirp). All
# traffic stays on 127.0.0.1 and the sandboxes' own 10.0.2.0/24.
. "$(dirname "$0")/common.sh"
become_user "$@"
need iperf3 jq python3
: "${NET_SECS:=5}" "${NET_REPS:=3}"
work_dir

configs=(loopback)
if command -v slirp4netns >/dev/null; then configs+=(slirp4netns); else log "no slirp4netns: skipped"; fi
if [ -n "$SANDBOX" ]; then configs+=(sandbox sandbox-slirp); else log "SANDBOX is not set: its rows are skipped"; fi

# in_slirp4netns API CMD...: run CMD in new user and network namespaces with slirp4netns on
# tap0 (10.0.2.100/24, gateway 10.0.2.2 = the host's 127.0.0.1), once the network is up.
# API: the path of slirp4netns's API socket, or "".
in_slirp4netns() {
    local api=$1 t ns sl rc=0
    shift
    t=$(mktemp -d "$WORK/slirp.XXXXXX")
    mkfifo "$t/inns" "$t/go"
    # The child says it is in the namespaces, then waits for slirp4netns's "ready" (a "1").
    GO=$t/go unshare -Urn sh -c 'echo >&7; exec 7>&-; read x <"$GO"; [ "$x" = 1 ] || exit 1; exec "$@"' \
        sh "$@" 7>"$t/inns" &
    ns=$!
    read -r _ <"$t/inns" || true
    slirp4netns --configure --mtu 65520 ${api:+--api-socket "$api"} --ready-fd 3 "$ns" tap0 \
        3>"$t/go" >"$t/log" 2>&1 &
    sl=$!
    wait "$ns" || rc=$?
    kill "$sl" 2>/dev/null || true
    wait "$sl" 2>/dev/null || true
    rm -rf "$t"
    return $rc
}

# client CONFIG ARG...: iperf3 -c ARG... run in a new sandbox of CONFIG (on the host for
# loopback), printing the received Gbit/s.
client() {
    local config=$1 out
    shift
    case $config in
    loopback) out=$(iperf3 -J -c 127.0.0.1 "$@") ;;
    slirp4netns) out=$(in_slirp4netns "" iperf3 -J -c 10.0.2.2 "$@") ;;
    sandbox) out=$("$SANDBOX" --allow-host-loopback / iperf3 -J -c 10.0.2.2 "$@") ;;
    sandbox-slirp) out=$("$SANDBOX" --net-fast off --allow-host-loopback / iperf3 -J -c 10.0.2.2 "$@") ;;
    esac
    jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100' <<<"$out" 2>/dev/null || echo -
}

# serve CONFIG HOST_PORT: start an iperf3 server in a new sandbox of CONFIG, published on
# 127.0.0.1:HOST_PORT; when it accepts connections, return with the pid to kill in SERVER and
# the job to wait for in SERVER_JOB.
serve() {
    local config=$1 port=$2 api=$WORK/api.sock pidf=$WORK/server.pid
    rm -f "$api" "$pidf"
    case $config in
    loopback) iperf3 -s -B 127.0.0.1 -p "$port" >/dev/null 2>&1 & SERVER=$! SERVER_JOB=$! ;;
    slirp4netns)
        in_slirp4netns "$api" sh -c 'echo $$ >"$0"; exec iperf3 -s -p 5201' "$pidf" >/dev/null 2>&1 &
        SERVER_JOB=$!
        for _ in $(seq 100); do [ -S "$api" ] && [ -s "$pidf" ] && break; sleep 0.05; done
        SERVER=$(cat "$pidf")
        python3 - "$api" "$port" <<'PY' || die "slirp4netns: add_hostfwd failed"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
    "host_addr": "127.0.0.1", "host_port": int(sys.argv[2]), "guest_port": 5201}}).encode())
sys.exit("return" not in json.loads(s.recv(4096)))
PY
        ;;
    sandbox) "$SANDBOX" -p "127.0.0.1:$port:5201" / iperf3 -s -p 5201 >/dev/null 2>&1 & SERVER=$! SERVER_JOB=$! ;;
    sandbox-slirp)
        "$SANDBOX" --net-fast off -p "127.0.0.1:$port:5201" / iperf3 -s -p 5201 >/dev/null 2>&1 &
        SERVER=$! SERVER_JOB=$!
        ;;
    esac
    # Ready when a test connection gets iperf3's greeting through the forward.
    for _ in $(seq 100); do
        iperf3 -c 127.0.0.1 -p "$port" -n 1K >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$config: the published iperf3 server does not answer"
}

declare -A got # "CONFIG.TEST" -> the values measured, space-separated
hport=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$hport" >/dev/null 2>&1 &
hostserver=$!
sleep 0.3
# Repetitions go round the configurations, so that a machine getting busier hurts all alike.
for rep in $(seq "$NET_REPS"); do
    for c in "${configs[@]}"; do
        log "$c: run $rep of $NET_REPS"
        got[$c.out]+="$(client "$c" -p "$hport" -t "$NET_SECS") "
        got[$c.in]+="$(client "$c" -p "$hport" -t "$NET_SECS" -R) "
        pport=$(free_port)
        serve "$c" "$pport"
        got[$c.pubin]+="$(iperf3 -J -c 127.0.0.1 -p "$pport" -t "$NET_SECS" |
            jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100') "
        got[$c.pubout]+="$(iperf3 -J -c 127.0.0.1 -p "$pport" -t "$NET_SECS" -R |
            jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100') "
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER_JOB" 2>/dev/null || true
    done
done
kill "$hostserver" 2>/dev/null || true
wait "$hostserver" 2>/dev/null || true

echo "### TCP throughput, iperf3 (Gbit/s, median of $NET_REPS runs of $NET_SECS s, $(id -un))"
echo
echo "| configuration | sandbox -> host | host -> sandbox | published port, host -> sandbox | published port, sandbox -> host |"
echo "|---|---:|---:|---:|---:|"
for c in "${configs[@]}"; do
    row="| $c"
    for k in out in pubin pubout; do
        row+=" | $(tr ' ' '\n' <<<"${got[$c.$k]}" | grep -v '^-\?$' | median)"
    done
    echo "$row |"
done
echo
echo "loopback: both ends on the host, the machine's limit. sandbox: \`sandbox --allow-host-loopback / iperf3 ...\`"
echo "(sandbox-slirp: the same with \`--net-fast off\`)"
echo "and \`sandbox -p 127.0.0.1:PORT:5201 / iperf3 -s\`; slirp4netns: \`slirp4netns --configure --mtu 65520\`"
echo "attached to \`unshare -Urn iperf3 ...\`."
