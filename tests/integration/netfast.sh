#!/bin/bash
# netfast.sh: the fast path of published TCP ports (--net-fast on, the default): the helper's
# forwarder joins each host connection to one made inside the sandbox from 10.0.2.100, and
# splices the bytes, beside libslirp. Real traffic only to the host's loopback.
. "$(dirname "$0")/lib.sh"
net_setup

# serve OUT SANDBOX-ARGS... : start a sandbox in the background and wait until COMMAND (a
# nettool server) says it listens.
serve() {
    local out=$1; shift
    bg "$SANDBOX" "$@" >"$out" 2>&1
    wait_until 10 grep -qs listening "$out" || t_notok "the sandbox server is up ($*)" "$(cat "$out")"
}

# --- which path, and what the server inside sees --------------------------------------------------
# The peer address tells the paths apart: libslirp's connections come from the gateway 10.0.2.2,
# the forwarder's from the sandbox's own 10.0.2.100; never 127.0.0.1. tcp-peer answers only after
# the client's half-close (EOF), on the other half that is still open.
P=$(free_port)
P6=$(free_port)
# paths OUT: which fast paths the first background sandbox has: its forwarders (sandbox-portfwd
# beside the helper) and COMMAND's seccomp filters (2 with the connect() one, connect.sh), which
# COMMAND wrote to OUT.
paths() {
    local helper
    helper=$(ps -o pid=,comm= --ppid "${BG[0]}" | awk '$2 == "sandbox-net" { print $1 }')
    echo "${helper:+helper}, $(ps -o comm= --ppid "${helper:-1}" | grep -c portfwd) forwarders, $(grep filters "$1")"
}
# COMMAND's filters above the caller's own (nested, it inherits the outer sandbox's), the
# connect() one only where its listener can be had (lib.sh).
base=$(t_filters_base)
conn=1
t_connect_listener_busy && conn=0
# shellcheck disable=SC2016
filters='awk "/^Seccomp_filters:/ { print \"filters\", \$2 }" /proc/self/status; exec nettool "$@"'
serve "$T_WORK/peer.out" -p "127.0.0.1:$P:8000" -p "[::1]:$P6:8000" "$ROOTFS" sh -c "$filters" - tcp-peer 8000
t_eq "--net-fast on: a forwarder, COMMAND with the connect() filter" "helper, 1 forwarders, filters $((base + 1 + conn))" \
    "$(paths "$T_WORK/peer.out")"
t_eq "fast path: half-close passes, the reply still comes, the peer is 10.0.2.100" \
    "peer ::ffff:10.0.2.100, 5 bytes" "$("$NETTOOL" tcp-halfclose 127.0.0.1 "$P" hello 2>&1)"
t_eq "fast path over IPv6: the peer is fd00::100" \
    "peer fd00::100, 6 bytes" "$("$NETTOOL" tcp-halfclose ::1 "$P6" hello6 2>&1)"
stop_bg
# The same sandbox with --net-fast off has neither fast path. A fresh port: the first one stays
# held until the last sandbox's helper has exited, which stop_bg does not wait for.
P=$(free_port)
serve "$T_WORK/peer-off.out" --net-fast off -p "127.0.0.1:$P:8000" "$ROOTFS" sh -c "$filters" - tcp-peer 8000
t_eq "--net-fast off: libslirp as before (the peer is 10.0.2.2), half-close too" \
    "peer ::ffff:10.0.2.2, 5 bytes" "$("$NETTOOL" tcp-halfclose 127.0.0.1 "$P" hello 2>&1)"
t_eq "--net-fast off: no forwarder, COMMAND without the connect() filter" "helper, 0 forwarders, filters $((base + 1))" \
    "$(paths "$T_WORK/peer-off.out")"
stop_bg

# --- many at once -----------------------------------------------------------------------------------
P=$(free_port)
serve "$T_WORK/many.out" -p "127.0.0.1:$P:8000" "$ROOTFS" nettool tcp-echo 8000
t_eq "fast path: 300 concurrent connections, none lost" "300" "$("$NETTOOL" tcp-many 127.0.0.1 "$P" 300 2>&1)"
t_eq "fast path: and again, with the first 300 closed" "300" "$("$NETTOOL" tcp-many 127.0.0.1 "$P" 300 2>&1)"
stop_bg

