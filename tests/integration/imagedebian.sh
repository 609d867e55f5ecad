#!/bin/bash
# imagedebian.sh: a real Debian image with dpkg and apt, made offline from this host's own
# packages (mkdebian.py), run from an oci-archive. With a subordinate range its owners (_apt's
# partial directories, /etc/shadow's group) go through the range, so dpkg -i, apt-get install
# (a local .deb and a file: repository) and apt-get remove work, apt's drop to its _apt user
# (setgroups, setgid 65534, setuid 42) and a maintainer script's chown to _apt included.
# Without a range, what sandbox(1) says: owners collapse to root, dpkg works, apt's drop fails
# until APT::Sandbox::User is root, a chown to a system user fails.

# debian_build DIR: DIR/debian.tar (the image, an oci-archive tagged "deb"; the same layer as
# podman save writes it in DIR/debian-docker.tar), DIR/repo (sbhello.deb
# and its Packages index, a flat file: repository; sbowned.deb). Built once per script run, by root for both
# test users (t_root_setup), or by the user when run unprivileged. In a subshell with umask 022:
# dpkg-deb refuses a DEBIAN directory made 0700 under a caller's umask 077.
debian_build() (
    umask 022
    local d=$1
    python3 "$top_srcdir/tests/integration/mkdebian.py" "$d/layer.tar" &&
        python3 "$top_srcdir/tests/integration/mkimage.py" oci "$d/img" --tag deb --compress zstd \
            --config '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bash"]}' \
            "$d/layer.tar" &&
        tar -C "$d/img" -cf "$d/debian.tar" . &&
        python3 "$top_srcdir/tests/integration/mkimage.py" docker-archive "$d/debian-docker.tar" \
            --tag localhost/debian:test "$d/layer.tar" && rm -rf "$d/layer.tar" "$d/img" || return 1
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/repo" || return 1
    printf 'Package: sbhello\nVersion: 1.0\nArchitecture: all\nMaintainer: sandbox tests <nobody@localhost>\nDescription: sandbox test package\n prints a greeting\n' \
        >"$d/pkg/DEBIAN/control"
    printf '#!/bin/sh\necho hello from sbhello\n' >"$d/pkg/usr/bin/sbhello"
    chmod 755 "$d/pkg/usr/bin/sbhello"
    dpkg-deb --root-owner-group -Zgzip --build "$d/pkg" "$d/repo/sbhello.deb" >/dev/null || return 1
    { dpkg-deb -f "$d/repo/sbhello.deb"
      echo "Filename: ./sbhello.deb"
      echo "Size: $(stat -c %s "$d/repo/sbhello.deb")"
      echo "SHA256: $(sha256sum "$d/repo/sbhello.deb" | cut -d' ' -f1)"
      echo; } >"$d/repo/Packages" && gzip -9n <"$d/repo/Packages" >"$d/repo/Packages.gz" || return 1
    # sbowned: a maintainer script that gives a directory to a system user, as many do.
    mkdir -p "$d/pkg2/DEBIAN" || return 1
    printf 'Package: sbowned\nVersion: 1.0\nArchitecture: all\nMaintainer: sandbox tests <nobody@localhost>\nDescription: sandbox test package\n makes a directory of _apt\n' \
        >"$d/pkg2/DEBIAN/control"
    printf '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n    mkdir -p /var/lib/sbowned\n    chown _apt:nogroup /var/lib/sbowned\n    chmod 750 /var/lib/sbowned\nfi\n' \
        >"$d/pkg2/DEBIAN/postinst"
    printf '#!/bin/sh\nset -e\nif [ "$1" = purge ]; then rm -rf /var/lib/sbowned; fi\n' >"$d/pkg2/DEBIAN/postrm"
    chmod 755 "$d/pkg2/DEBIAN/postinst" "$d/pkg2/DEBIAN/postrm"
    dpkg-deb --root-owner-group -Zgzip --build "$d/pkg2" "$d/repo/sbowned.deb" >/dev/null || return 1
    rm -rf "$d/pkg" "$d/pkg2"
    chmod -R a+rX "$d"
)
t_root_setup() { mkdir "$1/debian" && debian_build "$1/debian" >"$1/debian.log" 2>&1 || rm -rf "$1/debian"; }
. "$(dirname "$0")/lib.sh"
export XDG_DATA_HOME=$T_WORK/data
CACHE=$XDG_DATA_HOME/sandbox
trap '"$SANDBOX" images --prune >/dev/null 2>&1; rm -rf "$CACHE/images"; "$SANDBOX" images --prune >/dev/null 2>&1; t_cleanup' EXIT

