#!/bin/bash
# badinput.sh: every bad input ends with exit 125 and one line "sandbox: WHAT: WHY".
. "$(dirname "$0")/lib.sh"
make_rootfs
touch "$T_WORK/afile"

t_setup_error "missing ROOTFS argument"
t_setup_error "rootfs does not exist" --net none "$T_WORK/nope" true
t_setup_error "rootfs is a file" --net none "$T_WORK/afile" true
t_setup_error "unknown long option" --bogus "$ROOTFS" true
t_setup_error "unknown short option" -Z "$ROOTFS" true
t_setup_error "option without its argument" --hostname
t_setup_error "hostname of 65 characters" --net none --hostname "$(printf 'h%.0s' $(seq 65))" "$ROOTFS" true
t_setup_error "--net bogus" --net bogus "$ROOTFS" true
t_setup_error "--map bogus" --map bogus "$ROOTFS" true
t_setup_error "--mtu 0" --mtu 0 "$ROOTFS" true
t_setup_error "--mtu 1000000" --mtu 1000000 "$ROOTFS" true
t_setup_error "--user abc" --net none --user abc "$ROOTFS" true
t_setup_error "--user of an id beyond the mapping" --net none --user 4000000000 "$ROOTFS" true
t_setup_error "--timeout -1" --net none --timeout -1 "$ROOTFS" true
t_setup_error "--timeout abc" --net none --timeout abc "$ROOTFS" true
t_setup_error "--rlimit FOO=1" --net none --rlimit FOO=1 "$ROOTFS" true
t_setup_error "--rlimit NOFILE=10:5 (soft above hard)" --net none --rlimit NOFILE=10:5 "$ROOTFS" true
t_setup_error "--memory 12q" --net none --memory 12q "$ROOTFS" true
t_setup_error "--tmp-size abc" --net none --tmp-size abc "$ROOTFS" true
t_setup_error "--cap-add bogus" --net none --cap-add bogus "$ROOTFS" true
t_setup_error "--cap-drop bogus" --net none --cap-drop CAP_BOGUS "$ROOTFS" true
t_setup_error "--seccomp bogus" --net none --seccomp bogus "$ROOTFS" true
t_setup_error "--bind without DST" --net none --bind "$T_WORK"
t_setup_error "--bind of a missing source" --net none --bind "$T_WORK/missing" /mnt "$ROOTFS" true
t_setup_error "--bind with a relative destination" --net none --bind "$T_WORK" mnt "$ROOTFS" true
t_setup_error "--tmpfs /" --net none --tmpfs / "$ROOTFS" true
t_setup_error "-w relative" --net none -w tmp "$ROOTFS" true
t_setup_error "-w to a missing directory" --net none -w /no/such/dir "$ROOTFS" true
t_setup_error "--status-fd of a closed fd" --net none --status-fd 77 "$ROOTFS" true
t_setup_error "-e with an empty name" --net none -e =x "$ROOTFS" true
t_setup_error "--ro with --overlay" --net none --ro --overlay "$ROOTFS" true
t_setup_error "--publish with --net none" --net none -p 8080:80 "$ROOTFS" true

# Control characters from the user or the rootfs never reach the terminal raw: every message
# shows them C-style (\033, \n, \t, \a), on one line. t_escaped DESC RC TEXT ARGS...: exit
# status RC, one stderr line containing TEXT literally, and no byte outside printable ASCII.
t_escaped() {
    local d=$1 rc=$2 text=$3 raw lines
    shift 3
    sb_run "$@" </dev/null
    raw=$(printf '%s' "$SB_ERR" | tr -d '\n\040-\176' | od -An -c | tr -s ' ')
    lines=$(printf '%s\n' "$SB_ERR" | grep -c .)
    if [ "$SB_RC" -eq "$rc" ] && [ "$lines" -eq 1 ] && [ -z "$raw" ] && printf '%s' "$SB_ERR" | grep -qF -- "$text"; then
        t_ok "$d"
    else
        t_notok "$d" "exit $SB_RC (want $rc), $lines lines (want 1), raw bytes: ${raw:-none}" \
            "want the text: $text" "got: $(printf %q "$SB_ERR")"
    fi
}
title=$(printf '\033]0;x\a')
t_escaped "escaped: a terminal title sequence in the ROOTFS path" 125 "${T_WORK}/\\033]0;x\\arootfs" \
    --net none "$T_WORK/${title}rootfs" true
t_escaped "escaped: a C1 CSI (UTF-8 and raw) in the ROOTFS path" 125 "/\\302\\23331m\\23332m" \
    --net none "$T_WORK/$(printf '\302\23331m\23332m')" true
t_escaped "escaped: a --bind source" 125 "missing\\033[31m\\r" \
    --net none --bind "$T_WORK/missing$(printf '\033[31m\r')" /mnt "$ROOTFS" true
t_escaped "escaped: -w with a newline and a tab" 125 "/no/w\\n\\tdir" \
    --net none -w "/no/w$(printf '\n\t')dir" "$ROOTFS" true
t_escaped "escaped: --name" 125 "n\\033[2J" --net none --name "n$(printf '\033[2J')" "$ROOTFS" true
t_escaped "escaped: a command not found (127)" 127 "c\\033[2J\\001: command not found" \
    --net none "$ROOTFS" "c$(printf '\033[2J\001')"
