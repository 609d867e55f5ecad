#!/bin/bash
# publish.sh: a published TCP port, side by side in one run. For each configuration a server
# runs "inside" and is published on the host's 127.0.0.1; the client runs on the host:
#  - iperf3 (server inside, client on the host), both directions (-R: the server sends);
#  - nginx (1 KiB page) loaded with wrk: requests/s, latency p50 and p99.
# Configurations: loopback (server on the host itself: the machine's limit), sandbox (the fast
# path, --net-fast on), sandbox-slirp (--net-fast off: libslirp), and, when installed,
# slirp4netns (its API's add_hostfwd, as rootlesskit and podman use it) and pasta (-t).
# The sandboxes run in host mode (rootfs /), so the host's iperf3 and nginx serve inside
# ($WORK bound in: host mode's /tmp is its own).
# Repetitions go round the configurations, so a machine getting busier hurts all alike.
#
# Usage: [SANDBOX=src/sandbox] contrib/bench/publish.sh, as an unprivileged user (root re-runs it
# as BENCH_USER, see common.sh). Environment: SECS (5), REPS (3), WRK_OPTS (-t 2 -c 16),
# SANDBOX_BASE (another build's sandbox, e.g. main's: the row sandbox-base, its fast path, for
# a change's before and after in one run), CONFIGS (the rows to run, default all that can),
# PARTS ("iperf3 nginx").
# Needs iperf3, nginx, wrk, jq, curl; slirp4netns with socat, and pasta, are optional.
# Prints markdown tables; the tools' own output stays in the work directory (BENCH_WORK).
. "$(dirname "$0")/common.sh"
become_user "$@"
PKG+=([nginx]=nginx-light [wrk]=wrk [curl]=curl)
need iperf3 nginx wrk jq curl
set +e +o pipefail # a tool that fails leaves its cell empty, the rest goes on
: "${SECS:=5}" "${REPS:=3}" "${WRK_OPTS:=-t 2 -c 16}" "${SANDBOX_BASE:=}" "${PARTS:=iperf3 nginx}"
work_dir
mkdir -p "$WORK/www" "$WORK/tmp" && chmod 755 "$WORK"
head -c 1024 /dev/zero | tr '\0' x >"$WORK/www/index.html"
if [ -z "${CONFIGS:-}" ]; then
    CONFIGS="loopback"
    [ -n "$SANDBOX" ] && CONFIGS="$CONFIGS sandbox sandbox-slirp"
    [ -n "$SANDBOX_BASE" ] && CONFIGS="$CONFIGS sandbox-base"
    command -v slirp4netns >/dev/null && command -v socat >/dev/null && CONFIGS="$CONFIGS slirp4netns"
    command -v pasta >/dev/null && CONFIGS="$CONFIGS pasta"
fi
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill_tree $p; done; [ -n "${BENCH_WORK:-}" ] || rm -rf "$WORK"' EXIT

kill_tree() {
    local k
    for k in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$k"; done
    kill "$1" 2>/dev/null
}

# nginx_conf LISTEN TMP: a single-process nginx serving $WORK/www.
nginx_conf() {
    cat <<EOF
daemon off;
master_process off;
user root root;
error_log stderr error;
pid $2/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $2; proxy_temp_path $2; fastcgi_temp_path $2;
    uwsgi_temp_path $2; scgi_temp_path $2;
    server { listen $1 backlog=1024; root $WORK/www; }
}
EOF
}
nginx_conf 8080 /tmp >"$WORK/nginx-sandbox.conf" # the sandbox's /tmp is its own, writable

# serve CONFIG PORT INNER_PORT COMMAND...: run COMMAND (a server on INNER_PORT) in CONFIG,
# published on 127.0.0.1:PORT; sets SERVED to its pid.
serve() {
    local config=$1 port=$2 inner=$3 api
    shift 3
    case $config in
    loopback) "$@" & ;;
    sandbox) "$SANDBOX" --ro-bind "$WORK" "$WORK" -p "127.0.0.1:$port:$inner" / "$@" & ;;
    sandbox-slirp) "$SANDBOX" --ro-bind "$WORK" "$WORK" --net-fast off -p "127.0.0.1:$port:$inner" / "$@" & ;;
    sandbox-base) "$SANDBOX_BASE" --ro-bind "$WORK" "$WORK" -p "127.0.0.1:$port:$inner" / "$@" & ;;
    slirp4netns)
        api=$WORK/slirp.sock
        rm -f "$api"
        unshare -Urn "$@" &
        SERVED=$!
        PIDS+=($SERVED)
        slirp4netns --configure --mtu 65520 --api-socket "$api" "$SERVED" tap0 >/dev/null 2>&1 &
        PIDS+=($!)
        for _ in $(seq 100); do [ -S "$api" ] && break; sleep 0.1; done
        echo "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", \"host_addr\": \"127.0.0.1\", \"host_port\": $port, \"guest_port\": $inner}}" |
            socat - "UNIX-CONNECT:$api" | grep -q '"return"' || log "slirp4netns: add_hostfwd failed"
        return ;;
    pasta) pasta --config-net -q -f -t "127.0.0.1/$port:$inner" -u none -T none -U none -- "$@" & ;;
    esac
    SERVED=$!
    PIDS+=($SERVED)
}

