#!/bin/bash
# terminal.sh: sandbox as a job of an interactive shell: started in the background it must
# not stop itself on the terminal (SIGTTOU/SIGTTIN), and `fg` gives it the terminal.
. "$(dirname "$0")/lib.sh"
make_rootfs

if ! command -v python3 >/dev/null; then
    t_skip "terminal: an interactive shell on a pty" "python3 not installed"
    exit 0
fi

# shell.py LINE...: an interactive bash on a fresh pty (the caller's terminal, with job
# control), typing each LINE and waiting for its next prompt; "LINE<TAB>MARKER" waits for
# MARKER instead, "LINE<TAB>" half a second (for a line that starts a foreground job). Prints what the terminal showed,
# then whether the terminal's settings after are those before ("TERMIOS same|changed").
cat >"$T_WORK/shell.py" <<'PY'
import os, pty, sys, time, select, termios
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "PROMPT$ "
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
out = b""
def read_until(done, timeout=10):
    global out
    end = time.time() + timeout
    while time.time() < end and not done():
        if select.select([fd], [], [], 0.05)[0]:
            try: out += os.read(fd, 4096)
            except OSError: return
prompts = lambda: out.count(b"PROMPT$ ")
read_until(lambda: prompts() == 1)
before = termios.tcgetattr(fd)
for arg in sys.argv[1:]:
    line, tab, marker = arg.partition("\t")
    n = prompts()
    os.write(fd, line.encode() + b"\n")
    if tab and not marker:
        time.sleep(0.5)
    elif tab:
        read_until(lambda: marker.encode() in out[-4096:])
    else:
        read_until(lambda: prompts() > n)
after = termios.tcgetattr(fd)
os.write(fd, b"exit\n")
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
print("\nTERMIOS", "same" if before == after else "changed")
PY
shell() { python3 "$T_WORK/shell.py" "$@"; }
SB="$SANDBOX --net none $ROOTFS"

# A background job with the shell's terminal as stdin and stdout: it runs (and writes), and
# `jobs` shows it running, never "Stopped".
out=$(shell "$SB sh -c 'sleep 1; echo bg-out-\$((6*7))' &" "jobs" "wait; echo rc=\$?")
t_match "a background sandbox is not stopped by the terminal" "Running" "$(printf '%s\n' "$out" | grep -E 'Running|Stopped')"
t_match "its output reaches the terminal" "bg-out-42" "$out"
t_match "and it ends with its command's status" "rc=0" "$out"
t_eq "the shell's terminal settings are untouched" "same" "$(printf '%s\n' "$out" | sed -n 's/^TERMIOS //p')"

# Brought to the foreground, it gets the terminal's input (typed before the relay looks, the
# line waits in the terminal; never read, the test times out).
out=$(shell "$SB sh -c 'read x; echo got-\$x' &" "jobs" "fg; echo rc=\$?	" "abc")
t_match "fg: the job then reads the terminal" "got-abc" "$out"
t_match "fg: and ends normally" "rc=0" "$out"
t_eq "fg: the shell's terminal settings are restored" "same" "$(printf '%s\n' "$out" | sed -n 's/^TERMIOS //p')"