# --- 1 GB each way, every byte checked --------------------------------------------------------------
# nettool's stream is a function of the byte's offset: the receiver checks each byte (stronger
# than a checksum of both ends) and its count.
GB=1000000000
P=$(free_port)
serve "$T_WORK/sink.out" -p "127.0.0.1:$P:8000" "$ROOTFS" nettool serve-sink 8000
"$NETTOOL" send 127.0.0.1 "$P" $GB
wait "${BG[@]}" 2>/dev/null
BG=()
t_eq "fast path: 1 GB host -> sandbox arrives intact" "$GB ok" "$(tail -1 "$T_WORK/sink.out")"
P=$(free_port)
serve "$T_WORK/source.out" -p "127.0.0.1:$P:8000" "$ROOTFS" nettool serve-source 8000 $GB
t_eq "fast path: 1 GB sandbox -> host arrives intact" "$GB ok" "$("$NETTOOL" recv 127.0.0.1 "$P" 2>&1)"
stop_bg

# --- refusals, never hangs ------------------------------------------------------------------------
# fast_fail DESC HOST PORT: a client is turned away (refused or reset) within a second.
fast_fail() {
    local d=$1 start end out rc
    start=$(date +%s%N)
    out=$("$NETTOOL" tcp-ask "$2" "$3" nope 2>&1)
    rc=$?
    end=$(date +%s%N)
    if [ $rc -ne 0 ] && [ $(((end - start) / 1000000)) -lt 1000 ]; then
        t_ok "$d"
    else
        t_notok "$d" "exit $rc after $(((end - start) / 1000000)) ms: $out"
    fi
}
P=$(free_port)
serve "$T_WORK/none.out" -p "127.0.0.1:$P:8000" "$ROOTFS" sh -c 'echo listening; exec sleep 100'
fast_fail "fast path: nothing listens inside: the client is reset at once" 127.0.0.1 "$P"
sup=${BG[0]}
helper=$(ps -o pid=,comm= --ppid "$sup" | awk '$2 == "sandbox-net" { print $1 }')
fwd=$(ps -o pid=,comm= --ppid "$helper" 2>/dev/null | awk '$2 == "sandbox-portfwd" { print $1 }')
if [ -n "$helper" ] && [ -n "$fwd" ]; then
    t_ok "the forwarder is the network helper's child, outside the sandbox"
else
    t_notok "the forwarder is the network helper's child, outside the sandbox" "helper '$helper', forwarder '$fwd'"
fi
# SCHED_BATCH (3), the policy field of its stat: woken by a peer, it lets that peer run on.
t_eq "the forwarder runs with SCHED_BATCH" 3 "$([ -n "$fwd" ] && awk '{ print $41 }' "/proc/$fwd/stat")"
# Inside is the sandbox's own pid namespace: a process in the host's is out of its sight. The
# forwarder is not dumpable (its ns links cannot be read): its NSpid line has as many pids as
# this shell's when it is in the same namespace, one more inside a new one.
depth() { awk '/^NSpid:/ { print NF - 1 }' "/proc/$1/status" 2>/dev/null; }
t_eq "the forwarder cannot be seen from inside (it is in the host's pid namespace)" "$(depth self)" \
    "$([ -n "$fwd" ] && depth "$fwd")"
kill -KILL "$helper" 2>/dev/null
gone() { [ ! -e "/proc/$fwd" ] || grep -q '^State:.*Z' "/proc/$fwd/status"; }
t_check "the network helper killed: the forwarder dies with it" wait_until 5 gone
out=$("$NETTOOL" tcp-ask 127.0.0.1 "$P" nope 2>&1)
t_match "the network helper killed: clients are refused" "Connection refused" "$out"
stop_bg

# --- bad input ----------------------------------------------------------------------------------------
t_setup_error "--net-fast maybe" --net-fast maybe "$ROOTFS" true
