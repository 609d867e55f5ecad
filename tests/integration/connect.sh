#!/bin/bash
# connect.sh: the outgoing TCP fast path (--net-fast): COMMAND's connect() made from the host,
# with real traffic only to the host's loopback (as 10.0.2.2 / fd00::2) and inside the sandbox.
. "$(dirname "$0")/lib.sh"
t_need_tun
make_rootfs
build_nettool "$T_WORK"
cp "$NETTOOL" "$ROOTFS/bin/nettool"
# Nested in a sandbox whose COMMAND has the connect() filter, the kernel allows no second
# listener (EBUSY): libslirp carries every connection and there is no fast path to test.
if t_connect_listener_busy; then
    t_skip_host "$(basename "$0"): the outgoing fast path" \
        "the kernel allows one seccomp listener per process and the outer sandbox's connect() filter holds it (run the outer one with --net-fast off or --net none)"
    exit 0
fi
BG=()
bg() { "$@" & BG+=($!); }
stop_bg() { [ ${#BG[@]} -gt 0 ] && kill "${BG[@]}" 2>/dev/null; wait "${BG[@]}" 2>/dev/null; BG=(); }
trap 'stop_bg; t_cleanup' EXIT
fast() { sb --net-fast on "$@"; }

P=$(free_port)
bg "$NETTOOL" tcp-echo "$P" 127.0.0.1 >/dev/null
P6=$(free_port)
bg "$NETTOOL" tcp-echo "$P6" ::1 >/dev/null
sleep 0.3

# --- which path a connection takes --------------------------------------------------------------
# The peer's address tells the paths apart: a switched socket is the host's own, connected to its
# 127.0.0.1; through libslirp the peer is 10.0.2.2.
t_eq "10.0.2.2 is connected from the host, with the options set before connect()" \
    "peer 127.0.0.1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool tcp-info 10.0.2.2 "$P" 2>&1)"
t_eq "fd00::2 is connected from the host's ::1" "peer ::1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool tcp-info fd00::2 "$P6" 2>&1)"
t_eq "a thread that does not lead its process is switched too" \
    "peer 127.0.0.1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool tcp-info-thread 10.0.2.2 "$P" 2>&1)"
t_eq "--net-fast off: libslirp carries it" "peer 10.0.2.2 nodelay 1 keepalive 1 keepidle 8" \
    "$(sb --net-fast off --allow-host-loopback "$ROOTFS" nettool tcp-info 10.0.2.2 "$P" 2>&1)"
t_eq "a switched connection leaves no socket in the sandbox's own table (only its header line)" "1" \
    "$(fast --allow-host-loopback "$ROOTFS" sh -c "nettool tcp-ask 10.0.2.2 $P x >/dev/null; wc -l </proc/net/tcp")"
t_eq "a non-blocking connect() completes (poll, SO_ERROR)" "nb" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool tcp-ask-nb 10.0.2.2 "$P" nb 2>&1)"
t_eq "the sandbox's own loopback stays its own" "hello-lo" \
    "$(fast "$ROOTFS" sh -c "nettool tcp-echo $P 127.0.0.1 >/dev/null & sleep 0.3; nettool tcp-ask 127.0.0.1 $P hello-lo")"
bg "$NETTOOL" udp-echo "$P" 127.0.0.1 >/dev/null
sleep 0.2
t_eq "UDP still goes through libslirp" "hello-udp" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool udp-ask 10.0.2.2 "$P" hello-udp 2>&1)"

# --- refusals --------------------------------------------------------------------------------------
refused() { local d=$1; shift; t_refused "$d" --net-fast on "$@"; } # DESC [SANDBOX-OPTIONS...] -- nettool-ARGS...
refused "without --allow-host-loopback, 10.0.2.2 is refused within a second" -- tcp-ask 10.0.2.2 "$P" nope
refused "... fd00::2 too" -- tcp-ask fd00::2 "$P6" nope
refused "... and a non-blocking connect() too" -- tcp-ask-nb 10.0.2.2 "$P" nope
Q=$(free_port)
sb_run --net-fast on --allow-host-loopback "$ROOTFS" nettool tcp-ask 10.0.2.2 "$Q" nope
t_match "a closed port on the host is refused through the fast path" 'Connection refused' "$SB_ERR"

# --- with the egress policy --------------------------------------------------------------------
# An address entry lets the fast path take the connection (the peer is the host's own 127.0.0.1);
# anything else goes to libslirp, whose guard refuses it with a RST (netpolicy.sh: a destination
# allowed by a NAME goes there too, and is carried).
R=$(free_port)
bg "$NETTOOL" tcp-echo "$R" 127.0.0.1 >/dev/null
sleep 0.2
H=--allow-host-loopback
t_eq "--net-allow ADDR:PORT: an allowed destination takes the fast path" \
    "peer 127.0.0.1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast $H --net-allow 10.0.2.2:"$P" "$ROOTFS" nettool tcp-info 10.0.2.2 "$P" 2>&1)"
t_eq "--net-allow ADDR/PREFIX: allowed by a prefix, too" "peer 127.0.0.1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast $H --net-allow 10.0.2.0/24 "$ROOTFS" nettool tcp-info 10.0.2.2 "$P" 2>&1)"
t_eq "--net-allow [ADDR]:PORT: IPv6, from the host's ::1" "peer ::1 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast $H --net-allow "[fd00::2]:$P6" "$ROOTFS" nettool tcp-info fd00::2 "$P6" 2>&1)"
refused "--net-allow: a listening port it does not allow is refused within a second" \
    $H --net-allow 10.0.2.2:"$P" -- tcp-ask 10.0.2.2 "$R" nope
refused "... by a non-blocking connect() too" $H --net-allow 10.0.2.2:"$P" -- tcp-ask-nb 10.0.2.2 "$R" nope
refused "... and an address outside the prefix" $H --net-allow 10.0.3.0/24 -- tcp-ask 10.0.2.2 "$R" nope
t_eq "--flow-log: libslirp carries every flow, so its bytes are counted" "peer 10.0.2.2 nodelay 1 keepalive 1 keepidle 8" \
    "$(fast $H --flow-log "$T_WORK/flows" "$ROOTFS" nettool tcp-info 10.0.2.2 "$P" 2>&1)"

# --- volume ------------------------------------------------------------------------------------------
GB=1000000000
S=$(free_port)
"$NETTOOL" serve-sink "$S" 127.0.0.1 >"$T_WORK/sink" &
sink=$!
wait_until 5 grep -q listening "$T_WORK/sink"
fast --allow-host-loopback "$ROOTFS" nettool send 10.0.2.2 "$S" $GB 2>&1
wait $sink
t_eq "1 GB sandbox -> host arrives intact" "$GB ok" "$(tail -1 "$T_WORK/sink")"
S=$(free_port)
"$NETTOOL" serve-source "$S" $GB 127.0.0.1 >"$T_WORK/source" &
source=$!
wait_until 5 grep -q listening "$T_WORK/source"
t_eq "1 GB host -> sandbox arrives intact" "$GB ok" \
    "$(fast --allow-host-loopback "$ROOTFS" nettool recv 10.0.2.2 "$S" 2>&1)"
wait $source
t_eq "400 connections at once, 8 processes: none lost" "400" \
    "$(fast --allow-host-loopback "$ROOTFS" sh -c "for i in 1 2 3 4 5 6 7 8; do nettool tcp-many 10.0.2.2 $P 50 & done; wait" |
        awk '{ s += $1 } END { print s }')"

# --- what COMMAND sees otherwise ----------------------------------------------------------------
t_eq "COMMAND gets no extra file descriptor" "0 1 2" \
    "$(fast "$ROOTFS" sh -c 'cd /proc/self/fd && echo [0-9]*' 2>&1 | sed 's/ 3$//')"
# (Counted above the caller's own filters: nested, COMMAND inherits the outer sandbox's.)
base=$(t_filters_base)
t_eq "COMMAND runs under two filters: the default one and the connect() one" "$((base + 2))" \
    "$(fast "$ROOTFS" awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)"
t_eq "--net-allow keeps the connect() filter" "$((base + 2))" \
    "$(fast --net-allow 10.0.2.2 "$ROOTFS" awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)"
t_eq "--net-fast off: only the default filter" "$((base + 1))" \
    "$(sb --net-fast off "$ROOTFS" awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)"
t_eq "--seccomp none: no filter at all" "$base" \
    "$(fast --seccomp none "$ROOTFS" awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)"
t_eq "--net none: no connect() filter" "$((base + 1))" \
    "$(fast --net none "$ROOTFS" awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)"
stop_bg
