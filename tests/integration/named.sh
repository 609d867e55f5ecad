#!/bin/bash
# named.sh: --name, sandbox exec, sandbox list [--json], and the cgroup v2 limits.
. "$(dirname "$0")/lib.sh"
make_rootfs

n=t$$
listed() { "$SANDBOX" list | awk 'NR > 1 { print $1 }' | grep -qx "$1"; }
not_listed() { ! listed "$1"; }

"$SANDBOX" --net none --name "$n" --hostname named-box "$ROOTFS" \
    sh -c 'echo tmpfs-content >/tmp/f; echo ready; exec sleep 100' >"$T_WORK/a.out" 2>&1 &
sup=$!
if ! wait_until 10 listed "$n"; then
    t_notok "--name: the sandbox is listed" "$(cat "$T_WORK/a.out")"
    kill -KILL $sup 2>/dev/null
    exit 0
fi
t_ok "--name: the sandbox is listed"
t_match "list: a header and a line NAME PID AGE ROOTFS COMMAND" "^$n +$sup +[0-9]+s +$ROOTFS +sh -c echo tmpfs-content" \
    "$("$SANDBOX" list | grep "^$n ")"
t_eq "list: the header" "NAME PID AGE ROOTFS COMMAND" "$("$SANDBOX" list | head -1 | tr -s ' ')"

sb_run exec "$n" hostname
t_eq "exec: the same hostname" "named-box" "$SB_OUT"
sb_run exec "$n" cat /tmp/f
t_eq "exec: the same /tmp tmpfs" "tmpfs-content" "$SB_OUT"
sb_run exec "$n" sh -c 'cat /proc/1/comm; cat /proc/[0-9]*/comm | grep -x sleep'
t_eq "exec: the same pid namespace (init is pid 1, the command is visible)" "sandbox-init sleep" "$(echo $SB_OUT)"
sb_run exec "$n" sh -c 'exit 7'
t_eq "exec: the exit status is the command's" 7 "$SB_RC"
sb_run exec "$n" sh -c 'kill -TERM $$'
t_eq "exec: 128+N for a signal" 143 "$SB_RC"
sb_run exec "$n" sh -c 'echo $container $HOME; pwd; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"'
t_eq "exec: the sandbox's environment, workdir, no_new_privs and seccomp" \
    "sandbox /root / NoNewPrivs:1 Seccomp:2" "$(echo $SB_OUT)"
sb_run exec -w /tmp -e FOO=bar "$n" sh -c 'pwd; echo $FOO'
t_eq "exec -w DIR -e NAME=VALUE" "/tmp bar" "$(echo $SB_OUT)"
sb_run exec --user 0:0 "$n" id -u
t_eq "exec --user" "0" "$SB_OUT"
sb_run exec "$n" no-such-command
t_eq "exec: 127 for a command not found" 127 "$SB_RC"
ls -l /proc/$$/fd >/dev/null
sb_run exec "$n" sh -c 'ls /proc/self/fd | tr "\n" " "'
t_eq "exec: only 0, 1, 2 (and ls's own) are open" "0 1 2 3 " "$SB_OUT"

if command -v jq >/dev/null; then
    t_eq "list --json: jq parses it" "$n $sup sh" \
        "$("$SANDBOX" list --json | jq -r "select(.name == \"$n\") | \"\(.name) \(.pid) \(.command[0])\"")"
else
    t_skip "list --json: jq parses it" "jq not installed"
fi

# A 70 KB command line (the text entry of old was cut at 64 KiB, and such a sandbox ran but was
# missing from list, and exec failed): listed, exec'd into, whole in list --json.
big=$(head -c 70000 /dev/zero | tr '\0' x)
"$SANDBOX" --net none --name "big$n" "$ROOTFS" sh -c 'exec sleep 100' "$big" >/dev/null 2>&1 &
bigsup=$!
if wait_until 10 listed "big$n"; then t_ok "a 70 KB command line: listed"; else t_notok "a 70 KB command line: listed"; fi
sb_run exec "big$n" echo in
t_eq "a 70 KB command line: exec works" "in 0" "$SB_OUT $SB_RC"
if command -v jq >/dev/null; then
    t_eq "a 70 KB command line: list --json has it whole" 70000 \
        "$("$SANDBOX" list --json | jq -r "select(.name == \"big$n\") | .command[3] | length")"
else
    t_skip "a 70 KB command line: list --json has it whole" "jq not installed"
fi
kill -TERM $bigsup
wait $bigsup 2>/dev/null

# Two sandboxes with the same name: the second is refused.
t_setup_error "a duplicate --name is exit 125, one line" --net none --name "$n" "$ROOTFS" true
t_match "and names the holder" "already in use by pid $sup" "$SB_ERR"

# A normal end forgets it.
kill -TERM $sup
wait $sup
if wait_until 5 not_listed "$n"; then t_ok "list forgets it after a normal exit"; else t_notok "list forgets it after a normal exit"; fi
t_eq "and its files are gone" "" "$(ls "$(state_dir)" 2>/dev/null | grep "^$n\.")"
t_setup_error "exec of a sandbox that ended: 125, one line" exec "$n" true

