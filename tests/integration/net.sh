#!/bin/bash
# net.sh: the slirp network, with real traffic only to the host's loopback and to the
# sandbox's own addresses.

# DNS: a resolver on the host's 127.0.0.1:53 (only root may bind port 53), which the sandbox
# reaches through 10.0.2.3 once the host-side resolv.conf names it (in a private mount ns).
t_root_setup() {
    cc -static -O2 -o "$1/nettool-root" "$top_srcdir/tests/integration/nettool.c" 2>/dev/null || return 0
    "$1/nettool-root" dns-server 53 127.0.0.1 10.9.8.7 >/dev/null 2>&1 &
    echo $! >"$1/dns.pid"
}
t_root_teardown() { [ -f "$1/dns.pid" ] && kill "$(cat "$1/dns.pid")" 2>/dev/null; true; }
. "$(dirname "$0")/lib.sh"
net_setup

# --- the interface -----------------------------------------------------------------------------
t_eq "eth0 has 10.0.2.100/24" "10.0.2.100/24" "$(sb "$ROOTFS" sh -c "ip -4 addr show eth0 | awk '/inet / { print \$2 }'")"
t_eq "eth0 has fd00::100/64" "fd00::100/64" "$(sb "$ROOTFS" sh -c "ip -6 addr show eth0 | awk '/inet6 fd00/ { print \$2 }'")"
t_eq "MTU 65520 by default" "65520" "$(sb "$ROOTFS" cat /sys/class/net/eth0/mtu)"
t_eq "--mtu 9000" "9000" "$(sb --mtu 9000 "$ROOTFS" cat /sys/class/net/eth0/mtu)"
t_eq "lo is up" "up" "$(sb "$ROOTFS" sh -c 'ip link show lo | grep -q "UP" && echo up')"
t_eq "default route via 10.0.2.2" "10.0.2.2" "$(sb "$ROOTFS" sh -c "ip -4 route | awk '/^default/ { print \$3 }'")"
t_eq "IPv6 default route via fd00::2" "fd00::2" "$(sb "$ROOTFS" sh -c "ip -6 route | awk '/^default/ { print \$3 }'")"
t_match "generated resolv.conf names 10.0.2.3" '^nameserver 10\.0\.2\.3$' "$(sb "$ROOTFS" grep nameserver /etc/resolv.conf)"
t_match "host mode: resolv.conf names 10.0.2.3 too" '^nameserver 10\.0\.2\.3$' "$(sb / grep nameserver /etc/resolv.conf)"
t_eq "host mode: the host's resolv.conf is untouched" "$(md5sum </etc/resolv.conf)" "$(sb / true; md5sum </etc/resolv.conf)"
t_eq "--net none: only lo" "lo" "$(sb --net none "$ROOTFS" ls /sys/class/net)"
exec 7>"$T_WORK/status"
sb --status-fd 7 "$ROOTFS" true
exec 7>&-
t_match "--status-fd reports the address" '"ip": "10\.0\.2\.100"' "$(head -1 "$T_WORK/status")"

# --- reaching the host's loopback --------------------------------------------------------------
P=$(free_port)
bg "$NETTOOL" tcp-echo "$P" 127.0.0.1 >/dev/null
bg "$NETTOOL" udp-echo "$P" 127.0.0.1 >/dev/null
P6=$(free_port)
bg "$NETTOOL" tcp-echo "$P6" ::1 >/dev/null
sleep 0.3
t_eq "--allow-host-loopback: TCP to 10.0.2.2 reaches the host's 127.0.0.1" "hello" \
    "$(sb --allow-host-loopback "$ROOTFS" nettool tcp-ask 10.0.2.2 "$P" hello 2>&1)"
t_eq "--allow-host-loopback: UDP to 10.0.2.2 too" "hello-udp" \
    "$(sb --allow-host-loopback "$ROOTFS" nettool udp-ask 10.0.2.2 "$P" hello-udp 2>&1)"
# The first datagram of a fresh sandbox, sent before the helper's loop has run once: libslirp
# used to stamp its session with a clock of 0 and close the socket before the reply came.
got=
for i in 1 2 3 4 5; do
    got="$got$(sb --allow-host-loopback "$ROOTFS" nettool udp-ask 10.0.2.2 "$P" "s$i" 2>&1) "
done
t_eq "--allow-host-loopback: the first UDP datagram at start-up is answered, 5 of 5" \
    "s1 s2 s3 s4 s5 " "$got"
t_eq "--allow-host-loopback: IPv6 to fd00::2 reaches the host's ::1" "hello6" \
    "$(sb --allow-host-loopback "$ROOTFS" nettool tcp-ask fd00::2 "$P6" hello6 2>&1)"
