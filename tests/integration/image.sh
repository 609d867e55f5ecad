#!/bin/bash
# image.sh: IMAGE runs (oci: layouts made by hand with mkimage.py), the layer cache, hostile
# layers. No network: every image is built here from the busybox rootfs.
. "$(dirname "$0")/lib.sh"
make_rootfs
MKIMAGE="python3 $top_srcdir/tests/integration/mkimage.py"
export XDG_DATA_HOME=$T_WORK/data
CACHE=$XDG_DATA_HOME/sandbox
# A cache whose files belong to subordinate ids is removed from inside a namespace (rmi).
trap '"$SANDBOX" images --prune >/dev/null 2>&1; rm -rf "$CACHE/images"; "$SANDBOX" images --prune >/dev/null 2>&1; t_cleanup' EXIT

# tar_py FILE PYTHON: a hand-made layer; PYTHON gets t (a tarfile) and add(name, **attrs).
tar_py() {
    python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
def add(name, type=tarfile.REGTYPE, data=b'', **kw):
    ti = tarfile.TarInfo(name); ti.type = type; ti.size = len(data) if type == tarfile.REGTYPE else 0
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)
exec(sys.argv[2])
t.close()
PY
}

mkdir -p "$T_WORK/l2/etc" "$T_WORK/l2/data"
echo hello >"$T_WORK/l2/etc/greeting"
echo one >"$T_WORK/l2/data/a"
ln "$T_WORK/l2/data/a" "$T_WORK/l2/data/b"
IMG=$T_WORK/img
$MKIMAGE oci "$IMG" --tag base \
    --config '{"Cmd":["cat","/etc/greeting"],"Env":["FOO=from-image","PATH=/bin:/usr/bin"],"WorkingDir":"/data"}' \
    "$ROOTFS" "$T_WORK/l2" || { t_notok "build an OCI image"; exit 0; }

sb_run --net none "oci:$IMG:base"
t_eq "the image's Cmd is the default command" "hello" "$SB_OUT"
t_eq "its Env and WorkingDir are the defaults" "from-image /data" \
    "$(sb --net none "oci:$IMG:base" sh -c 'echo $FOO $(pwd)')"
t_eq "-e and -w win over Env and WorkingDir" "mine /etc" \
    "$(sb --net none -e FOO=mine -w /etc "oci:$IMG:base" sh -c 'echo $FOO $(pwd)')"
t_eq "a hard link of a layer stays one" "2" "$(sb --net none "oci:$IMG:base" stat -c %h /data/b)"

$MKIMAGE oci "$IMG" --tag entry --config '{"Entrypoint":["echo","ep"],"Cmd":["default"]}' "$ROOTFS" "$T_WORK/l2"
t_eq "Entrypoint + Cmd" "ep default" "$(sb --net none "oci:$IMG:entry")"
t_eq "COMMAND replaces Cmd, after Entrypoint" "ep given" "$(sb --net none "oci:$IMG:entry" given)"
# --entrypoint, as podman run: the Cmd "default" would make uname fail, so it must be dropped.
t_eq "--entrypoint replaces Entrypoint and drops Cmd" "Linux" "$(sb --net none --entrypoint uname "oci:$IMG:entry")"
t_eq "--entrypoint: COMMAND follows it" "new cmd" "$(sb --net none --entrypoint echo "oci:$IMG:entry" new cmd)"
t_eq "--entrypoint \"\": COMMAND runs alone" "alone" "$(sb --net none --entrypoint "" "oci:$IMG:entry" echo alone)"
t_eq "--entrypoint \"\" without COMMAND: /bin/sh" "from-sh" \
    "$(echo 'echo from-sh' | sb --net none --no-tty --entrypoint "" "oci:$IMG:entry")"
t_setup_error "--entrypoint with a directory ROOTFS is refused" --net none --entrypoint echo "$ROOTFS" true
t_setup_error "--entrypoint: the JSON array form is refused" --net none --entrypoint '["/bin/sh","-c"]' \
    "oci:$IMG:entry" true
t_eq "the layers of both images are unpacked once" "2" "$(find "$CACHE/layers" -mindepth 1 -maxdepth 1 | wc -l)"

sb --net none "oci:$IMG:base" sh -c 'echo changed >/etc/greeting; rm /data/a'
t_eq "a run's writes go to a throw-away layer" "hello" "$(sb --net none "oci:$IMG:base")"
t_check "the cached layer is untouched" grep -rqx hello "$CACHE/layers"
sb_run --net none --ro "oci:$IMG:base" sh -c 'echo x >/etc/new'
t_check "--ro: the image's root is read-only" test "$SB_RC" -ne 0
t_eq "--overlay keeps its meaning" "hello" "$(sb --net none --overlay "oci:$IMG:base")"

