#!/bin/sh
# tests/uml/init.sh: PID 1 of the User-mode Linux kernel that tests/uml/run.sh boots. The host's
# root is this machine's root, read-only through hostfs; this script makes it a machine like a
# systemd one with a user session (cgroup v2 delegated to the test users, /dev/net/tun, /tmp),
# runs the integration tests named in $uml_out/env as root (lib.sh re-runs each as the test
# users) and writes each one's TAP output to $uml_out (a writable hostfs mount), then powers off.
# uml_out comes from the kernel command line, as every unknown name=value does.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C
say() { echo "uml-init: $*"; }
die() { say "FAILED: $*"; poweroff -f; exit 1; }

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev || die "mount /dev"
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts || die "mount /dev/pts"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || die "mount /dev/shm"
for d in /tmp /run /var/tmp; do
    mount -t tmpfs -o mode=1777 tmpfs "$d" || die "mount $d"
done
chmod 0755 /run
# Results go back to the host through the one writable mount.
mount -t hostfs -o "$uml_out" hostfs /mnt || die "mount $uml_out (hostfs) at /mnt"
. /mnt/env || die "read $uml_out/env"
out=/mnt

# cgroup v2 as systemd mounts it (nsdelegate: a cgroup namespace cannot write the limits of
# its own root), with memory, pids and cpu available below the root.
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || die "mount cgroup2"
for c in memory pids cpu; do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || die "enable the $c controller"
done
# The parent of the per-user delegations that lib.sh makes (SANDBOX_TEST_CGROUP_DELEGATE).
mkdir -p /sys/fs/cgroup/user
for c in memory pids cpu; do
    echo "+$c" >/sys/fs/cgroup/user/cgroup.subtree_control || die "enable $c below /user"
done

# Modules of this kernel: tun, and ipv6 for the sandbox's fd00::100 (busybox's insmod: the
# machine need not have kmod).
for m in lib/crc-ccitt net/ipv6/ipv6 drivers/net/tun; do
    busybox insmod "/usr/lib/uml/modules/$(uname -r)/kernel/$m.ko" || die "insmod $m"
done
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
chmod 0666 /dev/net/tun
ip link set lo up || die "lo up"
hostname uml
[ -e /proc/sys/kernel/unprivileged_userns_clone ] && echo 1 >/proc/sys/kernel/unprivileged_userns_clone

# Writable homes for the test users (the host's are read-only here).
mount -t tmpfs -o mode=0755 tmpfs /home || die "mount /home"
for u in "$SANDBOX_TEST_USER" "$SANDBOX_TEST_USER_NOSUB"; do
    id "$u" >/dev/null 2>&1 || continue # lib.sh reports it
    home=$(getent passwd "$u" | cut -d: -f6)
    case $home in /home/*) mkdir -p "$home" && chown "$u:" "$home" ;; esac
done

say "kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
export SANDBOX_TEST_CGROUP_DELEGATE=/sys/fs/cgroup/user
# TEST@nocgroup2 runs TEST where no cgroup v2 is mounted (a mount namespace without it, no
# delegation): the behaviour of a cgroup v1 host.
for t in $UML_TESTS; do
    start=$(date +%s)
    say "$t"
    case $t in
    *@nocgroup2)
        (cd / && SANDBOX_TEST_CGROUP_DELEGATE= unshare -m sh -c \
            'umount /sys/fs/cgroup && exec bash "$0"' "$top_srcdir/tests/integration/${t%@*}") ;;
    *) (cd / && bash "$top_srcdir/tests/integration/$t") ;;
    esac >"$out/$t.tap" 2>&1 </dev/null
    echo "$t $(($(date +%s) - start))" >>"$out/times"
done
sync
echo done >"$out/done"
poweroff -f
