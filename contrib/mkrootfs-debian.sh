#!/bin/sh
# mkrootfs-debian.sh: make a Debian minbase root filesystem with debootstrap.
#
# Usage: mkrootfs-debian.sh [--owner USER] DIR [SUITE]
#
# SUITE defaults to the host's Debian release (its VERSION_CODENAME), else "stable".
# Run it as root: debootstrap creates device nodes and files owned by many ids (root, _apt, ...).
#
# --owner USER: afterwards, shift the ownership of every file the way `sandbox --map auto`
# maps ids for USER: uid/gid 0 becomes USER's own uid/gid, and id N (1 <= N < count) becomes
# START + N - 1 of USER's range in /etc/subuid and /etc/subgid. USER can then run the rootfs
# read-write without root, and root inside sees the files as debootstrap made them (apt, chown,
# su work). Without --owner the files stay owned by root: use `sandbox --overlay` or `--ro`.
#
# Environment: DEBIAN_MIRROR: the mirror (default http://deb.debian.org/debian);
# DEBOOTSTRAP_OPTS: more options for debootstrap (e.g. --include=iproute2,ca-certificates).
set -eu

prog=mkrootfs-debian.sh
die() { echo "$prog: $*" >&2; exit 1; }
usage() { echo "usage: $prog [--owner USER] DIR [SUITE]" >&2; exit 2; }

owner=
while [ $# -gt 0 ]; do
    case $1 in
    --owner) [ $# -ge 2 ] || usage; owner=$2; shift ;;
    --owner=*) owner=${1#--owner=} ;;
    -h | --help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
    shift
done
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
suite=${2:-}
if [ -z "$suite" ]; then
    suite=$( (. /etc/os-release && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}") 2>/dev/null || true)
    [ -n "$suite" ] || suite=stable
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || die "run me as root (debootstrap needs it); --owner USER hands the result to USER"
command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir is not empty"
fi

if [ -n "$owner" ]; then
    uid=$(id -u "$owner") || die "no user $owner"
    gid=$(id -g "$owner")
    # range NAME ID FILE: "START COUNT" of the first range of the user (by name or uid).
    range() {
        awk -F: -v n="$1" -v i="$2" '$1 == n || $1 == i { print $2, $3; exit }' "$3"
    }
    urange=$(range "$owner" "$uid" /etc/subuid)
    grange=$(range "$owner" "$uid" /etc/subgid)
    [ -n "$urange" ] && [ -n "$grange" ] ||
        die "$owner has no range in /etc/subuid or /etc/subgid (e.g. usermod --add-subuids 200000-265535 --add-subgids 200000-265535 $owner)"
fi

echo "$prog: debootstrap --variant=minbase $suite $dir $mirror" >&2
# shellcheck disable=SC2086 # DEBOOTSTRAP_OPTS is a list of options
debootstrap --variant=minbase ${DEBOOTSTRAP_OPTS:-} "$suite" "$dir" "$mirror"
# Keep the image small: the package lists and downloaded .debs come back with apt-get update.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*_Packages

if [ -n "$owner" ]; then
    echo "$prog: shifting ownership to $owner ($uid:$gid, subordinate ranges $urange / $grange)" >&2
    # One pass, by lstat of the original ids, once per inode (so that no id is shifted twice); chown
    # clears setuid/setgid bits, so the mode is put back. Device nodes are kept as they are.
    # shellcheck disable=SC2086 # two words each
    find "$dir" -xdev -print0 | perl -0 -MPOSIX -ne '
        BEGIN { ($uid, $gid, $us, $uc, $gs, $gc) = @ARGV; @ARGV = () }
        chomp;
        my @st = lstat($_) or die "lstat $_: $!\n";
        next if $seen{"$st[0]:$st[1]"}++; # a hard link to a file already shifted
        my ($mode, $u, $g) = @st[2, 4, 5];
        sub shift_id { my ($id, $own, $s, $c) = @_;
            return $own if $id == 0;
            die "id $id of $_ is outside the range of $c ids\n" if $id >= $c;
            return $s + $id - 1 }
        my $nu = shift_id($u, $uid, $us, $uc);
        my $ng = shift_id($g, $gid, $gs, $gc);
        POSIX::lchown($nu, $ng, $_) or die "chown $_: $!\n";
        chmod($mode & 07777, $_) or die "chmod $_: $!\n" unless -l _;
    ' "$uid" "$gid" $urange $grange
fi
echo "$prog: rootfs ready in $dir (Debian $suite, minbase)" >&2