# Archives: what podman save and docker save write, unpacked once into the cache.
tar -C "$IMG" -cf "$T_WORK/oci.tar" .
t_eq "oci-archive:FILE:TAG" "hello" "$(sb --net none "oci-archive:$T_WORK/oci.tar:base")"
$MKIMAGE docker-archive "$T_WORK/docker.tar" --tag localhost/test:latest \
    --config '{"Cmd":["cat","/etc/greeting"]}' "$ROOTFS" "$T_WORK/l2"
t_eq "docker-archive:FILE" "hello" "$(sb --net none "docker-archive:$T_WORK/docker.tar")"
t_eq "docker-archive:FILE:NAME:TAG" "hello" "$(sb --net none "docker-archive:$T_WORK/docker.tar:test:latest")"
t_setup_error "docker-archive: an unknown name" --net none "docker-archive:$T_WORK/docker.tar:other:latest" true

# docker://: pulled through skopeo from a registry on the loopback.
if command -v skopeo >/dev/null && [ -x /usr/bin/docker-registry ]; then
    port=$(free_port)
    mkdir -p "$T_WORK/registry"
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
        "$T_WORK/registry" "$port" >"$T_WORK/registry.yml"
    /usr/bin/docker-registry serve "$T_WORK/registry.yml" >"$T_WORK/registry.log" 2>&1 &
    registry=$!
    if wait_until 10 skopeo copy -q --dest-tls-verify=false "oci:$IMG:base" "docker://127.0.0.1:$port/test:base" \
        >/dev/null 2>&1; then
        sb_run --net none "docker://127.0.0.1:$port/test:base"
        t_eq "docker://REF from a registry on 127.0.0.1 (skopeo)" "hello" "$SB_OUT"
        kill $registry
        t_eq "a pulled image runs from the cache afterwards" "hello" \
            "$(sb --net none "docker://127.0.0.1:$port/test:base")"
    else
        t_notok "push a test image to a local docker-registry" "$(cat "$T_WORK/registry.log")"
        kill $registry
    fi
    wait $registry 2>/dev/null
else
    t_skip "docker://REF through skopeo" "needs skopeo and docker-registry"
fi

# Whiteouts: a file deleted by a later layer, a directory made opaque.
tar_py "$T_WORK/wh.tar" "add('etc/', tarfile.DIRTYPE, mode=0o755); add('etc/.wh.greeting'); add('data/', tarfile.DIRTYPE, mode=0o755); add('data/.wh..wh..opq'); add('data/c', data=b'c')"
$MKIMAGE oci "$IMG" --tag wh --compress zstd "$ROOTFS" "$T_WORK/l2" "$T_WORK/wh.tar"
t_eq "a .wh. file deletes, .wh..wh..opq hides the lower directory (zstd layers)" "gone c" \
    "$(sb --net none "oci:$IMG:wh" sh -c 'echo $(test -e /etc/greeting && echo there || echo gone) $(ls /data)')"

# Owners go through the subordinate range: 1000 inside is not the user, nor root.
mkdir -p "$T_WORK/l4/home/u"
$MKIMAGE oci "$IMG" --tag owned --chown home/u=1000:1000 --config '{"User":"nobody"}' "$ROOTFS" "$T_WORK/l4"
if [ "$T_SUBID" = 1 ]; then
    t_eq "file owners are kept through the subordinate range" "1000:1000" \
        "$(sb --net none --user 0 "oci:$IMG:owned" stat -c %u:%g /home/u)"
    t_eq "the image's User (a name) is the default user" "65534" "$(sb --net none "oci:$IMG:owned" id -u)"
else
    t_eq "without a subordinate range every owner is root" "0:0" \
        "$(sb --net none --user 0 "oci:$IMG:owned" stat -c %u:%g /home/u)"
    t_setup_error "the image's User (nobody) is not mapped: refused" --net none "oci:$IMG:owned" id -u
    t_match "and the message names the image's User, not a --user never given" \
        "^sandbox: the image's User 65534:65534: not mapped .*or give --user\)$" "$SB_ERR"
fi

