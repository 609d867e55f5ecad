#!/bin/bash
# install.sh: what `make install` puts beside the binary: the bash completion works in a plain
# bash without the bash-completion package, and the AppArmor profile parses.
. "$(dirname "$0")/lib.sh"

# --- bash completion ---------------------------------------------------------------------------
# comp WORD...: in a fresh non-interactive bash (no bash-completion loaded), what completing the
# last WORD offers, one line; "ERR: ..." when anything was printed on stderr.
comp() {
    local bin
    bin=$(dirname "$SANDBOX")
    env PATH="$bin:$PATH" bash --norc --noprofile -c '
        . "$1"; shift
        declare -F _init_completion >/dev/null && echo "bash-completion is loaded"
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _sandbox
        printf "%s\n" "${COMPREPLY[*]}"' comp "$top_srcdir/contrib/completions/sandbox.bash" "$@" \
        2>"$T_WORK/comp.err"
    [ -s "$T_WORK/comp.err" ] && echo "ERR: $(head -1 "$T_WORK/comp.err")"
}
# Paths come in the directory's order (a tmpfs lists the newest first); bash sorts them to show.
sorted() { tr ' ' '\n' | sort | paste -sd' '; }
mkdir -p "$T_WORK/dirs/rootfs-a" "$T_WORK/dirs/rootfs-b"
: >"$T_WORK/dirs/afile"

t_eq "completion: an option prefix" "--hostname" "$(comp sandbox --hostn)"
t_eq "completion: the values of --net-fast" "on off" "$(comp sandbox --net-fast '')"
t_eq "completion: the values of --net, from --help" "slirp none host" "$(comp sandbox --net '')"
t_eq "completion: the values of --map" "auto self subid keep-id" "$(comp sandbox --map '')"
t_eq "completion: capabilities, upper-cased" "NET_BIND_SERVICE NET_BROADCAST" "$(comp sandbox --cap-add net_b)"
t_eq "completion: the sub-commands" "exec" "$(comp sandbox ex)"
t_eq "completion: ROOTFS is a directory" "$T_WORK/dirs/rootfs-a $T_WORK/dirs/rootfs-b" \
    "$(comp sandbox --net none "$T_WORK/dirs/r" | sorted)"
t_eq "completion: --bind SRC is a host path" "$T_WORK/dirs/afile" "$(comp sandbox --bind "$T_WORK/dirs/af")"
t_eq "completion: --ro-bind-try, --dev-bind and --file SRC are host paths" \
    "$T_WORK/dirs/afile|$T_WORK/dirs/afile|$T_WORK/dirs/afile" \
    "$(comp sandbox --ro-bind-try "$T_WORK/dirs/af")|$(comp sandbox --dev-bind "$T_WORK/dirs/af")|$(comp sandbox --file "$T_WORK/dirs/af")"
t_eq "completion: --bind DST is not completed from the host" "" "$(comp sandbox --bind /x "$T_WORK/dirs/af")"
t_eq "completion: after --bind's two arguments, ROOTFS again" "$T_WORK/dirs/rootfs-a $T_WORK/dirs/rootfs-b" \
    "$(comp sandbox --bind /x /y "$T_WORK/dirs/r" | sorted)"
t_match "completion: after ROOTFS, COMMAND from PATH" "(^| )bash( |$)" "$(comp sandbox --ro "$T_WORK/dirs/rootfs-a" bas)"
t_match "completion: --entrypoint CMD is a command" "(^| )bash( |$)" "$(comp sandbox --entrypoint bas)"
t_eq "completion: exec's options" "--workdir" "$(comp sandbox exec --wo)"
t_eq "completion: list's options" "--json" "$(comp sandbox list --j)"

# --- AppArmor profile ------------------------------------------------------------------------
# Parsed, never loaded (-Q). Debian 12's parser (AppArmor 3.0) knows neither abi 4.0 nor the
# userns rule that Ubuntu 24.04's needs; there the rest of the profile is checked.
if command -v apparmor_parser >/dev/null; then
    sed -e "s|@bindir@|$(dirname "$SANDBOX")|g" -e "s|@pkglibexecdir@|$(dirname "$SANDBOX")|g" \
        "$top_srcdir/contrib/apparmor/sandbox.in" >"$T_WORK/profile"
    printf 'abi <abi/4.0>,\nprofile t /t { userns, }\n' >"$T_WORK/probe"
    if apparmor_parser -Q -K "$T_WORK/probe" >/dev/null 2>&1; then
        what="the profile"
    else
        what="the profile less its AppArmor 4 lines (abi 4.0, userns)"
        sed -i -e 's|abi/4.0|abi/3.0|' -e '/^ *userns,$/d' "$T_WORK/profile"
    fi
    if out=$(apparmor_parser -Q -K "$T_WORK/profile" 2>&1); then
        t_ok "apparmor: $what parses"
    else
        t_notok "apparmor: $what parses" "$(printf '%s\n' "$out" | grep -v 'Cache read')"
    fi
    t_eq "apparmor: every profiled program gets the userns rule" \
        "$(grep -c '^profile ' "$top_srcdir/contrib/apparmor/sandbox.in")" \
        "$(grep -c '^ *userns,$' "$top_srcdir/contrib/apparmor/sandbox.in")"
else
    t_skip "apparmor: the profile parses" "apparmor_parser not installed (package apparmor)"
fi
