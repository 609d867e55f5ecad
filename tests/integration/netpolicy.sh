#!/bin/bash
# netpolicy.sh: --net-allow (the egress policy) and --flow-log on the libslirp path, with real
# traffic only to services on the host's loopback, reached as 10.0.2.2 with
# --allow-host-loopback.

# Names: a resolver on a loopback address of its own, 127.77.0.4:53 (only root may bind port 53;
# its own address keeps it apart from net.sh's on 127.0.0.1), answering every name with
# 10.0.2.2. The sandbox reaches it through 10.0.2.3 once the helper's resolv.conf names it (a
# private mount namespace, below).
NP_DNS=127.77.0.4
t_root_setup() {
    cc -static -O2 -o "$1/nettool-root" "$top_srcdir/tests/integration/nettool.c" 2>/dev/null || return 0
    "$1/nettool-root" dns-server 53 $NP_DNS 10.0.2.2 >/dev/null 2>&1 &
    echo $! >"$1/npdns.pid"
}
t_root_teardown() { [ -f "$1/npdns.pid" ] && kill "$(cat "$1/npdns.pid")" 2>/dev/null; true; }
. "$(dirname "$0")/lib.sh"
net_setup

# --- bad input ---------------------------------------------------------------------------------
t_setup_error "--net-allow: a port of 0 is refused (125, one line)" --net-allow 10.0.2.2:0 "$ROOTFS" true
t_setup_error "--net-allow: a reversed port range" --net-allow 10.0.2.2:90-80 "$ROOTFS" true
t_setup_error "--net-allow: a prefix past 32" --net-allow 10.0.0.0/33 "$ROOTFS" true
t_setup_error "--net-allow: IPv6 without its ']'" --net-allow '[fd00::2:80' "$ROOTFS" true
t_setup_error "--net-allow: a name with a space" --net-allow 'bad name' "$ROOTFS" true
t_setup_error "--net-allow: a mistyped IPv4 address" --net-allow 10.0.2.300 "$ROOTFS" true
t_setup_error "--net-allow: needs --net slirp" --net none --net-allow 10.0.2.2 "$ROOTFS" true
t_setup_error "--flow-log: an empty name" --flow-log '' "$ROOTFS" true
t_setup_error "--flow-log: an fd that is not open" --flow-log 77 "$ROOTFS" true
t_setup_error "--flow-log: a file that cannot be created" --flow-log "$T_WORK/no/such/dir/log" "$ROOTFS" true
sb_run --net-allow $'\x1b[31mred' "$ROOTFS" true
t_check "--net-allow: no raw control byte in the message" sh -c '! printf "%s" "$1" | grep -q "$(printf "\033")"' - "$SB_ERR"

# --- services on the host's loopback ----------------------------------------------------------
P=$(free_port)
Q=$(free_port)
while [ $((Q - P)) -ge -1 ] && [ $((Q - P)) -le 1 ]; do Q=$(free_port); done
bg "$NETTOOL" tcp-echo "$P" 127.0.0.1 >/dev/null
bg "$NETTOOL" udp-echo "$P" 127.0.0.1 >/dev/null
bg "$NETTOOL" tcp-echo "$Q" 127.0.0.1 >/dev/null
bg "$NETTOOL" udp-echo "$Q" 127.0.0.1 >/dev/null
bg "$NETTOOL" tcp-echo "$P" ::1 >/dev/null
sleep 0.3
H=--allow-host-loopback

allowed() { # DESC SANDBOX-OPTIONS... -- nettool-ARGS...: the answer comes back
    local d=$1 opts=() msg
    shift
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    msg=${*: -1}
    sb_run "${opts[@]}" "$ROOTFS" nettool "$@"
    if [ "$SB_OUT" = "$msg" ]; then t_ok "$d"; else t_notok "$d" "out: $SB_OUT" "err: $SB_ERR"; fi
}
# Refused at once, as --allow-host-loopback's absence is (a RST for TCP, ICMP port unreachable
# for UDP): timed inside, so the sandbox's start-up does not count.
refused() { t_refused "$@"; } # DESC SANDBOX-OPTIONS... -- nettool-ARGS...

# --- no policy: today's behaviour -------------------------------------------------------------
allowed "no --net-allow: TCP to any port goes" $H -- tcp-ask 10.0.2.2 "$Q" free
allowed "no --net-allow: UDP too" $H -- udp-ask 10.0.2.2 "$Q" free-udp

