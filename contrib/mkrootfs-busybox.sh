#!/bin/sh
# mkrootfs-busybox.sh: make a small root filesystem from the distribution's static busybox.
#
# Usage: mkrootfs-busybox.sh [--force] DIR
#
# DIR gets /bin/busybox with a symlink per applet in /bin (and in /usr/bin, /usr/sbin where
# busybox itself would put them), /sbin -> bin, the usual empty directories (dev, proc, sys,
# tmp, ...) and a minimal /etc: passwd (root, nobody), group, hosts, hostname, an empty
# resolv.conf. Runs unprivileged: no device nodes, no chown; the sandbox provides /dev, /proc,
# /sys and /tmp at run time.
#
# Idempotent: running it again on a rootfs it made refreshes busybox and the applet links and
# keeps the /etc files as they are (edit them freely). A non-empty DIR that it did not make is
# refused unless --force is given.
#
# Environment: BUSYBOX: the busybox to copy (default /bin/busybox, from Debian's and Ubuntu's
# package busybox-static). It must be statically linked: the rootfs has no shared libraries.
set -eu

prog=mkrootfs-busybox.sh
MARKER=etc/sandbox-rootfs

die() { echo "$prog: $*" >&2; exit 1; }
usage() { echo "usage: $prog [--force] DIR" >&2; exit 2; }

force=0
dir=
while [ $# -gt 0 ]; do
    case $1 in
    -f | --force) force=1 ;;
    -h | --help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    --) shift; [ $# -eq 1 ] || usage; dir=$1 ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir=$1 ;;
    esac
    shift
done
[ -n "$dir" ] || usage

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "$busybox not found: install the package busybox-static (apt-get install busybox-static)"
# A dynamically linked busybox (Debian's package "busybox") would not run without its libraries.
# ldd says "not a dynamic executable" (and fails) for a static one.
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked: install the package busybox-static, or set BUSYBOX to a static busybox"
fi
applets=$("$busybox" --list) || die "$busybox --list failed"
[ -n "$applets" ] || die "$busybox lists no applets"

if [ -e "$dir" ] && [ ! -d "$dir" ]; then
    die "$dir exists and is not a directory"
fi
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/$MARKER" ] && [ $force -eq 0 ]; then
    die "$dir is not empty and not a rootfs made by $prog (use --force to write into it anyway)"
fi

umask 022
mkdir -p "$dir"
cd "$dir"
for d in bin dev etc home proc root run sys tmp usr/bin usr/sbin var/tmp; do
    mkdir -p "$d"
done
chmod 0700 root
chmod 1777 tmp var/tmp
[ -L sbin ] || [ -e sbin ] || ln -s bin sbin

# Copy to a temporary name and rename: a busybox in use in a running sandbox stays intact.
cp "$busybox" bin/.busybox.new
chmod 0755 bin/.busybox.new
mv -f bin/.busybox.new bin/busybox

# Every applet in /bin; those that busybox would install in /usr/bin or /usr/sbin there as well,
# so that scripts with "#!/usr/bin/env" work. Existing files (not links) are left alone.
for a in $applets; do
    [ "$a" = busybox ] && continue
    [ -e "bin/$a" ] && [ ! -L "bin/$a" ] && continue
    ln -sfn busybox "bin/$a"
done
"$busybox" --list-full 2>/dev/null | while read -r path; do
    case $path in
    usr/bin/* | usr/sbin/*)
        [ -e "$path" ] && [ ! -L "$path" ] && continue
        ln -sfn /bin/busybox "$path" ;;
    esac
done

# write FILE: FILE from stdin, unless it exists already.
write() {
    if [ -e "$1" ] || [ -L "$1" ]; then cat >/dev/null; else cat >"$1"; fi
}
write etc/passwd <<'END'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
END
write etc/group <<'END'
root:x:0:
nogroup:x:65534:
END
write etc/hosts <<'END'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
END
write etc/hostname <<'END'
sandbox
END
write etc/resolv.conf </dev/null
"$busybox" --help 2>&1 | head -1 >"$MARKER"
echo "$prog: rootfs ready in $dir ($(cat "$MARKER"))" >&2
