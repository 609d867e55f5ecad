#!/bin/bash
# identity.sh: what the id mapping allows inside, on both mapping paths.
. "$(dirname "$0")/lib.sh"
make_rootfs

if [ "$T_SUBID" = 1 ]; then
    t_eq "chown to a subordinate id works" "1000 1000" \
        "$(sb --net none "$ROOTFS" sh -c 'touch /tmp/f && chown 1000:1000 /tmp/f && stat -c "%u %g" /tmp/f')"
    t_eq "--user runs COMMAND as that id" "1000:1000" "$(sb --net none --user 1000 "$ROOTFS" sh -c 'echo $(id -u):$(id -g)')"
    t_eq "--user UID:GID" "1000:50" "$(sb --net none --user 1000:50 "$ROOTFS" sh -c 'echo $(id -u):$(id -g)')"
    t_eq "su to another id works" "65534" "$(sb --net none "$ROOTFS" su -s /bin/sh nobody -c 'id -u' 2>&1)"
    t_eq "a non-root --user has no capabilities" "0000000000000000" \
        "$(sb --net none --user 1000 "$ROOTFS" sh -c "awk '/CapEff/ { print \$2 }' /proc/self/status")"
else
    sb_run --net none "$ROOTFS" sh -c 'touch /tmp/f && chown 1000 /tmp/f'
    t_check "without a range chown to another id fails" test "$SB_RC" -ne 0
    t_setup_error "--user of an unmapped id is refused" --net none --user 1000 "$ROOTFS" true
fi
t_eq "--user 0 is fine on both paths" "0" "$(sb --net none --user 0 "$ROOTFS" id -u)"
t_eq "the default capability set (podman's rootless set)" "00000000800405fb" \
    "$(sb --net none "$ROOTFS" sh -c "awk '/CapEff/ { print \$2 }' /proc/self/status")"
t_eq "no_new_privs is set" "1" "$(sb --net none "$ROOTFS" sh -c "awk '/NoNewPrivs/ { print \$2 }' /proc/self/status")"
t_eq "seccomp filter on by default" "2" "$(sb --net none "$ROOTFS" sh -c "awk '/^Seccomp:/ { print \$2 }' /proc/self/status")"
# Filters are inherited: inside another sandbox the caller has some already. --seccomp none adds
# none of its own, the default adds one.
own_filters=$(awk '/^Seccomp_filters:/ { print $2 }' /proc/self/status)
t_eq "--seccomp none: no filter of its own" "${own_filters:-0}" \
    "$(sb --net none --seccomp none "$ROOTFS" sh -c "awk '/^Seccomp_filters:/ { print \$2 }' /proc/self/status")"
t_eq "the default adds one filter" "$((${own_filters:-0} + 1))" \
    "$(sb --net none "$ROOTFS" sh -c "awk '/^Seccomp_filters:/ { print \$2 }' /proc/self/status")"

# Host mode runs COMMAND as the caller: own uid and gid, no capabilities, permissions as outside.
me="$(id -u):$(id -g)"
t_eq "host mode: COMMAND runs as the caller" "$me" "$(sb --net none / sh -c 'echo $(id -u):$(id -g)')"
t_eq "host mode: no capabilities" "0000000000000000" \
    "$(sb --net none / sh -c "awk '/CapEff/ { print \$2 }' /proc/self/status")"
sb_run --net none / sh -c 'echo secret >/tmp/f && chmod 000 /tmp/f && cat /tmp/f'
t_check "host mode: a file with mode 000 cannot be read" test "$SB_RC" -ne 0 -a "$SB_OUT" != secret
t_eq "host mode: --user 0 gives root inside" "0" "$(sb --net none --user 0 / id -u 2>/dev/null)"
t_eq "host mode: --map auto gives root inside" "0" "$(sb --net none --map auto / id -u 2>/dev/null)"
mkdir -p "$T_WORK/out"
sb --net none --bind "$T_WORK/out" "$T_WORK/out" / sh -c "touch '$T_WORK/out/host'"
t_eq "host mode: a file written to a bind is the caller's" "$me" "$(stat -c %u:%g "$T_WORK/out/host" 2>&1)"

