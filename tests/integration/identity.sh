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
t_eq "--seccomp none" "0" "$(sb --net none --seccomp none "$ROOTFS" sh -c "awk '/^Seccomp:/ { print \$2 }' /proc/self/status")"
