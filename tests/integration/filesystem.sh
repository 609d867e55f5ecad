#!/bin/bash
# filesystem.sh: the mounts of the contract, checked by their effects on the host.
. "$(dirname "$0")/lib.sh"
make_rootfs
mkdir -p "$T_WORK/host"

t_eq "a file written in /tmp is there inside" "secret" \
    "$(sb --net none "$ROOTFS" sh -c 'echo secret >/tmp/canary && cat /tmp/canary' 2>&1)"
t_check "a file written in /tmp is not in the rootfs' /tmp" test ! -e "$ROOTFS/tmp/canary"
t_check "nor in the host's /tmp" test ! -e /tmp/canary
t_eq "/tmp is a tmpfs" "tmpfs" "$(sb --net none "$ROOTFS" sh -c "awk '\$2 == \"/tmp\" { print \$3 }' /proc/mounts")"

sb --net none "$ROOTFS" sh -c 'echo kept >/written-by-sandbox'
t_eq "the rootfs is writable by default" "kept" "$(cat "$ROOTFS/written-by-sandbox" 2>/dev/null)"
sb_run --net none --ro "$ROOTFS" sh -c 'echo x >/ro-test'
t_match "--ro: a write to / fails: read-only file system" "Read-only file system" "$SB_RC $SB_ERR"
t_check "--ro: nothing written in the rootfs" test ! -e "$ROOTFS/ro-test"
t_eq "--ro: /tmp stays writable" "ok" "$(sb --net none --ro "$ROOTFS" sh -c 'echo ok >/tmp/x && cat /tmp/x')"

echo from-host >"$T_WORK/host/in"
sb --net none --bind "$T_WORK/host" /mnt/host "$ROOTFS" sh -c 'cat /mnt/host/in >/mnt/host/out'
t_eq "--bind: a file written inside is on the host" "from-host" "$(cat "$T_WORK/host/out" 2>/dev/null)"
sb_run --net none --ro-bind "$T_WORK/host" /mnt/ro "$ROOTFS" sh -c 'cat /mnt/ro/in; echo x >/mnt/ro/new'
t_eq "--ro-bind: readable" "from-host" "$SB_OUT"
t_match "--ro-bind: a write fails: read-only file system" "Read-only file system" "$SB_ERR"
t_check "--ro-bind: and leaves nothing" test "$SB_RC" -ne 0 -a ! -e "$T_WORK/host/new"
echo one >"$T_WORK/file"
t_eq "--bind of a single file" "one" "$(sb --net none --bind "$T_WORK/file" /etc/single "$ROOTFS" cat /etc/single)"
t_eq "--tmpfs: writable inside" "x" "$(sb --net none --tmpfs /var/scratch "$ROOTFS" sh -c 'echo x >/var/scratch/f && cat /var/scratch/f' 2>&1)"
t_check "--tmpfs: writes stay out of the rootfs" test ! -e "$ROOTFS/var/scratch/f"
t_eq "mounts apply in order: a later --tmpfs covers a --bind" "" \
    "$(sb --net none --bind "$T_WORK/host" /mnt/h --tmpfs /mnt/h "$ROOTFS" ls /mnt/h)"

# Nothing mounted inside appears on the host, even while the sandbox runs.
"$SANDBOX" --net none "$ROOTFS" sleep 2 &
pid=$!
sleep 0.5
if grep -q "$ROOTFS" /proc/self/mountinfo; then t_notok "no mount of the sandbox is visible on the host"; else t_ok "no mount of the sandbox is visible on the host"; fi
wait $pid

# An untrusted rootfs: symlinks at mount destinations point out of it.
mkdir -p "$T_WORK/victim"
make_rootfs "$T_WORK/evil"
rm -rf "$T_WORK/evil/tmp" "$T_WORK/evil/mnt"
ln -s "$T_WORK/victim" "$T_WORK/evil/tmp"
ln -s ../../../../../../../.."$T_WORK/victim" "$T_WORK/evil/mnt"
sb --net none "$T_WORK/evil" sh -c 'echo pwned >/tmp/pwned' >/dev/null 2>&1
t_check "a /tmp symlink out of the rootfs: nothing lands on the host" test ! -e "$T_WORK/victim/pwned"
sb_run --net none --bind "$T_WORK/host" /mnt/x "$T_WORK/evil" sh -c 'echo pwned >/mnt/x/pwned2'
t_check "a destination behind a ../ symlink is refused (it would leave the rootfs)" test "$SB_RC" -eq 125
t_check "and the host directory it names is untouched" test -z "$(ls -A "$T_WORK/victim")"
ROOTFS=$T_WORK/rootfs