has_part() { [[ " $PARTS " == *" $1 "* ]]; }

# --- iperf3 -------------------------------------------------------------------------------------
declare -A got url
keep() { [ -n "$3" ] && got["$1 $2"]+="$3 "; true; }
if has_part iperf3; then
    declare -A iport
    for config in $CONFIGS; do
        port=$(free_port)
        if [ "$config" = loopback ]; then inner=$port; else inner=5201; fi
        serve "$config" "$port" "$inner" iperf3 -s -p "$inner" -B "$([ "$config" = loopback ] && echo 127.0.0.1 || echo 0.0.0.0)"
        iport[$config]=$port
    done
    sleep 2
    for rep in $(seq "$REPS"); do
        for config in $CONFIGS; do
            for dir in in out; do # in: host -> sandbox; out: sandbox -> host (-R)
                log "iperf3 $config $dir $rep"
                raw=$WORK/iperf3-$config-$dir-$rep.json
                iperf3 -c 127.0.0.1 -p "${iport[$config]}" -t "$SECS" -J $([ $dir = out ] && echo -R) >"$raw" 2>&1
                keep "iperf3-$dir" "$config" "$(jq '.end.sum_received.bits_per_second / 1e9' "$raw" 2>/dev/null)"
            done
        done
    done
    for p in "${PIDS[@]}"; do kill_tree "$p"; done
    PIDS=()
    sleep 1
fi

# --- nginx and wrk ------------------------------------------------------------------------------
if has_part nginx; then
    for config in $CONFIGS; do
        port=$(free_port)
        if [ "$config" = loopback ]; then
            nginx_conf "127.0.0.1:$port" "$WORK/tmp" >"$WORK/nginx-host.conf"
            serve "$config" "$port" "$port" nginx -e stderr -c "$WORK/nginx-host.conf"
        elif [ "${config#sandbox}" != "$config" ]; then
            serve "$config" "$port" 8080 nginx -e stderr -c "$WORK/nginx-sandbox.conf"
        else
            mkdir -p "$WORK/tmp-$config"
            nginx_conf 8080 "$WORK/tmp-$config" >"$WORK/nginx-$config.conf"
            serve "$config" "$port" 8080 nginx -e stderr -c "$WORK/nginx-$config.conf"
        fi 2>>"$WORK/nginx.log"
        url[$config]=http://127.0.0.1:$port/index.html
        for _ in $(seq 100); do curl -sf -o /dev/null "${url[$config]}" && break; sleep 0.1; done
    done
    for rep in $(seq "$REPS"); do
        for config in $CONFIGS; do
            log "wrk $config $rep"
            read -r rps p50 p99 < <(wrk $WRK_OPTS -d "${SECS}s" --latency "${url[$config]}" | tee -a "$WORK/wrk.txt" | awk '
                function ms(v) { return v ~ /us$/ ? v / 1000 : v ~ /ms$/ ? v + 0 : v * 1000 }
                $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } $1 == "Requests/sec:" { rps = $2 }
                END { print rps + 0, p50 + 0, p99 + 0 }')
            keep rps "$config" "$rps"
            keep p50 "$config" "$p50"
            keep p99 "$config" "$p99"
        done
    done
fi

# cell METRIC CONFIG: "median (min - max)".
cell() {
    printf '%s\n' ${got["$1 $2"]:-} | sort -g | awk '{ v[NR] = $1 }
        function f(x) { return sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }
        END { if (!NR) { print "-"; exit }
              m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%s (%s - %s)\n", f(m), f(v[1]), f(v[NR]) }'
}
if has_part iperf3; then
    echo "### Published TCP port: iperf3 server inside, client on the host ($SECS s, median (min - max) of $REPS runs, Gbit/s)"
    echo
    echo "| configuration | host -> sandbox | sandbox -> host (-R) |"
    echo "|---|---:|---:|"
    for c in $CONFIGS; do echo "| $c | $(cell iperf3-in "$c") | $(cell iperf3-out "$c") |"; done
    echo
fi
if has_part nginx; then
    echo "### Published TCP port: nginx inside, wrk $WRK_OPTS on the host ($REPS runs of $SECS s)"
    echo
    echo "| configuration | requests/s | latency p50 ms | latency p99 ms |"
    echo "|---|---:|---:|---:|"
    for c in $CONFIGS; do echo "| $c | $(cell rps "$c") | $(cell p50 "$c") | $(cell p99 "$c") |"; done
fi