# Without it the connection is refused at once, as a firewall's REJECT does (a RST for TCP, ICMP
# port unreachable for UDP), not dropped into the client's minutes of retries. Timed inside, so
# the sandbox's start-up does not count.
refused() { local d=$1; shift; t_refused "$d" -- "$@"; } # DESC nettool-ARGS...
refused "without it, TCP to 10.0.2.2 is refused within a second" tcp-ask 10.0.2.2 "$P" nope
refused "without it, UDP to 10.0.2.2 is refused within a second (ICMP port unreachable)" udp-ask 10.0.2.2 "$P" nope
refused "without it, TCP to fd00::2 is refused within a second" tcp-ask fd00::2 "$P6" nope
refused "without it, UDP to fd00::2 is refused within a second (ICMPv6 port unreachable)" udp-ask fd00::2 "$P6" nope
refused "the DNS forwarder 10.0.2.3 refuses other ports within a second" tcp-ask 10.0.2.3 "$P" nope
sb_run "$ROOTFS" nettool tcp-ask 127.0.0.1 "$P" nope
t_check "127.0.0.1 inside is the sandbox's own loopback" test "$SB_RC" -ne 0
stop_bg

# --- the largest UDP datagram -----------------------------------------------------------------
# IP fragments never reach libslirp (its 4.7.0 reassembly corrupts memory): the largest UDP
# payload that crosses is the one the sandbox's kernel sends unfragmented, MTU - 28 over IPv4
# and MTU - 48 over IPv6 (65492 and 65472 at the default MTU), echoed by the host.
bg "$NETTOOL" udp-echo "$P" 127.0.0.1 >/dev/null
bg "$NETTOOL" udp-echo "$P" ::1 >/dev/null
sleep 0.3
t_eq "UDP: a 65492-byte datagram (MTU - 28) crosses IPv4, one more byte does not" "reply 65492 no reply" \
    "$(sb --allow-host-loopback "$ROOTFS" sh -c "nettool udp-size 10.0.2.2 $P 65492; nettool udp-size 10.0.2.2 $P 65493" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
t_eq "UDP: a 65472-byte datagram (MTU - 48) crosses IPv6, one more byte does not" "reply 65472 no reply" \
    "$(sb --allow-host-loopback "$ROOTFS" sh -c "nettool udp-size fd00::2 $P 65472; nettool udp-size fd00::2 $P 65473" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
t_eq "UDP at --mtu 1500: 1472 bytes cross, 1473 do not" "reply 1472 no reply" \
    "$(sb --mtu 1500 --allow-host-loopback "$ROOTFS" sh -c "nettool udp-size 10.0.2.2 $P 1472; nettool udp-size 10.0.2.2 $P 1473" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
stop_bg

# --- unprivileged ping (ICMP datagram sockets) -------------------------------------------------
t_match "ping_group_range spans the sandbox's groups" '^0[[:space:]]+[0-9]+$' \
    "$(sb "$ROOTFS" cat /proc/sys/net/ipv4/ping_group_range)"
t_eq "ping 10.0.2.2 without CAP_NET_RAW" "echo reply" "$(sb "$ROOTFS" nettool icmp-ping 10.0.2.2 2>&1)"
t_eq "ping 10.0.2.3 without CAP_NET_RAW" "echo reply" "$(sb "$ROOTFS" nettool icmp-ping 10.0.2.3 2>&1)"
t_eq "ping fd00::2 without CAP_NET_RAW" "echo reply" "$(sb "$ROOTFS" nettool icmp-ping fd00::2 2>&1)"
t_eq "--net none: ping 127.0.0.1 without CAP_NET_RAW" "echo reply" \
    "$(sb --net none "$ROOTFS" nettool icmp-ping 127.0.0.1 2>&1)"
t_eq "busybox ping 10.0.2.2 with --cap-add CAP_NET_RAW" "1 packets received" \
    "$(sb --cap-add CAP_NET_RAW "$ROOTFS" ping -c1 -W3 10.0.2.2 2>&1 | grep -o '1 packets received')"

# --- published ports ---------------------------------------------------------------------------
PT=$(free_port)
PU=$(free_port)
bg "$SANDBOX" -p "127.0.0.1:$PT:8000" -p "127.0.0.1:$PU:8001/udp" "$ROOTFS" sh -c \
    'nettool tcp-echo 8000 & nettool udp-echo 8001 & wait' >"$T_WORK/pub.out" 2>&1
