#!/bin/sh
# Drive tests/manual/ttyrelay (built as $RELAY, default ./ttyrelay) in a detached tmux session
# and check: window size at start and on resize, Ctrl-C delivered once, termios restored at
# exit and after SIGTERM, TIOCSTI from inside never reaching the caller's terminal.
# Usage: RELAY=/path/to/ttyrelay sh tests/manual/ttyrelay.sh
set -u
RELAY=${RELAY:-./ttyrelay}
S=ttyrelay-test-$$
fail=0
pane() { tmux capture-pane -p -t "$S" -S -100; }
send() { tmux send-keys -t "$S" "$@"; }
# wait until the pane shows $1 (up to ~5 s)
expect() {
	[ -n "${DEBUG:-}" ] && pane | grep -v "^$" | tail -3
	i=0
	while [ $i -lt 50 ]; do
		pane | grep -q -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "FAIL: did not see '$1'"; pane | tail -15; fail=1; return 1
}
ok() { echo "ok: $1"; }

tmux -f /dev/null new-session -d -s "$S" -x 100 -y 30 "env PS1='outer\$ ' sh"
tmux set -t "$S" status off
expect 'outer\$' || exit 1
send "stty -g > /tmp/$S.before" Enter
send "$RELAY env PS1='inner\$ ' sh" Enter
expect 'inner\$' && ok "relay started"

send "stty size" Enter
expect '^30 100' && ok "window size at start"
tmux resize-window -t "$S" -x 120 -y 40
sleep 0.3
send "stty size" Enter
expect '^40 120' && ok "window size after resize (SIGWINCH)"

send "perl -e '\$n=0; \$SIG{INT}=sub{\$n++}; print qq(READY\\n); \$t=time+2; while(time<\$t){select(undef,undef,undef,0.05)} print qq(INTS \$n\\n)'" Enter
expect '^READY' && send C-c
expect 'INTS 1$' && ok "Ctrl-C delivered once"

# TIOCSTI on its own terminal (the pty) is all the command can reach.
send "perl -e 'ioctl(STDIN, 0x5412, \$_) or print qq(sti: \$!\\n) for split //, qq(echo INJ\"\"ECTED\\n)'; exit" Enter
expect 'outer\$' && ok "inner shell exited, back in the outer one"
sleep 0.5
if pane | grep -q '^INJECTED'; then echo "FAIL: TIOCSTI output ran somewhere"; pane | tail; fi
send "stty -g > /tmp/$S.after; cmp /tmp/$S.before /tmp/$S.after && echo TERMIOS-SAME" Enter
expect '^TERMIOS-SAME' && ok "termios restored at exit"

send "perl -e 'use Fcntl; print fcntl(STDIN, F_GETFL, 0) & O_NONBLOCK ? qq(NONBLOCK\\n) : qq(BLOCK-OK\\n)'" Enter
expect '^BLOCK-OK' && ok "caller's stdin left blocking"

# Without a pty (stdout not a terminal): a new session, so TIOCSTI on the caller's terminal
# is refused by the kernel (as a non-root caller; root has CAP_SYS_ADMIN and passes).
send "$RELAY perl -e 'ioctl(STDIN, 0x5412, \$_) or print qq(sti: \$!\\n) for split //, qq(x)' | cat" Enter
if [ "$(id -u)" != 0 ]; then
	expect '^sti: Operation not permitted' && ok "no pty: TIOCSTI refused"
fi

send "clear; $RELAY env PS1='inner\$ ' sh" Enter
expect 'inner\$'
send "echo \$PPID > /tmp/$S.pid" Enter
sleep 0.3
kill -TERM "$(cat /tmp/$S.pid)"
expect 'killed by signal 15' && ok "SIGTERM ends the relay"
send "stty -g > /tmp/$S.after2; cmp /tmp/$S.before /tmp/$S.after2 && echo TERMIOS-SAME2" Enter
expect '^TERMIOS-SAME2' && ok "termios restored after SIGTERM"

tmux kill-session -t "$S"
rm -f /tmp/$S.*
[ $fail = 0 ] && echo "all ok"
exit $fail
