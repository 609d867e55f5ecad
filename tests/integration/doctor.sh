#!/bin/bash
# doctor.sh: `sandbox doctor` on this host, as a user with a subordinate range and as one
# without: one line per check, a fix on every line that is not ok, exit 0 when a default
# sandbox runs (which the control at the end proves).
. "$(dirname "$0")/lib.sh"

# Inside a sandbox that was not given /dev/net/tun, the default network cannot start: doctor
# must say so and exit 1, and the control must fail the same way.
tun=1
{ : <>/dev/net/tun; } 2>/dev/null || tun=0
sb_run doctor
if [ $tun = 1 ]; then
    t_eq "doctor: exit 0 on a host where a default sandbox runs" 0 "$SB_RC"
else
    t_eq "doctor: exit 1 where /dev/net/tun cannot be opened (inside a sandbox without it)" 1 "$SB_RC"
fi
t_eq "doctor: nothing on stderr" "" "$SB_ERR"
checks=$(printf '%s\n' "$SB_OUT" | grep -Ec '^(ok  |warn|FAIL)  ')
t_eq "doctor: one line per check" 11 "$checks"
t_eq "doctor: every line not ok names its fix" "" \
    "$(printf '%s\n' "$SB_OUT" | grep -E '^(warn|FAIL)  ' | grep -v '; fix: ')"
t_match "doctor: user namespaces usable" "^ok    user namespaces: " "$(printf '%s\n' "$SB_OUT" | grep 'user namespaces')"
if [ $tun = 1 ]; then
    t_match "doctor: /dev/net/tun usable" "^ok    /dev/net/tun: " "$(printf '%s\n' "$SB_OUT" | grep '/dev/net/tun')"
else
    t_match "doctor: /dev/net/tun fails, with --net none as the way around" "^FAIL  /dev/net/tun: .*--net none" \
        "$(printf '%s\n' "$SB_OUT" | grep '/dev/net/tun')"
fi
t_match "doctor: the mount API is there" "^ok    the mount API" "$(printf '%s\n' "$SB_OUT" | grep 'mount API')"
# What /etc/subuid says, as doctor reports it (nested, T_SUBID is 0 whatever the file says).
if grep -q "^\($T_USER\|$(id -u)\):" /etc/subuid 2>/dev/null; then
    t_match "doctor: the user's subordinate uids" "^ok    subordinate uids: $T_USER has [0-9]+ from [0-9]+ in /etc/subuid" \
        "$(printf '%s\n' "$SB_OUT" | grep 'subordinate uids')"
    # (Nested, root is not mapped: newuidmap's owner shows as the overflow uid.)
    [ "$T_NESTED" = 1 ] || t_match "doctor: newuidmap is setuid root (or has file capabilities)" "^ok    newuidmap: " \
        "$(printf '%s\n' "$SB_OUT" | grep '^.... *newuidmap')"
else
    t_match "doctor: no subordinate gids: the usermod line that adds them" \
        "^warn  subordinate gids: none for $T_USER .*; fix: sudo usermod --add-subgids 100000-165535 $T_USER\$" \
        "$(printf '%s\n' "$SB_OUT" | grep 'subordinate gids')"
fi
# Inside a sandbox (no_new_privs): said first, and newuidmap's fix is not a chmod (nest.sh runs
# doctor nested from outside too).
if [ "$T_NESTED" = 1 ]; then
    t_match "doctor nested: its first line says it runs inside a sandbox" "^Inside a sandbox \(no_new_privs is set\)" \
        "$(printf '%s\n' "$SB_OUT" | head -1)"
    t_match "doctor nested: newuidmap cannot work under no_new_privs" "^warn  newuidmap: .*no_new_privs.*; fix: none inside a sandbox" \
        "$(printf '%s\n' "$SB_OUT" | grep '^.... *newuidmap')"
else
    t_eq "doctor outside a sandbox: no line about being inside one" "" "$(printf '%s\n' "$SB_OUT" | grep '^Inside a sandbox')"
fi
t_setup_error "doctor: an argument is refused" doctor extra

# Control: what doctor promised.
make_rootfs
sb_run "$ROOTFS" true </dev/null
if [ $tun = 1 ]; then
    t_eq "doctor (control): a default sandbox runs here" 0 "$SB_RC"
else
    t_eq "doctor (control): without /dev/net/tun a default sandbox does not run" 125 "$SB_RC"
fi
