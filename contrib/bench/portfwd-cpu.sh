#!/bin/bash
# portfwd-cpu.sh: what the published ports' forwarder (sandbox-portfwd) costs per request, a
# measure that a busy machine bends less than requests/s: nginx (1 KiB page) inside a sandbox,
# published on the host's 127.0.0.1, loaded by wrk -t 2 -c 16 for SECS; the forwarder's CPU time
# (user + system, /proc/PID/stat) over the requests served. Each build in turn, REPS rounds.
#
# Usage: contrib/bench/portfwd-cpu.sh SANDBOX... (e.g. src/sandbox and main's build), as an
# unprivileged user (root re-runs it as BENCH_USER, see common.sh). Environment: SECS (4),
# REPS (2). Needs nginx, wrk, curl.
. "$(dirname "$0")/common.sh"
BUILDS=()
for b; do BUILDS+=("$(cd "$(dirname "$b")" && pwd)/$(basename "$b")"); done
become_user "${BUILDS[@]}"
PKG+=([nginx]=nginx-light [wrk]=wrk [curl]=curl)
need nginx wrk curl
: "${SECS:=4}" "${REPS:=2}"
[ ${#BUILDS[@]} -gt 0 ] || die "usage: $0 SANDBOX..."
work_dir
mkdir -p "$WORK/www" && chmod 755 "$WORK"
head -c 1024 /dev/zero | tr '\0' x >"$WORK/www/index.html"
cat >"$WORK/nginx.conf" <<EOC
daemon off; master_process off; user root root; error_log stderr error; pid /tmp/nginx.pid;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path /tmp; proxy_temp_path /tmp; fastcgi_temp_path /tmp;
  uwsgi_temp_path /tmp; scgi_temp_path /tmp; server { listen 8080 backlog=1024; root $WORK/www; } }
EOC
tick=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
echo "| build | requests/s | forwarder CPU us per request |"
echo "|---|---:|---:|"
for _ in $(seq "$REPS"); do
    for sb in "${BUILDS[@]}"; do
        port=$(free_port)
        "$sb" --ro-bind "$WORK" "$WORK" -p "127.0.0.1:$port:8080" / nginx -e stderr -c "$WORK/nginx.conf" 2>/dev/null &
        pid=$!
        for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/index.html" && break; sleep 0.1; done
        fwd=$(pgrep -u "$(id -u)" -n sandbox-portfwd) || die "$sb: no forwarder"
        a=$(cpu "$fwd")
        rps=$(wrk -t 2 -c 16 -d "${SECS}s" "http://127.0.0.1:$port/index.html" | awk '/^Requests\/sec:/ { print $2 }')
        b=$(cpu "$fwd")
        echo "| $sb | $rps | $(awk -v t=$((b - a)) -v r="$rps" -v k="$tick" -v s="$SECS" 'BEGIN { printf "%.1f", t / k * 1e6 / (r * s) }') |"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
done
