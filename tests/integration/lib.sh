# lib.sh: sourced by every integration test. It runs the test's body as an unprivileged user,
# since only that proves anything about a rootless tool: run as root (as in CI), the script
# re-runs itself once as $SANDBOX_TEST_USER (who has an /etc/subuid range) and once as
# $SANDBOX_TEST_USER_NOSUB (who has none), on a world-readable copy of the binary; run as a
# normal user it runs once as that user. Output is TAP; the plan comes last. Each run's exit
# status counts (the TAP driver's rule): a script that dies half-way fails.
#
# Environment: top_srcdir, top_builddir (set by make check), SANDBOX (the binary; default
# $top_builddir/src/sandbox), SANDBOX_TEST_USER (sbtest), SANDBOX_TEST_USER_NOSUB
# (sbtest-nosub), SANDBOX_TEST_MUST_RUN=1 turns every skip into a failure (CI),
# SANDBOX_TEST_CGROUP_DELEGATE=DIR (a cgroup v2 directory whose subtree_control has memory,
# pids and cpu): each user's run gets DIR/USER, owned by the user with those controllers on, and
# runs in DIR/USER/session, as systemd's Delegate=yes gives a user session (tests/uml does so).
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SANDBOX_TEST_USER:=sbtest}" "${SANDBOX_TEST_USER_NOSUB:=sbtest-nosub}"
: "${SANDBOX_TEST_MUST_RUN:=0}"
T_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# Tools' messages and sort orders the same whatever the caller's locale.
export LC_ALL=C
# Stdin as CI has it, also for `make check` at a prompt (automake passes the terminal on): a
# background job of a test that touched it would stop on SIGTTIN. A test that wants a terminal
# makes a pty of its own.
exec </dev/null