# After SIGKILL of the supervisor the next list cleans up, and the name is free again.
"$SANDBOX" --net none --name "$n" "$ROOTFS" sleep 100 >/dev/null 2>&1 &
sup=$!
# Listed and on disk first, or the checks below would pass on a sandbox never registered.
if wait_until 10 listed "$n"; then t_ok "listed again under the freed name"; else t_notok "listed again under the freed name"; fi
t_match "its state files exist before the SIGKILL" "^$n\\." "$(ls "$(state_dir)" 2>/dev/null | grep "^$n\.")"
kill -KILL $sup
wait $sup 2>/dev/null
if wait_until 5 not_listed "$n"; then t_ok "list forgets it after SIGKILL of the supervisor"; else t_notok "list forgets it after SIGKILL of the supervisor"; fi
t_eq "and removes its stale files" "" "$(ls "$(state_dir)" 2>/dev/null | grep "^$n\.")"
sb_run --net none --name "$n" "$ROOTFS" true
t_eq "the name can be used again" "0" "$SB_RC"

t_setup_error "exec of an unknown name: 125, one line" exec "no-such-$n" true
t_setup_error "exec of an invalid name: 125, one line" exec "a b" true
t_setup_error "--name with a slash" --net none --name a/b "$ROOTFS" true
t_setup_error "--timeout -1" --net none --timeout -1 "$ROOTFS" true
t_setup_error "--memory 12q" --net none --memory 12q "$ROOTFS" true
t_setup_error "--pids 0" --net none --pids 0 "$ROOTFS" true
t_setup_error "--cpus abc" --net none --cpus abc "$ROOTFS" true

# cgroup v2 limits: where there is no delegated cgroup v2, a clear refusal.
sb_run --net none --memory 64m "$ROOTFS" true
if [ "$SB_RC" -eq 125 ]; then
    t_match "--memory without a delegated cgroup v2: exit 125 saying so" \
        '^sandbox: --memory: needs a delegated cgroup v2 \(this host has no cgroup v2 with the memory controller delegated to you; on systemd, run under `systemd-run --user --scope -p Delegate=yes`\)$' "$SB_ERR"
    t_setup_error "--pids without a delegated cgroup v2: one line" --net none --pids 10 "$ROOTFS" true
    why="no cgroup v2 with the memory controller delegated to $(id -un) here (cgroup: $(grep '^0::' /proc/self/cgroup)${SANDBOX_TEST_CGROUP:+; SANDBOX_TEST_CGROUP=$SANDBOX_TEST_CGROUP is not an ancestor of our own cgroup})"
    t_skip_host "--memory/--pids/--cpus limits are written to the sandbox's cgroup" "$why"
    t_skip_host "a fork bomb under --pids ends and the host can still fork" "$why"
else
    t_eq "--memory with a delegated cgroup v2 runs" 0 "$SB_RC"
    "$SANDBOX" --net none --name "cg$n" --memory 64m --pids 50 --cpus 0.5 "$ROOTFS" sleep 100 >/dev/null 2>&1 &
    sup=$!
    if wait_until 10 listed "cg$n"; then t_ok "a sandbox with limits is listed"; else t_notok "a sandbox with limits is listed"; fi
    cg=$("$SANDBOX" list --json | sed -n "s/.*\"name\": \"cg$n\".*\"cgroup\": \"\([^\"]*\)\".*/\1/p")
    t_check "list --json names its cgroup, a directory" test -n "$cg" -a -d "$cg"
    t_eq "--memory/--pids/--cpus limits are written to the sandbox's cgroup" "67108864 50 50000 100000" \
        "$(cat "$cg/memory.max" "$cg/pids.max" "$cg/cpu.max" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
    kill -TERM $sup; wait $sup
    t_check "its cgroup is removed at exit" test -n "$cg" -a ! -e "$cg"
    sb_run --net none --pids 20 --timeout 20 "$ROOTFS" sh -c 'i=0; while [ $i -lt 100 ]; do sleep 2 & i=$((i+1)); done 2>/dev/null; wait; echo ended'
    t_eq "a fork bomb under --pids ends" "ended" "$SB_OUT"
    t_check "and the host can still fork" sh -c 'true & wait' 
fi

# list shows the ROOTFS and COMMAND columns with control characters escaped, as messages do.
esc_rootfs=$T_WORK/r$'\033[1m\n'x
mv "$ROOTFS" "$esc_rootfs"
"$SANDBOX" --net none --name "esc$n" "$esc_rootfs" sh -c "sleep 100; : $(printf '\033]0;t\a')" >/dev/null 2>&1 &
sup=$!
if wait_until 10 listed "esc$n"; then
    line=$("$SANDBOX" list | grep "^esc$n ")
    t_match "list: ROOTFS and COMMAND escaped" " $T_WORK/r\\\\033\\[1m\\\\nx +sh -c sleep 100; : \\\\033]0;t\\\\a\$" "$line"
    t_eq "list: and no raw control byte" "" "$("$SANDBOX" list | tr -d '\n\040-\176' | od -An -c)"
else
    t_notok "list: ROOTFS and COMMAND escaped" "the sandbox was not listed"
fi
kill -TERM $sup 2>/dev/null
wait $sup
mv "$esc_rootfs" "$ROOTFS"
