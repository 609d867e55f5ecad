#!/bin/bash
# nest.sh: a sandbox inside a sandbox, host mode and rootfs alike: the inner one mounts its own
# /proc (its pid 1 is its own init), maps the outer user alone (no_new_privs: no newuidmap),
# and has its network when the outer one is given /dev/net/tun.
. "$(dirname "$0")/lib.sh"
make_rootfs
# The inner sandbox's binary and rootfs must be visible inside the outer one: not under the
# outer's private /tmp. (Itself run nested, only the bound build tree is writable outside /tmp.)
NEST=$(mktemp -d "${HOME:-/var/tmp}/sandbox-nest.XXXXXX" 2>/dev/null || mktemp -d /var/tmp/sandbox-nest.XXXXXX 2>/dev/null ||
    mktemp -d "$top_builddir/sandbox-nest.XXXXXX")
trap 'rm -rf "$NEST"; t_cleanup' EXIT
cp "$SANDBOX" "$(dirname "$SANDBOX")/sandbox-net" "$NEST/" && cp -a "$ROOTFS" "$NEST/rootfs" ||
    { t_notok "copy the binary and the rootfs out of /tmp"; exit 0; }
IN=$NEST/sandbox

# outer ARGS... -- INNER ARGS...: sandbox (host mode, no network) running sandbox.
for mode in host rootfs; do
    [ $mode = host ] && root=/ || root=$NEST/rootfs
    out=$(sb --net none --hostname outer / "$IN" --net none --hostname inner "$root" \
        sh -c 'echo "pid=$$ ppid=$PPID"; echo "$(tr -d "\0" </proc/1/cmdline) $(tr "\0" " " </proc/2/cmdline)"; hostname' </dev/null 2>&1)
    t_eq "$mode in host mode: the inner command is pid 2, a child of pid 1" "pid=2 ppid=1" "$(printf '%s\n' "$out" | sed -n 1p)"
    t_match "$mode in host mode: the inner /proc is the inner pid namespace's (pid 1 is the inner init)" \
        "^sandbox-init sh -c " "$(printf '%s\n' "$out" | sed -n 2p)"
    t_eq "$mode in host mode: the inner hostname" "inner" "$(printf '%s\n' "$out" | sed -n 3p)"
done

# The inner map: one id (no_new_privs keeps setuid newuidmap from helping): 0 -> the outer's uid
# with --map auto, the outer's uid to itself in host mode (keep-id, its default).
out=$(sb --net none / sh -c 'id -u; "$1" --net none --map auto / cat /proc/self/uid_map; "$1" --net none / cat /proc/self/uid_map' \
    sh "$IN" </dev/null 2>&1)
outer_uid=$(printf '%s\n' "$out" | sed -n 1p)
t_eq "the inner uid map with --map auto: 0 to the outer uid, one id" "0 $outer_uid 1" "$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')"
t_eq "the inner uid map in host mode: the outer uid to itself, one id" "$outer_uid $outer_uid 1" \
    "$(printf '%s\n' "$out" | sed -n 3p | tr -s ' ' | sed 's/^ //')"

# Inside a rootfs sandbox too (the outer's mounts are the inner's host): a busybox rootfs with
# the host's /usr, and /lib and /lib64 as in a merged-/usr distribution, for the inner binary's
# shared libraries.
cp -a "$ROOTFS" "$NEST/outer" && rm -rf "$NEST/outer/usr" "$NEST/outer/lib" "$NEST/outer/lib64" &&
    mkdir "$NEST/outer/usr" && ln -s usr/lib "$NEST/outer/lib" && ln -s usr/lib64 "$NEST/outer/lib64"
out=$(sb --net none --ro-bind /usr /usr --bind "$NEST" /nest "$NEST/outer" \
    /nest/sandbox --net none /nest/rootfs sh -c 'echo pid=$$; tr -d "\0" </proc/1/cmdline; echo; tr "\0" " " </proc/2/cmdline' </dev/null 2>&1)
t_eq "rootfs in rootfs: the inner runs, with its own pid 1 (its init, which shows no host command line)" \
    "pid=2 sandbox-init" "$(printf '%s\n' "$out" | tr '\n' ' ' | cut -d' ' -f1-2)"

# The network: with /dev/net/tun given to the outer sandbox, the inner gets its own slirp.
if [ -c /dev/net/tun ]; then
    out=$(sb --net none --dev-bind /dev/net/tun /dev/net/tun / "$IN" "$NEST/rootfs" ip -4 addr show eth0 </dev/null 2>&1)
    t_match "the inner network with /dev/net/tun: eth0 has 10.0.2.100" "inet 10\.0\.2\.100/24" "$out"