# --- by address, prefix and port range --------------------------------------------------------
allowed "ADDR:PORT: TCP to it goes" $H --net-allow 10.0.2.2:"$P" -- tcp-ask 10.0.2.2 "$P" hello
allowed "ADDR:PORT: UDP to it goes" $H --net-allow 10.0.2.2:"$P" -- udp-ask 10.0.2.2 "$P" hello-udp
refused "ADDR:PORT: TCP to another port is refused within a second" $H --net-allow 10.0.2.2:"$P" -- tcp-ask 10.0.2.2 "$Q" no
refused "ADDR:PORT: UDP to another port is refused within a second" $H --net-allow 10.0.2.2:"$P" -- udp-ask 10.0.2.2 "$Q" no
allowed "ADDR/PREFIX: an address inside goes" $H --net-allow 10.0.2.0/24 -- tcp-ask 10.0.2.2 "$Q" prefix
refused "ADDR/PREFIX: an address outside is refused" $H --net-allow 10.0.3.0/24 -- tcp-ask 10.0.2.2 "$Q" no
allowed "ADDR:PORT-PORT: a port in the range goes" $H --net-allow "10.0.2.2:$((P - 1))-$((P + 1))" -- tcp-ask 10.0.2.2 "$P" range
refused "ADDR:PORT-PORT: a port outside is refused" $H --net-allow "10.0.2.2:$((P - 1))-$((P + 1))" -- tcp-ask 10.0.2.2 "$Q" no
allowed "repeated: the second entry allows too" $H --net-allow 10.0.2.2:"$P" --net-allow 10.0.2.2:"$Q" -- tcp-ask 10.0.2.2 "$Q" second
allowed "IPv6: [ADDR]:PORT lets fd00::2 reach the host's ::1" $H --net-allow "[fd00::2]:$P" -- tcp-ask fd00::2 "$P" hello6
refused "IPv6: fd00::2 is not allowed by an IPv4 entry" $H --net-allow 10.0.2.2 -- tcp-ask fd00::2 "$P" no
refused "the host-loopback rule holds on top: allowed yet refused without --allow-host-loopback" --net-allow 10.0.2.2:"$P" -- tcp-ask 10.0.2.2 "$P" no

# --- the status line and sandbox list --json --------------------------------------------------
exec 7>"$T_WORK/status"
sb --status-fd 7 --net-allow 10.0.2.2 "$ROOTFS" true
sb --status-fd 7 "$ROOTFS" true
exec 7>&-
t_eq "--status-fd: net_policy true with --net-allow, false without" "true false" \
    "$(jq -r 'select(.pid) | .net_policy' "$T_WORK/status" | tr '\n' ' ' | sed 's/ $//')"
n=np$$
"$SANDBOX" --name "$n" --net-allow 10.0.2.2 "$ROOTFS" sleep 30 >/dev/null 2>&1 &
sup=$!
# (Not jq -e: jq 1.6 exits 0 on empty input, so an empty list, before the sandbox registered,
# would count as listed; CI failed there.)
listed() { "$SANDBOX" list --json | jq -r .name | grep -qxF "$1"; }
if wait_until 10 listed "$n"; then
    t_eq "list --json: net_policy is true" "true" "$("$SANDBOX" list --json | jq -r "select(.name == \"$n\") | .net_policy")"
else
    t_notok "list --json: net_policy is true" "the sandbox was not listed"
fi
kill $sup 2>/dev/null
wait $sup 2>/dev/null

# --- the flow log -----------------------------------------------------------------------------
log=$T_WORK/flows.jsonl
sb_run $H --net-allow 10.0.2.2:"$P" --flow-log "$log" "$ROOTFS" sh -c \
    "nettool tcp-ask 10.0.2.2 $P hello; nettool udp-ask 10.0.2.2 $P hi-udp; nettool tcp-ask 10.0.2.2 $Q no; nettool udp-ask 10.0.2.2 $Q no"
# (test -s first: jq 1.6's -e passes an empty file.)
json_lines() { [ -s "$1" ] && jq -e . "$1" >/dev/null; }
t_check "--flow-log: every line is JSON" json_lines "$log"
t_eq "--flow-log: the allowed TCP flow, with its bytes both ways" "tcp 10.0.2.2 $P allowed null 5 5" \
    "$(jq -r "select(.proto == \"tcp\" and .port == $P) | \"\(.proto) \(.dst) \(.port) \(.verdict) \(.allowed_by) \(.bytes_out) \(.bytes_in)\"" "$log")"
