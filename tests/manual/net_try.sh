#!/bin/bash
# Manual network checks; host servers: http 127.0.0.1:18080, [::1]:18081, udp echo 127.0.0.1:18095,
# accept loggers 127.0.0.1:18090 [::1]:18091.
NT=${NT:-/tmp/net_try}
R() { runuser -u netdev -- $NT "$@" </dev/null; }
ok() { echo "PASS $1"; }; bad() { echo "FAIL $1"; }
[ "$(R -l -- curl -sS -m 3 http://10.0.2.2:18080/)" = hello-from-host ] && ok "tcp4 to host loopback, allowed" || bad "tcp4 allowed"
[ "$(R -l -- curl -sS -m 3 'http://[fd00::2]:18081/')" = hello-from-host ] && ok "tcp6 to host loopback, allowed" || bad "tcp6 allowed"
R -- curl -sS -m 3 http://10.0.2.2:18080/ >/dev/null 2>&1 && bad "tcp4 denied" || ok "tcp4 to host loopback, denied"
R -- curl -sS -m 3 'http://[fd00::2]:18081/' >/dev/null 2>&1 && bad "tcp6 denied" || ok "tcp6 to host loopback, denied"
R -- curl -sS -m 3 http://10.0.2.7:18080/ >/dev/null 2>&1 && bad "alias .7 denied" || ok "tcp4 via other alias 10.0.2.7, denied"
R -- curl -sS -m 3 http://10.0.2.3:18080/ >/dev/null 2>&1 && bad "dns alias other port denied" || ok "tcp4 via 10.0.2.3:18080, denied"
[ "$(R -l -- /usr/bin/python3 /tmp/udpask.py 10.0.2.2 18095)" = echo:ping ] && ok "udp4 to host loopback, allowed" || bad "udp allowed"
R -- /usr/bin/python3 /tmp/udpask.py 10.0.2.2 18095 >/dev/null && bad "udp denied" || ok "udp4 to host loopback, denied"
for mode in "" "-l"; do
  : > /tmp/accept4.log; : > /tmp/accept6.log
  R $mode -- sh -c '/usr/bin/python3 /tmp/craft.py 127.0.0.1 18090; /usr/bin/python3 /tmp/craft.py 0.0.0.0 18090; /usr/bin/python3 /tmp/craft.py ::1 18091; /usr/bin/python3 /tmp/craft.py ::ffff:127.0.0.1 18090' >/dev/null 2>&1
  sleep 0.3
  n=$(cat /tmp/accept4.log /tmp/accept6.log | grep -c ACCEPT)
  [ "$n" = 0 ] && ok "crafted SYNs to 127.0.0.1/0.0.0.0/::1/::ffff:127.0.0.1 ($mode): 0 accepted" || bad "crafted SYNs ($mode): $n accepted"
done
for mode in "" "-l"; do
  R $mode -p 18101:9000/udp -p 18100:8000 -p '[::1]:18102:8000' -- sh -c '/usr/bin/python3 /tmp/udpecho.py 0.0.0.0 9000 & U=$!; cd /tmp/www; /usr/bin/python3 -m http.server 8000 --bind :: >/dev/null 2>&1 & H=$!; sleep 4; kill $U $H' >/dev/null 2>&1 &
  sleep 1.5
  [ "$(python3 /tmp/udpask.py 127.0.0.1 18101)" = echo:ping ] && ok "publish udp ($mode)" || bad "publish udp ($mode)"
  [ "$(curl -sS -m 3 http://127.0.0.1:18100/)" = hello-from-host ] && ok "publish tcp4 ($mode)" || bad "publish tcp4 ($mode)"
  [ "$(curl -sS -m 3 'http://[::1]:18102/')" = hello-from-host ] && ok "publish tcp6 ($mode)" || bad "publish tcp6 ($mode)"
  wait
done
out=$(R -p 18080:80 -- true 2>&1); rc=$?
[ $rc = 125 ] && echo "$out" | grep -q "publish 127.0.0.1:18080/tcp: Address already in use" && ok "taken port: $out" || bad "taken port rc=$rc $out"
out=$(R -p '[::1]:18081:80' -- true 2>&1); rc=$?
[ $rc = 125 ] && ok "taken v6 port: $out" || bad "taken v6 port rc=$rc $out"
out=$(R -p 18095:80/udp -- true 2>&1); rc=$?
[ $rc = 125 ] && ok "taken udp port: $out" || bad "taken udp port rc=$rc $out"