fi
# The inner network reaches a server on the outer sandbox's own loopback through 10.0.2.2 with
# --allow-host-loopback (libslirp carries it: the outer COMMAND's connect() filter holds the one
# seccomp listener the kernel allows), and an unprivileged ping works (its sysctl is written
# through a procfs of the inner's own: the outer /proc/sys is read-only). (grep -s: the server's
# output file may not exist yet, and grep's complaint would be the first line compared.)
if [ -c /dev/net/tun ]; then
    build_nettool "$NEST"
    cp "$NETTOOL" "$NEST/rootfs/bin/nettool"
    P=$(free_port)
    out=$(sb --dev-bind /dev/net/tun /dev/net/tun / sh -c '
        "$1" tcp-echo "$2" 127.0.0.1 >/tmp/echo.out 2>&1 & s=$!
        i=0; until grep -qs listening /tmp/echo.out || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
        "$3" --allow-host-loopback "$4" nettool tcp-ask 10.0.2.2 "$2" hello-outer
        "$3" "$4" nettool tcp-ask 10.0.2.2 "$2" hello-refused || echo refused
        "$3" "$4" nettool icmp-ping 10.0.2.2
        kill $s' sh "$NETTOOL" "$P" "$IN" "$NEST/rootfs" </dev/null 2>&1)
    t_eq "the inner network: TCP to 10.0.2.2 with --allow-host-loopback reaches the outer sandbox's 127.0.0.1" \
        "hello-outer" "$(printf '%s\n' "$out" | sed -n 1p)"
    t_match "the inner network: without --allow-host-loopback it is refused" "Connection refused" "$out"
    t_eq "the inner network: ping 10.0.2.2 without CAP_NET_RAW" "echo reply" "$(printf '%s\n' "$out" | tail -n 1)"
fi
# Without it, the inner's error line points at the way around and at doctor.
sb_run --net none / "$IN" "$NEST/rootfs" true </dev/null
t_match "without /dev/net/tun: the error points at --net none and sandbox doctor" \
    "^sandbox: .*/dev/net/tun.*--net none.*sandbox doctor" "$SB_ERR"

# doctor inside a sandbox: its fixes are for the outer sandbox or the host, never a command to
# run where it cannot work (a sysctl, a chmod of newuidmap, a modprobe).
out=$(sb --net none / "$IN" doctor </dev/null 2>&1)
t_match "doctor inside a sandbox: its first line says so" "^Inside a sandbox \(no_new_privs is set\)" "$(printf '%s\n' "$out" | head -1)"
t_match "doctor inside a sandbox without /dev/net/tun: the fix is the outer sandbox's --dev-bind" \
    "^FAIL  /dev/net/tun: .*; fix: give the outer sandbox the device: sandbox --dev-bind /dev/net/tun /dev/net/tun .*--net none" \
    "$(printf '%s\n' "$out" | grep '/dev/net/tun: ')"
t_match "doctor inside a sandbox: newuidmap cannot work under no_new_privs, only the single mapping" \
    "^warn  newuidmap: .*no_new_privs.*only your own id is mapped; fix: none inside a sandbox: the single mapping \(--map self\)" \
    "$(printf '%s\n' "$out" | grep '  newuidmap: ')"
t_eq "doctor inside a sandbox: no fix is a command for the host run from inside" "" \
    "$(printf '%s\n' "$out" | grep -E '; fix: (sudo|boot)')"
if [ -c /dev/net/tun ]; then
    t_match "doctor inside a sandbox given /dev/net/tun: it is usable" "^ok    /dev/net/tun: " \
        "$(sb --net none --dev-bind /dev/net/tun /dev/net/tun / "$IN" doctor </dev/null 2>&1 | grep '/dev/net/tun: ')"
fi

# Nothing of the nesting layer shows in /dev, and /proc is still masked outside and in.
t_eq "the outer /dev lists only the contract's entries" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
    "$(sb --net none / ls /dev </dev/null | tr '\n' ' ' | sed 's/ $//')"
# A masked file that the user can read outside (mode 0444): empty inside, nested too.
if [ "$(wc -c </proc/interrupts)" -gt 0 ]; then
    t_eq "/proc/interrupts stays masked in the inner sandbox" "0" \
        "$(sb --net none / "$IN" --net none / sh -c 'wc -c </proc/interrupts' </dev/null 2>&1)"
fi

# Inside host mode the home is read-only: the inner sandbox keeps its state (names, the marks
# journal) in the outer's own /tmp, so a named inner sandbox is listed and the mount points it
# made in a rootfs directory are gone after it (no XDG_RUNTIME_DIR, as in a session-less login).
mkdir "$NEST/scratch" && cp "$(command -v busybox)" "$NEST/scratch/busybox"
out=$(sb --net none --bind "$NEST/scratch" "$NEST/scratch" / env -u XDG_RUNTIME_DIR sh -c '
    "$1" --net none --name nested-name "$2" /busybox sleep 30 </dev/null >/dev/null 2>&1 &
    for i in $(seq 100); do "$1" list | grep -q "^nested-name " && break; sleep 0.1; done
    "$1" list | grep -c "^nested-name "; kill $!; wait
    "$1" --net none "$2" /busybox true; ls -A "$2" | tr "\n" " "' sh "$IN" "$NEST/scratch" </dev/null 2>&1)
t_eq "a read-only home: the inner named sandbox is listed, its mount points are gone after it" \
    "1 busybox " "$(printf '%s\n' "$out" | tr '\n' ' ' | sed 's/  */ /g')"

# This project's own tests under a sandbox, as `sandbox --bind "$PWD" "$PWD" / make check` runs
# them: basic.sh (its sandboxes nested) inside a host-mode sandbox, straight as the user there.
mkdir "$NEST/src" && cp -r "$top_srcdir/tests" "$top_srcdir/contrib" "$NEST/src/" ||
    { t_notok "copy the test scripts out of /tmp"; exit 0; }
tun=()
[ -c /dev/net/tun ] && tun=(--dev-bind /dev/net/tun /dev/net/tun)
out=$(sb --net none "${tun[@]}" / env T_INNER=1 SANDBOX="$IN" top_srcdir="$NEST/src" top_builddir="$NEST" \
    bash "$NEST/src/tests/integration/basic.sh" </dev/null 2>&1)
t_eq "basic.sh inside a sandbox: no failure" "" "$(printf '%s\n' "$out" | grep -A2 '^not ok')"
t_match "basic.sh inside a sandbox: its tests ran (not skipped)" "^[3-9][0-9]$" \
    "$(printf '%s\n' "$out" | grep '^ok' | grep -vc '# SKIP')"
