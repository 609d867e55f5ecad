#!/bin/bash
# basic.sh: identity, namespaces, PID 1, hostname, environment and exit codes.
. "$(dirname "$0")/lib.sh"
make_rootfs

sb_run --net none "$ROOTFS" /bin/true
t_eq "/bin/true exits 0" 0 "$SB_RC"

t_eq "COMMAND runs as uid 0 inside" "0:0" "$(sb --net none "$ROOTFS" sh -c 'echo $(id -u):$(id -g)')"

maps=$(sb --net none "$ROOTFS" cat /proc/self/uid_map | awk '{ print $1, $2, $3 }' | tr '\n' ';')
if [ "$T_SUBID" = 1 ]; then
    range=$(grep -m1 "^$T_USER:" /etc/subuid | cut -d: -f2,3 | tr : ' ')
    t_eq "uid_map: own id and the subordinate range" "0 $(id -u) 1;1 $range;" "$maps"
    t_eq "gid_map: own gid and the subordinate range" "0 $(id -g) 1;1 $(grep -m1 "^$T_USER:" /etc/subgid | cut -d: -f2,3 | tr : ' ');" \
        "$(sb --net none "$ROOTFS" cat /proc/self/gid_map | awk '{ print $1, $2, $3 }' | tr '\n' ';')"
    t_eq "setgroups allowed with the range" "allow" "$(sb --net none "$ROOTFS" cat /proc/self/setgroups)"
else
    t_eq "uid_map: the single mapping" "0 $(id -u) 1;" "$maps"
    t_eq "setgroups denied with the single mapping" "deny" "$(sb --net none "$ROOTFS" cat /proc/self/setgroups)"
fi
t_eq "--map self: the single mapping" "0 $(id -u) 1;" \
    "$(sb --map self --net none "$ROOTFS" cat /proc/self/uid_map | awk '{ print $1, $2, $3 }' | tr '\n' ';')"

for ns in user mnt pid uts ipc cgroup net; do
    inside=$(sb --net none "$ROOTFS" readlink /proc/self/ns/$ns)
    t_match "new $ns namespace" "^$ns:\[[0-9]+\]$" "$inside"
    [ "$inside" != "$(readlink /proc/self/ns/$ns)" ] && t_ok "$ns namespace differs from the host's" ||
        t_notok "$ns namespace differs from the host's" "both $inside"
done
t_eq "--net host keeps the host's network namespace" "$(readlink /proc/self/ns/net)" \
    "$(sb --net host "$ROOTFS" readlink /proc/self/ns/net)"

t_eq "PID 1 is the sandbox's init, COMMAND is PID 2" "sandbox-init 2" \
    "$(sb --net none "$ROOTFS" sh -c 'echo $(cat /proc/1/comm) $$')"
t_eq "the pid namespace holds only init and COMMAND" "1 2" \
    "$(sb --net none "$ROOTFS" sh -c 'cd /proc && echo [0-9]*')"

t_eq "default hostname" "sandbox" "$(sb --net none "$ROOTFS" hostname)"
t_eq "--hostname" "build-42" "$(sb --net none --hostname build-42 "$ROOTFS" hostname)"
t_eq "the host's hostname is unchanged" "$(hostname)" "$(sb --net none --hostname x "$ROOTFS" true; hostname)"

# The clean environment copies the caller's TERM when it has one: set and unset it here, so the
# result does not depend on where make check runs (a terminal, a login shell, CI).
clean_env="HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
env_inside=$(env -u TERM FOO=outside "$SANDBOX" --net none -e BAR=1 -e FOO -e BAZ "$ROOTFS" /bin/env | LC_ALL=C sort | tr '\n' ' ')
t_eq "clean environment with -e (caller without TERM)" "BAR=1 FOO=outside $clean_env container=sandbox " \
    "$env_inside"
env_inside=$(TERM=vt-sandbox-test FOO=outside "$SANDBOX" --net none -e BAR=1 -e FOO -e BAZ "$ROOTFS" /bin/env | LC_ALL=C sort | tr '\n' ' ')
t_eq "clean environment with -e (caller's TERM is copied)" "BAR=1 FOO=outside $clean_env TERM=vt-sandbox-test container=sandbox " \
    "$env_inside"

sb_run --net none "$ROOTFS" sh -c 'exit 7'
t_eq "exit status of COMMAND" 7 "$SB_RC"
sb_run --net none "$ROOTFS" sh -c 'kill -KILL $$'
t_eq "killed by SIGKILL: 128+9" 137 "$SB_RC"
sb_run --net none "$ROOTFS" no-such-command
t_eq "COMMAND not found: 127" 127 "$SB_RC"
t_match "not found: one line naming it" '^sandbox: no-such-command: command not found$' "$SB_ERR"
printf '#!/bin/sh\necho hi\n' >"$ROOTFS/noexec.sh"
chmod 644 "$ROOTFS/noexec.sh"
sb_run --net none "$ROOTFS" /noexec.sh
t_eq "COMMAND not executable: 126" 126 "$SB_RC"
t_eq "COMMAND defaults to /bin/sh" "from sh" "$(echo 'echo from sh' | sb --net none "$ROOTFS")"
t_eq "-- separates COMMAND" "x" "$(sb --net none "$ROOTFS" -- echo x)"

# --clearenv, --unsetenv, --env-file: host mode inherits everything unless told otherwise.
t_eq "host mode --clearenv: only what -e sets" "A=1 PATH=/usr/bin:/bin" \
    "$(SECRET=s3cret sb --net none --clearenv -e PATH=/usr/bin:/bin -e A=1 / /usr/bin/env | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "host mode --unsetenv removes a variable" "gone" \
    "$(SECRET=s3cret sb --net none --unsetenv SECRET / sh -c 'echo ${SECRET:-gone}')"
printf '# a comment\n\n  NAME=one two\nQUOTED="kept"\nFROM_CALLER\nMISSING_IN_CALLER\nEQ=a=b\n' >"$T_WORK/envfile"
t_eq "--env-file: docker's format" "EQ=a=b|FROM_CALLER=outside|NAME=one two|QUOTED=\"kept\"" \
    "$(FROM_CALLER=outside sb --net none --env-file "$T_WORK/envfile" "$ROOTFS" /bin/env |
        grep -E '^(NAME|QUOTED|FROM_CALLER|MISSING_IN_CALLER|EQ)=' | sort | tr '\n' '|' | sed 's/|$//')"
t_eq "-e, --env-file and --unsetenv apply in order" "NAME=cli" \
    "$(sb --net none --env-file "$T_WORK/envfile" -e NAME=cli --unsetenv EQ "$ROOTFS" /bin/env | grep -E '^(NAME|EQ)=')"
printf 'GOOD=1\n\nbad name=2\n' >"$T_WORK/badenv"
t_setup_error "--env-file: a bad line is refused" --net none --env-file "$T_WORK/badenv" "$ROOTFS" true
t_match "--env-file: the error names the file and the line" "--env-file $T_WORK/badenv: line 3: " "$SB_ERR"
t_setup_error "--env-file: a missing file is refused" --net none --env-file "$T_WORK/nonexistent" "$ROOTFS" true
t_setup_error "--unsetenv with '=' is refused" --net none --unsetenv A=1 "$ROOTFS" true