t_eq "/dev holds the contract's entries" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
    "$(sb --net none "$ROOTFS" ls /dev | tr '\n' ' ' | sed 's/ $//')"
t_eq "/dev/null works" "" "$(sb --net none "$ROOTFS" sh -c 'echo x >/dev/null; cat /dev/null')"
t_eq "/dev/zero works" "4" "$(sb --net none "$ROOTFS" sh -c 'head -c 4 /dev/zero | wc -c')"
t_eq "/dev/pts is a new devpts instance" "devpts" "$(sb --net none "$ROOTFS" sh -c "awk '\$2 == \"/dev/pts\" { print \$3 }' /proc/mounts")"
sb_run --net none "$ROOTFS" sh -c 'echo 1 >/proc/sys/kernel/domainname'
t_check "/proc/sys is read-only" test "$SB_RC" -ne 0
sb_run --net none "$ROOTFS" sh -c 'echo 1 >/sys/kernel/profiling || touch /sys/x'
t_check "/sys is read-only" test "$SB_RC" -ne 0
sb_run --net none "$ROOTFS" sh -c 'echo b >/proc/sysrq-trigger'
t_check "/proc/sysrq-trigger refuses writes" test "$SB_RC" -ne 0
# A host process with a name of its own must not be in the sandbox's /proc (not a pid number:
# nested, this script's own pid is small enough to be one of the sandbox's).
pidmark=sandbox-pidmark-$RANDOM
(exec -a "$pidmark" sleep 30) &
markpid=$!
# (waited for: the subshell's exec, which gives the name, may come a moment later)
t_check "/proc (control): the host's /proc shows the marked process" \
    wait_until 5 grep -qs "$pidmark" "/proc/$markpid/cmdline"
sb_run --net none "$ROOTFS" sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\000" "\n" <"$f"; done'
if [ "$SB_RC" = 0 ]; then got=$(printf '%s\n' "$SB_OUT" | grep -cx "$pidmark"); else got="the sandbox failed: $SB_RC $SB_ERR"; fi
t_eq "/proc is the sandbox's own (the host's pids are not in it)" "0" "$got"
kill "$markpid"
wait "$markpid" 2>/dev/null

sb_run --net none --tmp-size 1m "$ROOTFS" sh -c 'head -c 2000000 /dev/zero >/tmp/big'
t_check "--tmp-size 1m: writing 2 MB to /tmp fails" test "$SB_RC" -ne 0

t_eq "generated /etc/hostname" "box" "$(sb --net none --hostname box "$ROOTFS" cat /etc/hostname)"
t_match "generated /etc/hosts names the hostname" "box" "$(sb --net none --hostname box "$ROOTFS" cat /etc/hosts)"
before=$(md5sum "$ROOTFS/etc/hosts" "$ROOTFS/etc/resolv.conf" "$ROOTFS/etc/hostname")
sb --net none "$ROOTFS" sh -c 'echo x >>/etc/hosts' 2>/dev/null
t_eq "the rootfs' own /etc files stay untouched" "$before" "$(md5sum "$ROOTFS/etc/hosts" "$ROOTFS/etc/resolv.conf" "$ROOTFS/etc/hostname")"

# --dns and --add-host shape the generated files; a user's bind over one of them wins.
t_eq "--dns replaces 10.0.2.3 (repeatable, in order)" "nameserver 192.0.2.53 nameserver 2001:db8::53" \
    "$(sb --net none --dns 192.0.2.53 --dns 2001:db8::53 "$ROOTFS" grep nameserver /etc/resolv.conf | tr '\n' ' ' | sed 's/ $//')"
t_eq "--add-host adds lines to the generated hosts" "192.0.2.7 db|2001:db8::9 cache" \
    "$(sb --net none --add-host db:192.0.2.7 --add-host 'cache:[2001:db8::9]' "$ROOTFS" \
        sh -c 'grep -E "(db|cache)\$" /etc/hosts' | tr '\t\n' ' |' | sed 's/|$//')"