# An owner beyond the map becomes root, but no setuid or setgid root is made of it (a setuid
# program of an unmapped user would otherwise give root inside to anyone).
tar_py "$T_WORK/far.tar" "add('far', data=b'x', mode=0o6755, uid=70000, gid=70000); add('near', data=b'x', mode=0o4755, uid=1000, gid=0)"
$MKIMAGE oci "$IMG" --tag far "$ROOTFS" "$T_WORK/far.tar"
if [ "$T_SUBID" = 1 ]; then want="755 0:0 4755 1000:0"; else want="755 0:0 755 0:0"; fi
t_eq "an owner beyond the map: root, without its setuid and setgid bits" "$want" \
    "$(sb --net none "oci:$IMG:far" stat -c '%a %u:%g' /far /near | tr '\n' ' ' | sed 's/ $//')"

# Hostile layers write nothing outside their cache entry.
mkdir -p "$T_WORK/victim"
tar_py "$T_WORK/dotdot.tar" "add('../../../../../../../../$T_WORK/victim/dotdot', data=b'x')"
tar_py "$T_WORK/abs.tar" "add('$T_WORK/victim/abs', data=b'x')"
tar_py "$T_WORK/through.tar" "add('d', tarfile.SYMTYPE, linkname='$T_WORK/victim'); add('d/through', data=b'x')"
tar_py "$T_WORK/rel.tar" "add('r', tarfile.SYMTYPE, linkname='../../../../../../../../$T_WORK/victim'); add('r/rel', data=b'x')"
tar_py "$T_WORK/dev.tar" "add('null', tarfile.CHRTYPE, devmajor=1, devminor=3); add('ok', data=b'ok')"
tar_py "$T_WORK/link.tar" "add('hl', tarfile.LNKTYPE, linkname='../../../../../../etc/passwd')"
for h in dotdot through rel link; do
    $MKIMAGE oci "$T_WORK/hostile-$h" "$T_WORK/$h.tar"
    sb_run --net none "oci:$T_WORK/hostile-$h" true
    t_check "hostile layer ($h): refused, nothing written outside" \
        test "$SB_RC" -eq 125 -a -z "$(ls -A "$T_WORK/victim")"
done
$MKIMAGE oci "$T_WORK/hostile-abs" "$ROOTFS" "$T_WORK/abs.tar"
sb_run --net none "oci:$T_WORK/hostile-abs" true
t_check "hostile layer (absolute name): made relative, nothing written outside" \
    test "$SB_RC" -eq 0 -a -z "$(ls -A "$T_WORK/victim")"
$MKIMAGE oci "$T_WORK/hostile-dev" "$ROOTFS" "$T_WORK/dev.tar"
t_eq "a device node in a layer is skipped" "no ok" \
    "$(sb --net none "oci:$T_WORK/hostile-dev" sh -c 'echo $(test -e /null && echo yes || echo no) $(cat /ok)')"
t_check "no half-unpacked layer is left" test -z "$(ls -A "$CACHE/layers" | grep -v '^[0-9a-f]\{64\}$')"

# An unpack killed mid-way is never used: the layer is unpacked again, prune removes the rest.
mkdir -p "$T_WORK/big"
head -c 40000000 /dev/urandom >"$T_WORK/big/blob"
$MKIMAGE oci "$T_WORK/bigimg" --compress none "$ROOTFS" "$T_WORK/big"
bighex=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/index.json'))['manifests'][0]['digest'][7:]
print(json.load(open(sys.argv[1]+'/blobs/sha256/'+m))['layers'][1]['digest'][7:])" "$T_WORK/bigimg")
"$SANDBOX" --net none "oci:$T_WORK/bigimg" true >/dev/null 2>&1 &
bigrun=$!
if wait_until 20 sh -c "ls -A '$CACHE/layers' | grep -q '^.tmp-$bighex-'"; then
    # The temporary directory is named after sandbox-image's pid: kill it in the middle.
    helper=$(ls -A "$CACHE/layers" | sed -n "s/^.tmp-$bighex-//p" | head -1)
    kill -9 "$helper"
    wait $bigrun
    t_check "a killed unpack leaves no layer under its final name" test ! -e "$CACHE/layers/$bighex"
    t_eq "the next run unpacks it anew" "40000000" "$(sb --net none "oci:$T_WORK/bigimg" stat -c %s /blob)"
    sb images --prune
    t_check "images --prune removes what the killed unpack left" \
        test -z "$(ls -A "$CACHE/layers" | grep '^.tmp-')"
else
    wait $bigrun
    t_notok "a killed unpack: the unpack was never seen in progress"