if ! command -v dpkg-deb >/dev/null || ! command -v apt-get >/dev/null || ! command -v readelf >/dev/null; then
    t_skip "a Debian image made from this host's packages" "needs a Debian host (dpkg, apt) and readelf"
    exit 0
fi
DEB=$top_builddir/debian
if [ ! -f "$DEB/debian.tar" ]; then
    DEB=$T_WORK/debian
    mkdir -p "$DEB"
    # The log's last lines one argument each: t_notok makes each a TAP comment ("#" first).
    debian_build "$DEB" >"$T_WORK/debian.log" 2>&1 ||
        { mapfile -t why < <(tail -5 "$T_WORK/debian.log"); t_notok "build a Debian image from this host's packages" "${why[@]}"; exit 0; }
fi
IMG=oci-archive:$DEB/debian.tar:deb
# deb ARGS... -- the sandbox on the image with the repository at /srv/repo and the package at
# /tmp/sbhello.deb; each run starts from the image as it is. Umask 022 as in a container: the
# sandbox keeps the caller's, and under 077 apt's downloads as root would be unreadable to _apt.
deb() { (umask 022 && sb --net none --ro-bind "$DEB/repo" /srv/repo --ro-bind "$DEB/repo/sbhello.deb" /tmp/sbhello.deb "$IMG" "$@" 2>&1); }
# The problems apt reports: its E: and W: lines.
apt_problems() { grep -E '^(E|W): ' || true; }
SOURCES='echo "deb [trusted=yes] file:/srv/repo ./" >/etc/apt/sources.list'
t_eq "the same image from a docker-archive: the same owners" \
    "$(if [ "$T_SUBID" = 1 ]; then echo "42:0 0:42"; else echo "0:0 0:0"; fi)" \
    "$(sb --net none "docker-archive:$DEB/debian-docker.tar" stat -c %u:%g /var/lib/apt/lists/partial /etc/shadow 2>&1 | tr '\n' ' ' | sed 's/ $//')"
# The cache as the first run unpacked it: every run after it has its own throw-away layer.
snapshot() { find "$CACHE/layers" -printf '%P %s %m %U:%G %T@\n' 2>/dev/null | sort | sha256sum; }
deb true >/dev/null
before=$(snapshot)