t_setup_error "--dns of a name is refused" --net none --dns example.org "$ROOTFS" true
t_setup_error "--add-host without an address is refused" --net none --add-host db "$ROOTFS" true
t_setup_error "--add-host with a blank in the name is refused" --net none --add-host 'a b:192.0.2.1' "$ROOTFS" true
printf '192.0.2.99 mine\n' >"$T_WORK/my-hosts"
printf 'nameserver 192.0.2.98\n' >"$T_WORK/my-resolv"
printf 'myname\n' >"$T_WORK/my-hostname"
for root in "$ROOTFS" /; do
    what=rootfs; [ "$root" = / ] && what="host mode"
    t_eq "$what: a --ro-bind over /etc/hosts, resolv.conf, hostname wins" \
        "192.0.2.99 mine|nameserver 192.0.2.98|myname" \
        "$(sb --net none --ro-bind "$T_WORK/my-hosts" /etc/hosts --ro-bind "$T_WORK/my-resolv" /etc/resolv.conf \
            --ro-bind "$T_WORK/my-hostname" /etc/hostname "$root" cat /etc/hosts /etc/resolv.conf /etc/hostname 2>&1 |
            tr '\n' '|' | sed 's/|$//')"
done
sb --net none --bind "$T_WORK/my-hosts" /etc/hosts "$ROOTFS" sh -c 'echo 192.0.2.100 added >>/etc/hosts'
t_eq "a --bind over /etc/hosts is the user's file, writable" "192.0.2.100 added" "$(tail -1 "$T_WORK/my-hosts")"

# Host mode: the host's root, read-only, with private /tmp.
sb_run --net none / sh -c 'touch /usr/sandbox-test-ro'
t_match "host mode: the host's root is read-only" "Read-only file system" "$SB_ERR"
t_check "host mode: and nothing was written" test "$SB_RC" -ne 0 -a ! -e /usr/sandbox-test-ro
t_eq "host mode: /tmp is writable inside" "x" "$(sb --net none / sh -c 'echo x >/tmp/host-mode-canary && cat /tmp/host-mode-canary' 2>&1)"
t_check "host mode: /tmp is private" test ! -e /tmp/host-mode-canary
t_eq "host mode: the working directory is the caller's" "$HOME" "$(cd "$HOME" && sb --net none / pwd)"
t_eq "host mode: a directory hidden by the private /tmp falls back to /" "/" "$(cd "$T_WORK" && sb --net none / pwd)"
err=$(cd "$T_WORK" && sb --net none / true 2>&1 >/dev/null)
t_match "host mode: a hidden working directory is one warning line naming it" \
    "^sandbox: warning: .*$T_WORK.*hidden.*--bind" "$err"
t_eq "host mode: a visible working directory: no warning" "" "$(cd "$HOME" && sb --net none / true 2>&1 >/dev/null)"
t_eq "host mode: the environment is inherited" "yes" "$(SB_MARK=yes sb --net none / sh -c 'echo $SB_MARK')"
t_eq "host mode: --bind opens a writable directory" "w" \
    "$(sb --net none --bind "$T_WORK/host" "$T_WORK/host" / sh -c "echo w >$T_WORK/host/hm"; cat "$T_WORK/host/hm")"
t_eq "-w sets the working directory" "/etc" "$(sb --net none -w /etc "$ROOTFS" pwd)"

# --ro writes nothing to the rootfs, not even missing mount points.
make_rootfs "$T_WORK/bare"
rm -rf "$T_WORK/bare/tmp" "$T_WORK/bare/sys" "$T_WORK/bare/proc"
bare_sum() { (cd "$T_WORK/bare" && find . -printf '%p %m %s %T@\n' | sort) | md5sum; }
before=$(bare_sum)
sb_run --net none --ro --bind "$T_WORK/file" /etc/single --bind "$T_WORK/host" /mnt/h "$T_WORK/bare" \
    sh -c 'cat /etc/single && test -d /proc/self && test -d /sys && touch /tmp/x && ls /mnt/h >/dev/null && echo ok'
