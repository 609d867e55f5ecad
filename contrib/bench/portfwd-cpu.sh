#!/bin/bash
# portfwd-cpu.sh: what the published ports' forwarder (sandbox-portfwd) costs per request, a
# measure that a busy machine bends less than requests/s: nginx (1 KiB page) inside a sandbox,
# published on the host's 127.0.0.1, loaded by wrk -t 2 -c 16 for SECS; the CPU time (user +
# system, /proc/PID/stat) of the forwarder, of nginx and of wrk over the requests served, and
# their sum: on a machine where the three share the CPUs, that sum is what bounds requests/s
# (the forwarder's scheduling changes the others' cost too). Each build in turn, REPS rounds.
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
# per_req TICKS RPS: CPU us per request
per_req() { awk -v t="$1" -v r="$2" -v k="$tick" -v s="$SECS" 'BEGIN { printf "%.1f", t / k * 1e6 / (r * s) }'; }
echo "| build | requests/s | CPU us per request: forwarder | nginx | wrk | sum |"
echo "|---|---:|---:|---:|---:|---:|"
for _ in $(seq "$REPS"); do
    for sb in "${BUILDS[@]}"; do
        port=$(free_port)
        "$sb" --ro-bind "$WORK" "$WORK" -p "127.0.0.1:$port:8080" / nginx -e stderr -c "$WORK/nginx.conf" 2>/dev/null &
        pid=$!
        for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/index.html" && break; sleep 0.1; done
        fwd=$(pgrep -u "$(id -u)" -n sandbox-portfwd) || die "$sb: no forwarder"
        ngx=$(pgrep -u "$(id -u)" -n -x nginx) || die "$sb: no nginx"
        a=$(cpu "$fwd") na=$(cpu "$ngx")
        # wrk's time: its subshell's children's (fields 16 and 17 of the subshell's stat)
        out=$(wrk -t 2 -c 16 -d "${SECS}s" "http://127.0.0.1:$port/index.html" |
            awk '/^Requests\/sec:/ { printf "%s ", $2 }'; awk '{ print $16 + $17 }' "/proc/$BASHPID/stat")
        read -r rps wt <<<"$out"
        b=$(cpu "$fwd") nb=$(cpu "$ngx")
        echo "| $sb | $rps | $(per_req $((b - a)) "$rps") | $(per_req $((nb - na)) "$rps") |" \
            "$(per_req "$wt" "$rps") | $(per_req $((b - a + nb - na + wt)) "$rps") |"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
done