if [ "$T_SUBID" = 1 ]; then
    t_eq "owners go through the range: apt's partial directories are _apt's, /etc/shadow group shadow's" \
        "42:0 42:0 0:42 640" \
        "$(deb sh -c 'stat -c %u:%g /var/cache/apt/archives/partial /var/lib/apt/lists/partial; stat -c "%u:%g %a" /etc/shadow' | tr '\n' ' ' | sed 's/ $//')"
    t_eq "dpkg -i installs a package and it runs" "hello from sbhello|install ok installed" \
        "$(deb sh -c 'dpkg -i /tmp/sbhello.deb >/dev/null && sbhello && dpkg-query -W -f "|\${Status}" sbhello' | tr -d '\n')"
    out=$(deb sh -c 'apt-get install -y /tmp/sbhello.deb && sbhello && dpkg-query -W -f "installed:\${Status}\n" sbhello &&
        apt-get remove -y sbhello && { test -e /usr/bin/sbhello || echo gone; } && { dpkg -s sbhello >/dev/null 2>&1 || echo removed; }')
    t_eq "apt-get install of a local .deb, then apt-get remove" "hello from sbhello|installed:install ok installed|gone|removed" \
        "$(printf '%s\n' "$out" | grep -E '^(hello|installed:|gone|removed)' | tr '\n' '|' | sed 's/|$//')"
    t_eq "apt drops to _apt without a complaint (no E: or W: line)" "" "$(printf '%s\n' "$out" | apt_problems)"
    # APT::Sandbox::Verify: apt checks its own drop (no group left, ids changed, root not regained).
    out=$(deb sh -c "$SOURCES"' && apt-get -o APT::Sandbox::Verify=1 update && apt-get -o APT::Sandbox::Verify=1 install -y sbhello && sbhello')
    t_eq "apt-get update from a file: repository (its methods as _apt, verified by apt), then apt-get install" "hello from sbhello" \
        "$(printf '%s\n' "$out" | tail -1)"
    t_eq "and neither complains" "" "$(printf '%s\n' "$out" | apt_problems)"
    out=$(deb sh -c 'apt-get install -y /srv/repo/sbowned.deb >/dev/null && stat -c %u:%g:%a /var/lib/sbowned &&
        apt-get purge -y sbowned >/dev/null && { test -e /var/lib/sbowned || echo purged; }')
    t_eq "a maintainer script's chown to _apt:nogroup (42:65534), then apt-get purge" "42:65534:750|purged" \
        "$(printf '%s\n' "$out" | tr '\n' '|' | sed 's/|$//')"
else
    t_eq "without a range every owner is root inside" "0:0 0:0 0:0" \
        "$(deb sh -c 'stat -c %u:%g /var/cache/apt/archives/partial /var/lib/apt/lists/partial /etc/shadow' | tr '\n' ' ' | sed 's/ $//')"
    t_eq "dpkg -i still works" "hello from sbhello|install ok installed" \
        "$(deb sh -c 'dpkg -i /tmp/sbhello.deb >/dev/null && sbhello && dpkg-query -W -f "|\${Status}" sbhello' | tr -d '\n')"
    out=$(deb sh -c 'apt-get install -y /tmp/sbhello.deb; echo "rc=$?"')
    t_match "apt-get fails: its drop to _apt needs setgroups and uid 42" \
        "E: setgroups 65534 failed.*Operation not permitted" "$(printf '%s\n' "$out" | grep -m1 setgroups)"
    t_eq "and ends with an error" "rc=100" "$(printf '%s\n' "$out" | tail -1)"
    out=$(deb sh -c "$SOURCES"' && apt-get -o APT::Sandbox::User=root update && apt-get -o APT::Sandbox::User=root install -y sbhello && sbhello &&
        apt-get -o APT::Sandbox::User=root remove -y sbhello && { dpkg -s sbhello >/dev/null 2>&1 || echo removed; }')
    t_eq "with APT::Sandbox::User root: apt-get update, install, remove" "hello from sbhello|removed" \
        "$(printf '%s\n' "$out" | grep -E '^(hello|removed)' | tr '\n' '|' | sed 's/|$//')"
    out=$(deb sh -c 'dpkg -i /srv/repo/sbowned.deb; echo "rc=$?"; dpkg-query -W -f "\${Status}\n" sbowned')
    t_eq "a maintainer script's chown to a system user fails: the package stays half-configured" \
        "chown: changing ownership of '/var/lib/sbowned': Invalid argument|rc=1|install ok half-configured" \
        "$(printf '%s\n' "$out" | grep -E '^(chown|rc=|install)' | tr '\n' '|' | sed 's/|$//')"
fi

deb sh -c 'dpkg -i /tmp/sbhello.deb && echo changed >/etc/debian_version' >/dev/null
t_eq "the image's cache entry is unchanged by the runs" "$before" "$(snapshot)"
t_check "no package of a run is in the cache" test -z "$(find "$CACHE/layers" -name sbhello 2>/dev/null)"
t_eq "and the next run starts from the image" "$(cat /etc/debian_version) absent" \
    "$(deb sh -c 'cat /etc/debian_version; dpkg -s sbhello >/dev/null 2>&1 && echo present || echo absent' | tr '\n' ' ' | sed 's/ $//')"