t_eq "--ro with missing mount points: the sandbox runs" "one ok " "$(printf '%s\n' "$SB_OUT" | tr '\n' ' ')"
t_eq "--ro with missing mount points: the rootfs on disk is unchanged" "$before" "$(bare_sum)"

# --overlay: writes succeed inside, the rootfs on disk stays byte for byte the same.
sum_rootfs() { (cd "$ROOTFS" && find . -printf '%p %m %s %l\n' | sort && find . -type f -exec md5sum {} + | sort) | md5sum; }
before=$(sum_rootfs)
sb_run --net none --overlay --bind "$T_WORK/host" /mnt/h "$ROOTFS" sh -c \
    'rm -rf /bin/ls /etc/passwd && echo new >/etc/new && mkdir /newdir && echo o >/mnt/h/overlay-bind && test ! -e /bin/ls && cat /etc/new'
t_eq "--overlay: writes and deletes succeed inside" "new" "$SB_OUT"
t_eq "--overlay: the rootfs on disk is unchanged" "$before" "$(sum_rootfs)"
t_eq "--overlay with --bind: the bind stays writable to the host" "o" "$(cat "$T_WORK/host/overlay-bind" 2>/dev/null)"
t_eq "--overlay: the next run starts pristine" "yes" "$(sb --net none --overlay "$ROOTFS" sh -c 'test -e /bin/ls && test ! -e /etc/new && echo yes')"

# bwrap's helpers, in order with the mounts, inside the rootfs.
sb_run --net none --ro-bind-try "$T_WORK/no-such-source" /mnt/x --bind-try "$T_WORK/file" /mnt/f "$ROOTFS" \
    sh -c 'test ! -e /mnt/x && cat /mnt/f'
t_eq "--bind-try/--ro-bind-try: a missing source is skipped, a present one bound" "0 one" "$SB_RC $SB_OUT"
t_setup_error "--bind of a missing source still fails" --net none --bind "$T_WORK/no-such-source" /mnt/x "$ROOTFS" true
t_eq "--tmpfs, --dir, --symlink, --file (FD and path), --chmod" "dir 750 link-target fd-bytes one" \
    "$(printf fd-bytes | sb --net none --tmpfs /w --dir /w/d/e --chmod 750 /w/d --symlink /w/d /w/l \
        --file 0 /w/fromfd --file "$T_WORK/file" /w/frompath "$ROOTFS" \
        sh -c 'test -d /w/d/e && echo dir; stat -c %a /w/d; test "$(readlink /w/l)" = /w/d && echo link-target; cat /w/fromfd; echo; cat /w/frompath' | tr '\n' ' ' | sed 's/ $//')"
before=$(md5sum "$ROOTFS/etc/passwd")
sb_run --net none --file "$T_WORK/file" /etc/passwd "$ROOTFS" cat /etc/passwd
t_eq "--file over a rootfs file: COMMAND sees the new bytes, the rootfs file is untouched" "one $before" \
    "$SB_OUT $(md5sum "$ROOTFS/etc/passwd")"
t_setup_error "--symlink over something else is refused" --net none --symlink /x /bin "$ROOTFS" true
t_setup_error "--chmod with a mode that is not octal" --net none --chmod 999 /tmp "$ROOTFS" true
t_setup_error "--file of a missing source" --net none --file "$T_WORK/no-such-source" /x "$ROOTFS" true
# --bind is nodev (bwrap's rule); --dev-bind keeps /dev/null a working device.
t_eq "--dev-bind: a device node works" "ok" \
    "$(sb --net none --tmpfs /d --dev-bind /dev/null /d/null "$ROOTFS" sh -c 'echo x >/d/null && echo ok' 2>&1)"
sb_run --net none --tmpfs /d --bind /dev/null /d/null "$ROOTFS" sh -c 'echo x >/d/null'
t_check "--bind: a device node does not work (nodev)" test "$SB_RC" -ne 0