fi
sb rmi "oci:$T_WORK/bigimg" >/dev/null

# A blob that does not match its digest is refused and leaves no layer.
cp -r "$IMG" "$T_WORK/bad"
for blob in "$T_WORK"/bad/blobs/sha256/*; do
    python3 -c "import sys; p=sys.argv[1]; d=bytearray(open(p,'rb').read())
if d[:2] == b'\x1f\x8b': d[-20] ^= 1; open(p, 'wb').write(d)" "$blob"
done
# (an empty cache: a cached layer is trusted by its digest)
XDG_DATA_HOME=$T_WORK/data2 t_setup_error "a corrupted layer is refused" --net none "oci:$T_WORK/bad:base" true
t_check "and not cached" test -z "$(ls -A "$T_WORK/data2/sandbox/layers")"

# A cached run reads the answer sandbox-image saved, without running it: a sandbox next to a
# sandbox-image that leaves a marker shows when it is run.
FAST=$T_WORK/fast
mkdir -p "$FAST/bin"
cp "$SANDBOX" "$FAST/bin/sandbox"
printf '#!/bin/sh\ntouch %s/ran\nexec %s "$@"\n' "$FAST" "$(dirname "$SANDBOX")/sandbox-image" >"$FAST/bin/sandbox-image"
chmod 755 "$FAST/bin/sandbox-image"
fast() { rm -f "$FAST/ran"; "$FAST/bin/sandbox" --net none "oci:$FAST/img:t" "$@"; }
$MKIMAGE oci "$FAST/img" --tag t --config '{"Cmd":["cat","/etc/greeting"]}' "$ROOTFS" "$T_WORK/l2"
t_eq "the first run asks sandbox-image" "hello yes" "$(fast) $(test -e "$FAST/ran" && echo yes)"
t_eq "the second run does not run it" "hello no" "$(fast) $(test -e "$FAST/ran" && echo yes || echo no)"
answer=$(ls "$CACHE"/images/*.answer | head -1)
for f in "$CACHE"/images/*.answer; do grep -qa "oci:$FAST/img:t" "$f" && answer=$f; done
t_eq "the saved answer is the user's own, mode 0600" "$(id -u) 600" "$(stat -c '%u %a' "$answer")"
rm -rf "$FAST/img"
$MKIMAGE oci "$FAST/img" --tag t --config '{"Cmd":["echo","new"]}' "$ROOTFS" "$T_WORK/l2"
t_eq "a new tag target: resolved again" "new yes" "$(fast) $(test -e "$FAST/ran" && echo yes)"
t_eq "and saved again" "new no" "$(fast) $(test -e "$FAST/ran" && echo yes || echo no)"
printf 'sandbox-image-answer 1\0garbage' >"$answer"
t_eq "a corrupt saved answer: sandbox-image instead" "new yes" "$(fast) $(test -e "$FAST/ran" && echo yes)"
head -c -5 "$answer" >"$FAST/cut" && cat "$FAST/cut" >"$answer"
t_eq "a cut-off saved answer: sandbox-image instead" "new yes" "$(fast) $(test -e "$FAST/ran" && echo yes)"
chmod 0644 "$answer"
t_eq "a saved answer others can read or write is not used" "new yes" \
    "$(fast) $(test -e "$FAST/ran" && echo yes)"
chmod 0600 "$answer"
fast >/dev/null
python3 -c 'import sys; p = sys.argv[1]; d = open(p, "rb").read(); open(p, "wb").write(d.replace(b"/layers/", b"/layerz/"))' "$answer"
fast >/dev/null
t_check "a saved answer whose layers are gone: sandbox-image instead" test -e "$FAST/ran"

t_setup_error "a missing layout" --net none "oci:$T_WORK/nothing" true
t_setup_error "an unknown tag" --net none "oci:$IMG:nosuchtag" true

sb --net none "oci:$IMG:base" true
out=$(sb images)
t_match "images lists the cache" "oci:$IMG:base" "$out"
n_before=$(ls "$CACHE/layers" | wc -l)
sb rmi "oci:$IMG:wh" >/dev/null 2>&1
t_check "rmi forgets the image" test -z "$(sb images | grep ":wh\$")"
t_check "rmi frees the layers no other image uses" test "$(ls "$CACHE/layers" | wc -l)" -lt "$n_before"
t_eq "the others still run from the cache" "hello" "$(sb --net none "oci:$IMG:base")"
t_setup_error "rmi of an unknown image" rmi "oci:$T_WORK/nothing"