wait_until 5 test "$(grep -c listening "$T_WORK/pub.out")" -eq 2
t_eq "-p: 200 concurrent TCP connections, none lost" "200" "$("$NETTOOL" tcp-many 127.0.0.1 "$PT" 200 2>&1)"
t_eq "-p .../udp: UDP answered through the published port" "dgram" "$("$NETTOOL" udp-ask 127.0.0.1 "$PU" dgram 2>&1)"
t_setup_error "-p of a host port already in use" -p "127.0.0.1:$PT:80" "$ROOTFS" true
stop_bg
P6=$(free_port)
bg "$SANDBOX" -p "[::1]:$P6:8000" "$ROOTFS" nettool tcp-echo 8000 >"$T_WORK/pub6.out" 2>&1
wait_until 5 grep -qs listening "$T_WORK/pub6.out"
t_eq "-p [::1]:PORT:PORT answers on the host's ::1" "six" "$("$NETTOOL" tcp-ask ::1 "$P6" six 2>&1)"
stop_bg

# --- 200 MB each way, every byte checked -------------------------------------------------------
MB200=200000000
P=$(free_port)
bg "$NETTOOL" serve-sink "$P" 127.0.0.1 >"$T_WORK/sink.out"
wait_until 5 grep -qs listening "$T_WORK/sink.out"
sb --allow-host-loopback "$ROOTFS" nettool send 10.0.2.2 "$P" $MB200
wait "${BG[@]}" 2>/dev/null
BG=()
t_eq "200 MB sandbox -> host arrive intact" "$MB200 ok" "$(tail -1 "$T_WORK/sink.out")"
P=$(free_port)
bg "$SANDBOX" -p "127.0.0.1:$P:8000" "$ROOTFS" nettool serve-sink 8000 >"$T_WORK/sink2.out" 2>&1
wait_until 5 grep -qs listening "$T_WORK/sink2.out"
"$NETTOOL" send 127.0.0.1 "$P" $MB200
wait "${BG[@]}" 2>/dev/null
BG=()
t_eq "200 MB host -> sandbox (published port) arrive intact" "$MB200 ok" "$(tail -1 "$T_WORK/sink2.out")"

# --- DNS through 10.0.2.3, answered by the resolver on the host's loopback -----------------------
if ss -Huln 'sport = :53' 2>/dev/null | grep -q '127.0.0.1:53'; then
    echo "nameserver 127.0.0.1" >"$T_WORK/resolv.conf"
    got=$(unshare --user --map-root-user --mount sh -c \
        'mount --bind "$1" /etc/resolv.conf && exec "$2" --map self "$3" nettool dns-query 10.0.2.3 53 test.sandbox.invalid' \
        - "$T_WORK/resolv.conf" "$SANDBOX" "$ROOTFS" 2>&1)
    t_eq "DNS: a query to 10.0.2.3 is answered by the host's resolver" "10.9.8.7" "$got"
    # --dns: the resolver the generated resolv.conf names is the one asked (here the host's
    # loopback resolver, through 10.0.2.2).
    t_match "--dns 10.0.2.2: names resolve through the given server" "10\.9\.8\.7" \
        "$(sb --allow-host-loopback --dns 10.0.2.2 "$ROOTFS" nslookup test.sandbox.invalid 2>&1)"
else
    t_skip "DNS through 10.0.2.3" "no resolver on 127.0.0.1:53 (the test starts one when run as root)"
fi

# --- the helper ends with the sandbox -----------------------------------------------------------
"$SANDBOX" "$ROOTFS" sleep 100 &
sup=$!
# Both must be found first, or the check below would pass on an empty list.
kids_named() { [ "$(ps -o comm= --ppid $sup | sort | tr '\n' ' ')" = "sandbox-init sandbox-net " ]; }
if wait_until 10 kids_named; then
    t_ok "the sandbox runs init and the network helper as its children"
else
    t_notok "the sandbox runs init and the network helper as its children" "children: $(ps -o pid=,comm= --ppid $sup | tr '\n' ' ')"
fi
kids=$(ps -o pid= --ppid $sup | tr -d ' ' | tr '\n' ' ')
kill -KILL $sup
wait $sup 2>/dev/null
kids_alive() { local k; for k in $kids; do [ -e /proc/$k ] && ! grep -q '^State:.*Z' /proc/$k/status && echo $k; done; }
none_alive() { [ -z "$(kids_alive)" ]; }
wait_until 5 none_alive
t_eq "SIGKILL of sandbox: init and the network helper are gone" "" "$(kids_alive)"

# --- bad input ----------------------------------------------------------------------------------
t_setup_error "-p abc" -p abc "$ROOTFS" true
t_setup_error "-p 70000:80" -p 70000:80 "$ROOTFS" true
t_setup_error "-p 1:2:3:4" -p 1:2:3:4 "$ROOTFS" true
t_setup_error "--mtu 0" --mtu 0 "$ROOTFS" true
t_setup_error "--mtu 1000000" --mtu 1000000 "$ROOTFS" true
t_setup_error "--net bogus" --net bogus "$ROOTFS" true