# --map keep-id with a rootfs: the same identity; files in a bind belong to the caller.
t_eq "--map keep-id: COMMAND runs as the caller" "$me" \
    "$(sb --net none --map keep-id "$ROOTFS" sh -c 'echo $(id -u):$(id -g)')"
sb --net none --map keep-id --bind "$T_WORK/out" /out "$ROOTFS" touch /out/keep
t_eq "--map keep-id: a file written to a bind is the caller's" "$me" "$(stat -c %u:%g "$T_WORK/out/keep" 2>&1)"
t_eq "--map keep-id: own id maps to itself" "$(id -u) $(id -u) 1" \
    "$(sb --net none --map keep-id "$ROOTFS" awk -v u="$(id -u)" '$1 == u { print $1, $2, $3 }' /proc/self/uid_map)"

if [ "$T_SUBID" = 1 ]; then
    t_eq "--map keep-id: with a range, id 0 stays mapped too" "0" \
        "$(sb --net none --map keep-id "$ROOTFS" awk '$1 == 0 { print $1 }' /proc/self/uid_map)"
    t_eq "--map subid: the full range" "2" "$(sb --net none --map subid "$ROOTFS" sh -c 'wc -l </proc/self/uid_map' | tr -d ' ')"
    # (A state directory of its own: a stamp of an earlier warning cannot hide one.)
    mkdir -m 700 "$T_WORK/rt-range"
    XDG_RUNTIME_DIR=$T_WORK/rt-range sb_run --net none --map auto "$ROOTFS" true </dev/null
    t_eq "--map auto with a range: no warning" "" "$SB_ERR"
else
    t_setup_error "--map subid without a range is refused" --net none --map subid "$ROOTFS" true
    # On a terminal (script(1) gives one) the warning comes at every run: lib.sh's run spent
    # the user's once-off-a-terminal one already.
    if command -v script >/dev/null; then
        # (script may add a NUL for the end of its input: only sandbox's lines count.)
        out=$(script -qec "'$SANDBOX' --net none --map auto '$ROOTFS' true" /dev/null </dev/null | tr -d '\r\000')
        if grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status; then
            # Inside another sandbox newuidmap cannot help whatever /etc/subuid says: no fix to name.
            t_eq "--map auto under no_new_privs (a sandbox inside a sandbox): no warning on the terminal" "0" \
                "$(printf '%s\n' "$out" | grep -c '^sandbox:')"
        else
            t_match "--map auto without a range: one warning on the terminal that names the fix" \
                '^sandbox: warning: .*usermod --add-subuids [^ ]+ --add-subgids [^ ]+ '"$T_USER"'.*$' "$out"
            t_eq "--map auto without a range: the warning is one line" "1" "$(printf '%s\n' "$out" | grep -c '^sandbox:')"
        fi
        t_eq "--map self: no warning on the terminal" "0" \
            "$(script -qec "'$SANDBOX' --net none --map self '$ROOTFS' true" /dev/null </dev/null | grep -c '^sandbox:')"
    else
        t_skip "--map auto warning on a terminal" "no script(1)"
    fi
    # Off a terminal (a script, a build's log) the warning comes once per user, remembered in the
    # state directory: one of its own here (lib.sh spent the user's first one).
    mkdir -m 700 "$T_WORK/rt-warn"
    warn_err() { XDG_RUNTIME_DIR=$T_WORK/rt-warn "$SANDBOX" --net none "$@" "$ROOTFS" true </dev/null >/dev/null 2>"$T_WORK/warn.err"; cat "$T_WORK/warn.err"; }
    t_eq "--map self, stderr a file: no warning" "" "$(warn_err --map self)"
    out=$(warn_err --map auto)
    if [ $T_NESTED = 1 ]; then
        t_eq "--map auto under no_new_privs, stderr a file: no warning" "" "$out"
    else
        t_match "--map auto without a range, stderr a file: the first run warns, naming the fix" \
            '^sandbox: warning: --map auto: .*usermod --add-subuids [^ ]+ --add-subgids [^ ]+ '"$T_USER"'.*$' "$out"
        t_eq "--map auto without a range, stderr a file: one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
    fi
    t_eq "--map auto without a range, stderr a file: the second run does not warn" "" "$(warn_err --map auto)"
    t_eq "--map self (after the warning): no warning" "" "$(warn_err --map self)"
fi