# --- as root: once per test user -------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && [ -z "${T_INNER:-}" ]; then
    stage=$(mktemp -d /tmp/sandbox-test.XXXXXX) || exit 99
    chmod 755 "$stage"
    cp "${SANDBOX:-$top_builddir/src/sandbox}" "$stage/sandbox" || exit 99
    # The network helper is found next to the binary.
    for h in sandbox-net sandbox-image sandbox-unpack sandbox-oci; do
        cp "$(dirname "${SANDBOX:-$top_builddir/src/sandbox}")/$h" "$stage/" 2>/dev/null
    done
    mkdir -p "$stage/src/tests/integration" "$stage/src/contrib" "$stage/src/docs"
    cp "$top_srcdir"/tests/integration/*.sh "$top_srcdir"/tests/integration/*.c "$top_srcdir"/tests/integration/*.py "$stage/src/tests/integration/"
    cp "$top_srcdir"/contrib/*.sh "$stage/src/contrib/"
    cp -r "$top_srcdir"/contrib/completions "$top_srcdir"/contrib/apparmor "$stage/src/contrib/"
    cp "$top_srcdir"/docs/sandbox.1 "$stage/src/docs/"
    chmod -R a+rX "$stage"
    out=$stage/tap
    : >"$out"
    # A test may need something only root can do on the host first (a server on port 53).
    declare -F t_root_setup >/dev/null && t_root_setup "$stage"
    # t_delegate_cgroup USER: move this (sub)shell into a cgroup v2 subtree delegated to USER.
    t_delegate_cgroup() {
        local d=$SANDBOX_TEST_CGROUP_DELEGATE/$1 c
        mkdir -p "$d/session" || return 1
        for c in memory pids cpu; do echo "+$c" >"$d/cgroup.subtree_control" || return 1; done
        chown "$1:" "$d" "$d/cgroup.procs" "$d/cgroup.threads" "$d/cgroup.subtree_control" &&
            chown -R "$1:" "$d/session" && echo "$BASHPID" >"$d/session/cgroup.procs"
    }
    # Each inner run's own plan and exit status count: a script that dies half-way (an error,
    # a signal, an exit before its end) or prints a stray "ok" line must fail here, as it
    # would when run directly by the TAP driver.
    planned=0
    for u in "$SANDBOX_TEST_USER" "$SANDBOX_TEST_USER_NOSUB"; do
        if ! id "$u" >/dev/null 2>&1; then
            if [ "$SANDBOX_TEST_MUST_RUN" = 1 ]; then
                echo "not ok - test user $u does not exist (create it: see .ci/run)" >>"$out"
            else
                echo "ok - [$u] # SKIP no test user $u (see .ci/run)" >>"$out"
            fi
            planned=$((planned + 1))
            continue
        fi
        ( [ -z "${SANDBOX_TEST_CGROUP_DELEGATE:-}" ] || t_delegate_cgroup "$u" || echo "not ok - [$u] delegate $SANDBOX_TEST_CGROUP_DELEGATE/$u"
          cd / && runuser -u "$u" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
            HOME="$(getent passwd "$u" | cut -d: -f6)" USER="$u" LANG=C T_INNER=1 \
            SANDBOX="$stage/sandbox" top_srcdir="$stage/src" top_builddir="$stage" \
            SANDBOX_TEST_MUST_RUN="$SANDBOX_TEST_MUST_RUN" SANDBOX_TEST_CGROUP_DELEGATE="${SANDBOX_TEST_CGROUP_DELEGATE:-}" \
            SANDBOX_TEST_ROOTFS_TEMPLATE="${SANDBOX_TEST_ROOTFS_TEMPLATE:-}" \
            bash "$stage/src/tests/integration/$(basename "$0")") >"$stage/inner" 2>&1
        rc=$?
        # The plan is the one the inner script printed at its end; it must match its results.
        plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$stage/inner" | tail -n 1)
        results=$(grep -c '^\(not \)\?ok' "$stage/inner")
        grep -v '^1\.\.[0-9][0-9]*$' "$stage/inner" >>"$out"
        planned=$((planned + results))
        if [ -z "$plan" ]; then
            echo "not ok - [$u] the script printed no plan: it did not reach its end" >>"$out"
            planned=$((planned + 1))
        elif [ "$plan" -ne "$results" ]; then
            echo "not ok - [$u] the script planned $plan results but printed $results" >>"$out"
            planned=$((planned + 1))
        fi
        if [ "$rc" -ne 0 ]; then
            echo "not ok - [$u] the script exited with status $rc" >>"$out"
            planned=$((planned + 1))
        fi
    done
    declare -F t_root_teardown >/dev/null && t_root_teardown "$stage"
    cat "$out"
    echo "1..$planned"
    rm -rf "$stage"
    exit 0
fi

# --- as the test user ------------------------------------------------------------------------
: "${SANDBOX:=$top_builddir/src/sandbox}"
T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-it.XXXXXX") || exit 99
T_COUNT=0
T_USER=$(id -un)
# T_NESTED=1 under no_new_privs, as inside a sandbox (`sandbox / make check`): setuid newuidmap
# cannot help (no range), and what needs the host itself is skipped (t_skip_nested).
T_NESTED=0
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status && T_NESTED=1
if grep -q "^\($T_USER\|$(id -u)\):" /etc/subuid 2>/dev/null && command -v newuidmap >/dev/null &&
    [ $T_NESTED = 0 ]; then
    T_SUBID=1
    T_TAG="[subid]"
else
    T_SUBID=0
    T_TAG="[nosub]"
fi
# Without a range, --map auto warns once per user off a terminal (a stamp in the state
# directory remembers it): spend that first warning here, so that no test's stderr depends on
# which script ran first. identity.sh checks the warning with a state directory of its own.
[ $T_SUBID = 0 ] && [ $T_NESTED = 0 ] && "$SANDBOX" --net none --map auto / true </dev/null >/dev/null 2>&1
t_cleanup() {
    rm -rf "$T_WORK" 2>/dev/null
    echo "1..$T_COUNT"
}
trap t_cleanup EXIT

t_ok() { T_COUNT=$((T_COUNT + 1)); echo "ok - $T_TAG $*"; }
t_notok() { T_COUNT=$((T_COUNT + 1)); echo "not ok - $T_TAG $1"; shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"; true; }
t_skip() {
    if [ "$SANDBOX_TEST_MUST_RUN" = 1 ]; then t_notok "$1 (skipped: $2; SANDBOX_TEST_MUST_RUN=1)"
    else T_COUNT=$((T_COUNT + 1)); echo "ok - $T_TAG $1 # SKIP $2"; fi
}
# t_skip_host DESC REASON: a skip because this host lacks a kernel feature the tool itself
# reports as missing (e.g. no delegated cgroup v2): never turned into a failure, since the
# refusal path is what the test checks on such a host.
t_skip_host() { T_COUNT=$((T_COUNT + 1)); echo "ok - $T_TAG $1 # SKIP $2"; }
# t_check DESC CMD...: ok when CMD succeeds.
t_check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then t_ok "$d"; else t_notok "$d" "failed: $*"; fi; }
# t_eq DESC EXPECTED ACTUAL
t_eq() {
    if [ "$2" = "$3" ]; then t_ok "$1"; else t_notok "$1" "expected: $(printf %q "$2")" "got:      $(printf %q "$3")"; fi
}
# t_match DESC REGEX ACTUAL
t_match() {
    if printf '%s' "$3" | grep -Eq -- "$2"; then t_ok "$1"; else t_notok "$1" "expected to match: $2" "got: $(printf %q "$3")"; fi
}

# sb ARGS...: run the sandbox; sb_run ARGS... also captures SB_OUT, SB_ERR and SB_RC.
# The state directory (registry.c): the runtime directory, else the state home, else (the state
# home on a read-only mount: inside a host-mode sandbox) /tmp/sandbox-UID.
state_dir() {
    local d=${XDG_STATE_HOME:-$HOME/.local/state} p
    [ -n "${XDG_RUNTIME_DIR:-}" ] && { echo "$XDG_RUNTIME_DIR/sandbox"; return; }
    p=$d
    while [ ! -e "$p" ]; do p=$(dirname "$p"); done
    if [ -w "$p" ]; then echo "$d/sandbox"; else echo "/tmp/sandbox-$(id -u)"; fi
}
sb() { "$SANDBOX" "$@"; }
sb_run() {
    SB_OUT=$("$SANDBOX" "$@" 2>"$T_WORK/stderr")
    SB_RC=$?
    SB_ERR=$(cat "$T_WORK/stderr")
}

# t_setup_error DESC ARGS...: the sandbox must end with 125 and one line "sandbox: ...".
t_setup_error() {
    local d=$1; shift
    sb_run "$@" </dev/null
    local lines
    lines=$(printf '%s\n' "$SB_ERR" | grep -c .)
    if [ "$SB_RC" -eq 125 ] && [ "$lines" -eq 1 ] && printf '%s' "$SB_ERR" | grep -q '^sandbox: .*: '; then
        t_ok "$d"
    else
        t_notok "$d" "exit $SB_RC (want 125), $lines stderr lines (want 1): $SB_ERR"
    fi
}

# make_rootfs [DIR]: a fresh busybox rootfs (default $T_WORK/rootfs); sets ROOTFS. A copy of
# SANDBOX_TEST_ROOTFS_TEMPLATE (one made by contrib/mkrootfs-busybox.sh) when that is set: one
# process instead of one per applet, which matters where a fork is slow (tests/uml).
make_rootfs() {
    ROOTFS=${1:-$T_WORK/rootfs}
    if [ -n "${SANDBOX_TEST_ROOTFS_TEMPLATE:-}" ]; then
        mkdir -p "$ROOTFS" && cp -a "$SANDBOX_TEST_ROOTFS_TEMPLATE/." "$ROOTFS" && return
    fi
    "$top_srcdir/contrib/mkrootfs-busybox.sh" "$ROOTFS" >/dev/null 2>&1 || { t_notok "make a busybox rootfs"; exit 0; }
}

# free_port: a TCP and UDP port nothing uses on this host.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        ss -Htuan 2>/dev/null | grep -q ":$p\b" || { echo "$p"; return; }
    done
}

# build_nettool DIR: the static test tool (tests/integration/nettool.c) in DIR; sets NETTOOL.
build_nettool() {
    NETTOOL=$1/nettool
    ${CC:-cc} -static -O2 -o "$NETTOOL" "$top_srcdir/tests/integration/nettool.c" 2>"$T_WORK/cc.log" ||
        { t_notok "build tests/integration/nettool.c statically" "$(cat "$T_WORK/cc.log")"; exit 0; }
}

# net_setup: for the network tests, a rootfs with nettool in /bin; bg CMD... runs a service in
# the background, stop_bg ends them all (so does the exit).
net_setup() {
    t_need_tun
    make_rootfs
    build_nettool "$T_WORK"
    cp "$NETTOOL" "$ROOTFS/bin/nettool"
    BG=()
    trap 'stop_bg; t_cleanup' EXIT
}
bg() { "$@" & BG+=($!); }
stop_bg() { [ ${#BG[@]} -gt 0 ] && kill "${BG[@]}" 2>/dev/null; wait "${BG[@]}" 2>/dev/null; BG=(); }

# t_refused DESC SANDBOX-OPTIONS... -- nettool-ARGS...: in a new sandbox on $ROOTFS, the nettool
# client is refused ("Connection refused": a TCP reset, or ICMP port unreachable for UDP) within
# a second, timed inside so that start-up does not count; not dropped into minutes of retries.
# A refusal that came late gets a second try: a loaded machine can stall one run past the
# second (a drop would instead never say "refused").
t_refused() {
    local d=$1 opts=() try
    shift
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    for try in 1 2; do
        sb_run "${opts[@]}" "$ROOTFS" sh -c 'read a _ </proc/uptime; nettool "$@"; read b _ </proc/uptime
            awk -v a="$a" -v b="$b" "BEGIN { print \"ms \" int((b - a) * 1000) }"' sh "$@"
        printf '%s\n' "$SB_ERR" | grep -q 'Connection refused' || break
        [ "${SB_OUT#ms }" -lt 1000 ] 2>/dev/null && { t_ok "$d"; return; }
    done
    t_notok "$d" "out: $SB_OUT" "err: $SB_ERR"
}

# t_skip_nested WHY: inside another sandbox, the whole script is one skip that says WHY.
t_skip_nested() {
    [ $T_NESTED = 1 ] || return 0
    t_skip "$(basename "$0")" "inside a sandbox (no_new_privs): $1"
    exit 0
}

# t_need_tun: the slirp network needs /dev/net/tun. Where none can be opened (a sandbox inside a
# sandbox that was not given one), the whole script is one skip that says so: its servers would
# otherwise wait for connections that a sandbox that never started cannot make.
t_need_tun() {
    { : <>/dev/net/tun; } 2>/dev/null && return
    t_skip "$(basename "$0"): the slirp network" \
        "no usable /dev/net/tun here (inside a sandbox: give the outer one --dev-bind /dev/net/tun /dev/net/tun)"
    exit 0
}

# t_connect_listener_busy: whether COMMAND cannot have the outgoing fast path's connect()
# filter here, as the tool itself says with -v: in a sandbox nested in one whose COMMAND has it,
# the kernel refuses a second seccomp listener in the same filter chain (EBUSY), and libslirp
# carries every connection. Needs ROOTFS.
t_connect_listener_busy() {
    sb -v --net-fast on "$ROOTFS" true </dev/null 2>&1 | grep -q 'connect() notification filter: Device or resource busy'
}
# t_filters_base: the seccomp filters the caller runs under (inside a sandbox, the outer
# one's), which every sandbox's COMMAND inherits under its own.
t_filters_base() { awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status; }

# wait_until SECONDS CMD...: poll CMD every 50 ms.
wait_until() {
    local n=$(($1 * 20)); shift
    while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
    return 1
}