t_eq "--flow-log: the allowed UDP flow" "udp allowed 6 6" \
    "$(jq -r "select(.proto == \"udp\" and .port == $P) | \"\(.proto) \(.verdict) \(.bytes_out) \(.bytes_in)\"" "$log")"
t_eq "--flow-log: the refused TCP and UDP flows" "tcp refused udp refused" \
    "$(jq -r "select(.port == $Q) | \"\(.proto) \(.verdict)\"" "$log" | sort | tr '\n' ' ' | sed 's/ $//')"
t_match "--flow-log: a time in UTC" '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.[0-9]{3}Z$' \
    "$(jq -r 'select(.proto == "tcp") | .time' "$log" | head -1)"
exec 8>"$T_WORK/flows-fd.jsonl"
sb $H --flow-log 8 "$ROOTFS" nettool tcp-ask 10.0.2.2 "$Q" fd >/dev/null 2>&1
exec 8>&-
t_eq "--flow-log FD: without a policy every flow is allowed, and logged" "allowed 2 2" \
    "$(jq -r "select(.port == $Q) | \"\(.verdict) \(.bytes_out) \(.bytes_in)\"" "$T_WORK/flows-fd.jsonl")"

# --- names, learnt from the sandbox's own DNS ---------------------------------------------------
if ss -Huln 2>/dev/null | grep -q "$NP_DNS:53"; then
    echo "nameserver $NP_DNS" >"$T_WORK/resolv.conf"
    # sb_ns ARGS...: the sandbox with the helper's resolv.conf naming the test's resolver.
    sb_ns() {
        unshare --user --map-root-user --mount sh -c \
            'r=$1; shift; mount --bind "$r" /etc/resolv.conf && exec "$@"' - \
            "$T_WORK/resolv.conf" "$SANDBOX" --map self "$@"
    }
    got=$(sb_ns $H --net-allow svc.test:"$P" --flow-log "$T_WORK/names.jsonl" "$ROOTFS" sh -c "
        nettool tcp-ask 10.0.2.2 $P before 2>&1 | grep -o 'Connection refused'
        nettool dns-query 10.0.2.3 53 svc.test
        nettool tcp-ask 10.0.2.2 $P after
        nettool tcp-ask 10.0.2.2 $Q other-port 2>&1 | grep -o 'Connection refused'" 2>&1)
    t_eq "NAME:PORT: refused before the name is asked, allowed by its DNS answer, for its port only" \
        "Connection refused 10.0.2.2 after Connection refused" "$(echo $got)"
    t_eq "--flow-log: allowed_by names the name" "svc.test" \
        "$(jq -r "select(.proto == \"tcp\" and .verdict == \"allowed\" and .port == $P) | .allowed_by" "$T_WORK/names.jsonl")"
    t_eq "--flow-log: the DNS query to 10.0.2.3 is a flow, allowed" "udp 10.0.2.3 53 allowed" \
        "$(jq -r 'select(.port == 53) | "\(.proto) \(.dst) \(.port) \(.verdict)"' "$T_WORK/names.jsonl")"
    # The fast path (on by default) takes only what an address entry allows: the peer is then the
    # host's 127.0.0.1, and 10.0.2.2 through libslirp, which alone learns the name's addresses.
    got=$(sb_ns $H --net-allow svc.test:"$P" --net-allow 10.0.2.2:"$Q" "$ROOTFS" sh -c "
        nettool dns-query 10.0.2.3 53 svc.test >/dev/null
        nettool tcp-info 10.0.2.2 $P; nettool tcp-info 10.0.2.2 $Q" 2>&1 | cut -d' ' -f2)
    t_eq "NAME: allowed through libslirp; an address entry's destination through the fast path" \
        "10.0.2.2 127.0.0.1" "$(echo $got)"
    got=$(sb_ns $H --net-allow other.test "$ROOTFS" sh -c "
        nettool dns-query 10.0.2.3 53 svc.test
        nettool tcp-ask 10.0.2.2 $P x 2>&1 | grep -o 'Connection refused'" 2>&1)
    t_eq "NAME: the answer for another name allows nothing" "10.0.2.2 Connection refused" "$(echo $got)"
else
    t_skip "names learnt from DNS" "no resolver on $NP_DNS:53 (the test starts one when run as root)"
fi
stop_bg