# Never our marks in ROOTFS: the mount points a run had to make (dev proc sys tmp, and the
# destinations of --bind, --tmpfs, --dir, --file, --symlink) are gone when it ends; COMMAND's
# own writes stay. A directory holding only a static busybox, run as `cd DIR; sandbox . ...`.
listing() { (cd "$1" && find . -printf '%p %y %m\n' | sort && stat -c '%a %u %g %h' .); }
scratch=$T_WORK/scratch
mkdir -p "$scratch" "$T_WORK/victim/keep"
cp "$(command -v busybox)" "$scratch/busybox"
before=$(listing "$scratch")
sb_run --net none --bind "$T_WORK/host" /mnt/h/deep --tmpfs /var/t --dir /opt/d --file "$T_WORK/file" /etc/f \
    --symlink /opt/d /lnk "$scratch" /busybox sh -c 'cd /; /busybox ls -d dev proc sys tmp mnt/h/deep var/t opt/d etc/f lnk | /busybox wc -l'
t_eq "marks: the mount points exist inside" "0 9" "$SB_RC $SB_OUT"
t_eq "marks: the rootfs is as it was, listing and top directory" "$before" "$(listing "$scratch")"
t_eq "marks: sandbox . from inside the directory leaves nothing either" "$before" \
    "$(cd "$scratch" && sb --net none . /busybox true && listing "$scratch")"
# Only this rootfs's journal and lock (named by its device and inode) count: other scripts'
# sandboxes on the suite's shared rootfs may run meanwhile, and theirs stay until they end.
# A marks directory that is not there fails too (ls's error is what is compared).
key=$(printf '%x-%x' $(stat -c '%d %i' "$scratch"))
left=$(ls -A "$(state_dir)/marks" 2>&1) && left=$(printf '%s\n' "$left" | grep "^$key\.")
t_eq "marks: nothing is left in the state directory" "" "$left"
sb --net none --dir /made "$scratch" /busybox sh -c '/busybox mkdir /by-command /proc-not && echo x >/made/f'
t_check "marks: a directory COMMAND made stays" test -d "$scratch/by-command"
t_check "marks: a made mount point COMMAND wrote into stays, with its file" test -f "$scratch/made/f"
rm -rf "$scratch/by-command" "$scratch/proc-not" "$scratch/made"
# Hostile: COMMAND swaps a made mount point for a symlink to a host directory holding an empty
# directory of the name we made below it. The cleanup never follows it.
sb --net none --dir /h/x/keep "$scratch" /busybox sh -c "/busybox rm -r /h/x && /busybox ln -s $T_WORK/victim /h/x"
t_check "marks: a mount point COMMAND replaced by a symlink is not followed" test -d "$T_WORK/victim/keep"
t_check "marks: and the symlink, COMMAND's write, stays" test -L "$scratch/h/x"
rm -rf "$scratch/h"
# SIGKILL of the supervisor: the marks stay until the next start of that user cleans them up.
"$SANDBOX" --net none "$scratch" /busybox sleep 4242 </dev/null >/dev/null 2>"$T_WORK/killed.err" &
pid=$!
# COMMAND runs: the mounts are all made. (-x: its whole command line; the supervisor's, which
# ends the same way, matched at once, before the mounts were made: a failure under load.)
wait_until 20 pgrep -u "$(id -u)" -xf '/busybox sleep 4242' >/dev/null
# Any start of this user sweeps dead journals, and other scripts of a parallel make check start
# sandboxes all the time: hold the rootfs's lock shared, as a running sandbox does, until the
# marks have been seen, so that no sweep of theirs runs first.
lock=$(state_dir)/marks/$key.lock
(exec 9<"$lock" && flock -s 9 && touch "$T_WORK/held" && exec sleep 120) &
holder=$!
wait_until 10 test -e "$T_WORK/held"
kill -9 "$pid"
wait "$pid" 2>/dev/null
wait_until 10 sh -c "! pgrep -u $(id -u) -f '[b]usybox sleep 4242'" >/dev/null
if [ -d "$scratch/proc" ]; then t_ok "marks: a killed supervisor leaves them"
else t_notok "marks: a killed supervisor leaves them" "stderr: $(cat "$T_WORK/killed.err")" "$(ls "$scratch")"; fi
kill "$holder"
wait "$holder" 2>/dev/null
sb --net none / true
# Another script's start may be the one sweeping at this moment: give it time to finish.
listed_as_before() { [ "$(listing "$scratch")" = "$before" ]; }
wait_until 10 listed_as_before
t_eq "marks: the next start (host mode) removes them" "$before" "$(listing "$scratch")"
