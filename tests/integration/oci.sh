#!/bin/bash
# oci.sh: sandbox-oci, the OCI runtime. Driven by the real client, rootless podman with conmon
# (--runtime PATH --cgroup-manager cgroupfs), on an image `podman import` made from the busybox
# rootfs: run --rm with output and exit status, run -d + exec + logs + stop + rm, run -it on a
# pty, -p through podman's own network; then sandbox-oci's own command line on a hand-written
# bundle inside `unshare -r` (as podman calls it: root of a user namespace someone else made):
# the lifecycle, state JSON and the refusal of what config.json asks that it cannot do.
. "$(dirname "$0")/lib.sh"
OCI=$(dirname "$SANDBOX")/sandbox-oci

if ! command -v podman >/dev/null 2>&1; then
    t_skip "podman with sandbox-oci" "podman is not installed (contrib/deps-debian.txt)"
    exit 0
fi
t_skip_nested "rootless podman needs its setuid newuidmap, which gains nothing under no_new_privs"
make_rootfs

# Every podman and sandbox-oci call runs under `timeout` (generous: a podman run takes a second
# or two): a hang becomes one failing test (exit 124), not the whole CI budget.
T_CALL=60
# Podman's storage and run state of this test only; its files belong to subordinate ids, so
# they are removed from inside podman's user namespace.
# A runtime directory of its own too: a user at a terminal has /run/user/UID, whose podman
# pause process (and user namespace) are theirs, not this test's.
export HOME=$T_WORK/home XDG_RUNTIME_DIR=$T_WORK/xdg
mkdir -p "$HOME" && mkdir -m 700 -p "$XDG_RUNTIME_DIR"
PODMAN=(timeout -k 5 "$T_CALL" podman --root "$T_WORK/storage" --runroot "$T_WORK/run" --tmpdir "$T_WORK/tmp"
        --runtime "$OCI" --cgroup-manager cgroupfs --events-backend none)
# podman's pause process (catatonit, holding its user namespace) outlives podman: without the
# kill every run of this test left one per user behind (its pid file: in --tmpdir for podman
# 4.3, in the runtime directory for later ones).
trap '"${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1; "${PODMAN[@]}" unshare rm -rf "$T_WORK/storage" "$T_WORK/run" 2>/dev/null
      for f in "$T_WORK/tmp/pause.pid" "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid"; do
          [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; t_cleanup' EXIT
IMAGE=localhost/sandbox-oci-test:busybox
# What --tmpfs /srv/seed must find copied into its tmpfs (tmpcopyup): a file of mode 640 with a
# second name (a hard link) a level down, a file there, a symlink, a fifo, in a directory of mode
# 1770.
mkdir -p "$ROOTFS/srv/seed/sub" && echo seeded >"$ROOTFS/srv/seed/a" && echo deep >"$ROOTFS/srv/seed/sub/b" &&
    ln -s a "$ROOTFS/srv/seed/link" && mkfifo "$ROOTFS/srv/seed/fifo" && chmod 640 "$ROOTFS/srv/seed/a" &&
    ln "$ROOTFS/srv/seed/a" "$ROOTFS/srv/seed/sub/hard" && chmod 1770 "$ROOTFS/srv/seed"
# Owned by root in the tarball: a user without a subordinate range maps no other id.
tar -C "$ROOTFS" --numeric-owner --owner=0 --group=0 -cf "$T_WORK/busybox.tar" . &&
    "${PODMAN[@]}" import -q "$T_WORK/busybox.tar" "$IMAGE" >/dev/null 2>"$T_WORK/import.err" ||
    { t_notok "podman import a busybox tarball" "$(cat "$T_WORK/import.err")"; exit 0; }

# --- podman run --rm ---------------------------------------------------------------------
# One run answers several questions, one line each (every podman run costs a second or two).
"${PODMAN[@]}" run --rm "$IMAGE" sh -c '
    echo hello
    grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t\n"; echo " $$"
    grep ^CapEff: /proc/self/status | cut -f2; hostname
    test -c /proc/keys && echo masked; { echo x >/proc/sysrq-trigger; } 2>/dev/null || echo ro
    tr "\t" " " </proc/sys/net/ipv4/ping_group_range
    umask; ulimit -n; echo $container; cat /etc/hostname >/dev/null && echo bound' >"$T_WORK/out" 2>&1
line() { sed -n "$1p" "$T_WORK/out"; }
t_eq "podman run --rm: COMMAND's output" "hello" "$(line 1)"
t_eq "config.json's seccomp profile is loaded, no_new_privs set, COMMAND is PID 1" "NoNewPrivs:1Seccomp:2 1" "$(line 2)"
t_match "process.capabilities (podman's default set) and hostname" "^00000000800405fb [0-9a-f]{12}$" "$(line 3) $(line 4)"
t_eq "maskedPaths, readonlyPaths and sysctl" "masked ro 0 0" "$(line 5) $(line 6) $(line 7)"
t_eq "umask, rlimits, env and podman's bind mounts" "0022 20000 podman bound" "$(echo $(sed -n '8,$p' "$T_WORK/out"))"
"${PODMAN[@]}" run --rm "$IMAGE" sh -c 'exit 3'
t_eq "podman run --rm: COMMAND's exit status" "3" "$?"

# --- run -d, exec, logs, stop, rm ----------------------------------------------------------
id=$("${PODMAN[@]}" run -d "$IMAGE" sh -c 'echo started; trap "echo got TERM; exit 0" TERM; while :; do sleep 0.1; done' 2>"$T_WORK/err")
if [ -z "$id" ]; then
    t_notok "podman run -d" "$(cat "$T_WORK/err")"
else
    t_ok "podman run -d"
    pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$id")
    t_eq "podman inspect: running" "running" "$("${PODMAN[@]}" inspect -f '{{.State.Status}}' "$id")"
    # The container's loop is PID 1 here (ps lists by pid; a child it forked for sleep, not yet
    # exec'd, also shows the loop's command line: counting the lines was flaky).
    out=$("${PODMAN[@]}" exec "$id" sh -c 'echo in exec; ps -o pid,args | grep "[w]hile" | head -n 1 | awk "{ print \$1 }"')
    t_eq "podman exec: output, in the container's pid namespace" "in exec 1" "$(echo $out)"
    "${PODMAN[@]}" exec "$id" sh -c 'exit 7'
    t_eq "podman exec: exit status" "7" "$?"
    echo kept >"$T_WORK/fd3"
    t_eq "podman exec --preserve-fds 1: fd 3 reaches the process" "kept" \
        "$("${PODMAN[@]}" exec --preserve-fds 1 "$id" sh -c 'cat <&3' 3<"$T_WORK/fd3" 2>&1)"
    wait_until 5 sh -c '"$@" logs "$0" | grep -q started' "$id" "${PODMAN[@]}"
    t_eq "podman logs" "started" "$("${PODMAN[@]}" logs "$id")"
    "${PODMAN[@]}" stop -t 10 "$id" >/dev/null
    t_eq "podman stop: SIGTERM reaches the container's PID 1 and it exits" "started got TERM" \
        "$(echo $("${PODMAN[@]}" logs "$id"))"
    t_check "podman stop: the process is gone on the host" sh -c "! kill -0 $pid 2>/dev/null"
    t_check "podman rm" "${PODMAN[@]}" rm "$id"
fi

# --- run -it on a pseudo-terminal ----------------------------------------------------------
if command -v script >/dev/null 2>&1; then
    # timeout around script, not podman: timeout's own process group would not be the pty's
    # foreground one, and podman -it would stop at its first read of the terminal.
    out=$(timeout -k 5 "$T_CALL" script -qec "$(printf '%q ' "${PODMAN[@]:4}") run -it --rm $IMAGE sh -c 'tty; exit 4'" /dev/null </dev/null)
    rc=$?
    t_match "podman run -it: a pty from the console socket" "/dev/pts/0" "$out"
    t_eq "podman run -it: exit status" "4" "$rc"
else
    t_skip "podman run -it" "script(1) is not installed (bsdutils)"
    t_skip "podman run -it: exit status" "script(1) is not installed (bsdutils)"
fi

# --- -p through podman's network -----------------------------------------------------------
port=$(free_port)
id=$("${PODMAN[@]}" run -d -p "127.0.0.1:$port:8080" "$IMAGE" \
    sh -c 'mkdir /www && echo served >/www/index && exec httpd -f -p 8080 -h /www' 2>"$T_WORK/err")
if [ -n "$id" ] && wait_until 10 sh -c "'$ROOTFS/bin/busybox' wget -q -O - http://127.0.0.1:$port/index >/dev/null 2>&1"; then
    t_eq "podman run -p: a published port" "served" "$("$ROOTFS/bin/busybox" wget -q -O - "http://127.0.0.1:$port/index")"
else
    t_notok "podman run -p: a published port" "$(cat "$T_WORK/err")"
fi
[ -n "$id" ] && "${PODMAN[@]}" rm -f -t 0 "$id" >/dev/null 2>&1

# --- --read-only, --tmpfs (tmpcopyup) ----------------------------------------------------
"${PODMAN[@]}" run --rm --read-only --tmpfs /srv/seed "$IMAGE" sh -c '
    touch /etc/x 2>/dev/null && echo rw || echo ro
    touch /tmp/t /var/tmp/t /run/t && stat -c %a /tmp /var/tmp
    cat /srv/seed/a /srv/seed/sub/b; readlink /srv/seed/link; test -p /srv/seed/fifo && echo fifo
    stat -c "%a %u" /srv/seed /srv/seed/a; grep -c " /srv/seed tmpfs " /proc/mounts
    echo changed >/srv/seed/a && cat /srv/seed/a
    stat -c %i /srv/seed/a /srv/seed/sub/hard | uniq | wc -l; cat /srv/seed/sub/hard' >"$T_WORK/out" 2>&1
t_eq "podman run --read-only: the root is read-only" "ro" "$(line 1)"
t_eq "--read-only: /tmp and /var/tmp are writable tmpfs with the image's mode" "1777 1777" "$(echo $(line 2; line 3))"
t_eq "--tmpfs: the image's files, a level down, a symlink and a fifo are copied in" "seeded deep a fifo" \
    "$(echo $(sed -n 4,7p "$T_WORK/out"))"
t_eq "--tmpfs: the directory's and the files' modes and owners are kept" "1770 0 640 0 1" "$(echo $(sed -n 8,10p "$T_WORK/out"))"
t_eq "--tmpfs: writable under --read-only" "changed" "$(line 11)"
t_eq "--tmpfs: two names of one file stay one inode (stat -c %i), the write seen through both" "1 changed" \
    "$(echo $(line 12; line 13))"
t_eq "--tmpfs: the image is not changed" "seeded" "$("${PODMAN[@]}" run --rm "$IMAGE" cat /srv/seed/a 2>&1)"

# --- --pid=host; --pid and --network of another container (namespaces joined by path) --------
out=$("${PODMAN[@]}" run --rm --pid=host "$IMAGE" sh -c 'test $$ -ne 1 && test -e /proc/$1/status && echo host' sh $$ 2>&1)
t_eq "podman run --pid=host: the host's processes in /proc" "host" "$out"
id=$("${PODMAN[@]}" run -d "$IMAGE" sh -c 'mkdir /www && echo joined >/www/i && exec httpd -f -p 8080 -h /www' 2>"$T_WORK/err")
if [ -n "$id" ]; then
    out=$("${PODMAN[@]}" run --rm --pid "container:$id" --network "container:$id" "$IMAGE" sh -c '
        ps -o args | grep -c "^[h]ttpd"; i=0
        until wget -q -O - http://127.0.0.1:8080/i 2>/dev/null; do i=$((i+1)); [ $i -lt 50 ] || break; sleep 0.1; done' 2>&1)
    t_eq "podman run --pid container:X --network container:X: its processes and its loopback" "1 joined" "$(echo $out)"
else
    t_notok "podman run --pid container:X --network container:X" "$(cat "$T_WORK/err")"
fi
[ -n "$id" ] && "${PODMAN[@]}" rm -f -t 0 "$id" >/dev/null 2>&1
echo kept >"$T_WORK/fd3"
t_eq "podman run --preserve-fds 1: fd 3 reaches the container" "kept" \
    "$("${PODMAN[@]}" run --rm --preserve-fds 1 "$IMAGE" sh -c 'cat <&3' 3<"$T_WORK/fd3" 2>&1)"

# --- sandbox-oci's own command line, in a user namespace of unshare -r -----------------------
if ! unshare -r true 2>/dev/null; then
    t_skip "sandbox-oci lifecycle in unshare -r" "unshare -r is refused here"
    exit 0
fi
B=$T_WORK/bundle
mkdir -p "$B"
# config VARIANT: a bundle for the rootfs, COMMAND in process.args; extra JSON merged in.
config() {
    python3 - "$B/config.json" "$ROOTFS" "$1" "$2" <<'PY'
import json, sys
path, rootfs, args, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4] or '{}')
c = {"ociVersion": "1.0.2", "root": {"path": rootfs},
     "process": {"args": args, "cwd": "/", "env": ["PATH=/bin:/usr/bin"], "user": {"uid": 0, "gid": 0},
                 "capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"], "effective": ["CAP_KILL"]}},
     "hostname": "oci-test",
     "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["newinstance"]}],
     "annotations": {"test.key": "value"},
     "linux": {"namespaces": [{"type": t} for t in ("pid", "mount", "ipc", "uts", "network")]}}
for k, v in extra.items():
    if isinstance(v, dict) and isinstance(c.get(k), dict): c[k].update(v)
    else: c[k] = v
json.dump(c, open(path, "w"))
PY
}
R=$T_WORK/ocistate
oci() { timeout -k 5 "$T_CALL" unshare -r "$OCI" --root "$R" "$@"; }
config '["sh","-c","echo out; hostname; exit 5"]' ''
out=$(oci run --bundle "$B" t1 2>&1)
t_eq "sandbox-oci run: output and hostname" "out oci-test" "$(echo $out)"
oci run --bundle "$B" t1 >/dev/null 2>&1
t_eq "sandbox-oci run: exit status" "5" "$?"
# The container's stdin is the runtime's (podman run -i): an empty mount plan once took fd 0
# for a marks journal and closed it.
config '["sh","-c","cat"]' ''
t_eq "sandbox-oci run: the container reads the runtime's stdin" "from-stdin" \
    "$(echo from-stdin | oci run --bundle "$B" t1b 2>&1)"

# create/start/state/kill/delete need one process holding the user namespace: a shell in it.
config '["sh","-c","echo started >&2; exec sleep 100"]' ''
out=$(timeout -k 5 "$T_CALL" unshare -r bash -c '
    OCI=$0 R=$1 B=$2
    o() { "$OCI" --root "$R" "$@"; }
    o create --bundle "$B" --pid-file "$R.pid" t2 || exit 1
    o state t2 | grep -o "\"status\":\"[a-z]*\""
    o start t2 2>/dev/null
    o start t2 2>&1 | head -1
    o state t2 | grep -o "\"status\":\"[a-z]*\",\"pid\":[0-9]*\|\"annotations\":{[^}]*}" | tr "\n" " "; echo
    [ "$(cat "$R.pid")" -gt 0 ] && echo pidfile
    o delete t2 2>&1
    o kill t2 KILL; sleep 0.3; o state t2 | grep -o "\"status\":\"[a-z]*\""
    o delete t2 && o state t2 2>&1
' "$OCI" "$R" "$B" 2>&1)
t_match "create: status created" '"status":"created"' "$out"
t_match "start of a started container is refused" "sandbox-oci: container t2: is running, not created" "$out"
t_match "state: running, its pid and annotations" '"status":"running","pid":[0-9]+ "annotations":\{"test.key":"value"\}' "$out"
t_match "create --pid-file" "pidfile" "$out"
t_match "delete of a running container without --force is refused" "is running \(stop it first, or --force\)" "$out"
t_match "kill, then state: stopped" '"status":"stopped"' "$out"
t_match "delete removes it" "sandbox-oci: container t2: does not exist" "$out"

# Hooks: createContainer runs in the container's namespaces with the caller's paths, before
# pivot_root; startContainer in the container, paths and all, before the command. Each gets the
# state JSON on stdin, as the runtime spec (and runc) give it: "creating" in create's hooks
# (prestart, createRuntime, createContainer), "created" in startContainer, "running" in
# poststart, "stopped" in poststop; the pid as the hook's namespaces see it (1 inside the
# container's pid namespace). They run in the spec's order (each notes its name in the rootfs's
# /tmp/order): prestart, createRuntime, createContainer (all three before pivot_root: the
# last one writes the caller's paths), startContainer, poststart. A failing startContainer hook
# fails the start.
hook() { printf '[{"path": "/bin/sh", "env": ["PATH=/usr/bin:/bin"], "args": ["sh", "-c", "%s"]}]' "$1"; }
rm -f "$ROOTFS/tmp/order"
config '["cat","/tmp/sc.json"]' "{\"hooks\": {
    \"prestart\": $(hook "echo prestart >>$ROOTFS/tmp/order"),
    \"createRuntime\": $(hook "cat >$T_WORK/cr.json; echo createRuntime >>$ROOTFS/tmp/order"),
    \"createContainer\": $(hook "cat /proc/sys/kernel/hostname >$T_WORK/cc; cat >$T_WORK/cc.json; echo createContainer >>$ROOTFS/tmp/order"),
    \"startContainer\": $(hook "cat >/tmp/sc.json; echo startContainer >>/tmp/order"),
    \"poststart\": $(hook "cat >$T_WORK/pst.json; echo poststart >>$ROOTFS/tmp/order"),
    \"poststop\": $(hook "cat >$T_WORK/pstop.json")}}"
out=$(oci run --bundle "$B" t4 2>&1)
t_eq "hooks in the spec's order, those of create before pivot_root" \
    "prestart createRuntime createContainer startContainer poststart" "$(echo $(cat "$ROOTFS/tmp/order" 2>&1))"
hookstate() { jq -r '[.id, .status, (.pid | tostring)] | join(" ")' 2>&1; }
t_eq "startContainer hook: in the container before the command; state created, pid 1 (the container's)" \
    "t4 created 1" "$(echo "$out" | hookstate)"
t_eq "createContainer hook: in the container's uts namespace, with the caller's paths" "oci-test" "$(head -n 1 "$T_WORK/cc" 2>&1)"
t_eq "createContainer hook: state creating, pid 1 (the container's)" "t4 creating 1" "$(hookstate <"$T_WORK/cc.json")"
hpid=$(jq -r .pid "$T_WORK/cr.json" 2>&1)
t_match "createRuntime and poststart hooks: creating then running, the pid as the runtime sees it" \
    "^t4 creating ([2-9]|[1-9][0-9]+) t4 running ([2-9]|[1-9][0-9]+)$" "$(hookstate <"$T_WORK/cr.json") $(hookstate <"$T_WORK/pst.json")"
t_eq "createRuntime and poststart hooks: the same pid" "$hpid" "$(jq -r .pid "$T_WORK/pst.json" 2>&1)"
t_eq "poststop hook: state stopped, no pid" "t4 stopped null" "$(hookstate <"$T_WORK/pstop.json")"
config '["echo","not reached"]' '{"hooks": {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}}'
out=$(oci run --bundle "$B" t4 2>&1; echo "rc=$?")
t_match "a failing startContainer hook: the start fails, the command does not run" \
    "^sandbox-oci: hook startContainer: /bin/sh: failed \(exit 3\).*rc=1$" "$(echo $out)"
t_check "a failed run leaves no state behind" test ! -e "$R/t4"
config '["echo","not reached"]' '{"hooks": {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]}],
    "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo ran >/tmp/cc"]}]}}'
rm -f "$ROOTFS/tmp/cc"
out=$(oci run --bundle "$B" t4 2>&1; echo "rc=$?")
t_match "a failing createRuntime hook: the create fails, createContainer's hooks and the command do not run" \
    "^sandbox-oci: hook createRuntime: /bin/sh: failed \(exit 4\) rc=1$" "$(echo $out $(cat "$ROOTFS/tmp/cc" 2>/dev/null))"
t_check "and leaves no state behind" test ! -e "$R/t4"

# --preserve-fds N: fds 3.. reach the process.
t_eq "run --preserve-fds 1: fd 3 reaches the process" "kept" \
    "$(config '["sh","-c","cat <&3"]' ''; oci run --preserve-fds 1 --bundle "$B" t5 3<"$T_WORK/fd3" 2>&1)"
t_match "--preserve-fds of a closed fd is refused" "^sandbox-oci: --preserve-fds 2: fd 4 is not open" \
    "$(oci run --preserve-fds 2 --bundle "$B" t5 3<"$T_WORK/fd3" 4<&- 2>&1)"

# A user namespace sandbox-oci makes gets half the caller's /proc/sys/user limits, as a
# sandbox's does; and the runtime's process is not dumpable there: a createContainer hook, in
# that namespace, cannot read its memory (/proc/PID/environ, PID from the state) before
# COMMAND replaces it.
# (The hook's parent is the runtime's process; the state's pid is the container's view, 1.)
cat >"$T_WORK/dumphook" <<EOF
while read -r key value; do [ "\$key" = PPid: ] && pid=\$value; done </proc/self/status
cat /proc/\$pid/environ >/dev/null 2>&1 && echo readable >$T_WORK/dump ||
    { test -r /proc/\$pid/status && echo hidden || echo "no process \$pid"; } >$T_WORK/dump
EOF
config '["cat","/proc/sys/user/max_user_namespaces"]' "{\"hostname\": null, \"linux\": {
    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"user\"}],
    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 1}],
    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 1}]},
  \"hooks\": {\"createContainer\": [{\"path\": \"/bin/sh\", \"env\": [\"PATH=/usr/bin:/bin\"],
    \"args\": [\"sh\", \"$T_WORK/dumphook\"]}]}}"
out=$(timeout -k 5 "$T_CALL" unshare -r sh -c 'echo 20 >/proc/sys/user/max_user_namespaces && exec "$@"' sh \
    "$OCI" --root "$R" run --bundle "$B" t6 2>&1)
t_eq "a user namespace of its own: half the caller's max_user_namespaces (10 of 20)" "10" "$out"
t_eq "the runtime's process is not dumpable inside the container's user namespace" "hidden" "$(cat "$T_WORK/dump" 2>&1)"

# A user namespace joined by path: a second container in the first one's (as a plain user, the
# first lists a user namespace with a map of the caller's own id, as `runc spec --rootless`
# writes). It has the same ns/user inode, is root there, and needs no maps of its own; the same
# maps may be given, others are refused.
o2() { timeout -k 5 "$T_CALL" "$OCI" --root "$T_WORK/ocistate2" "$@"; }
uid_map="{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}"
gid_map="{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}"
config '["sleep","100"]' "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"user\"},
    {\"type\": \"uts\"}], \"uidMappings\": [$uid_map], \"gidMappings\": [$gid_map]}}"
o2 create --bundle "$B" --pid-file "$T_WORK/u1.pid" u1 >"$T_WORK/u1.log" 2>&1 && o2 start u1 >>"$T_WORK/u1.log" 2>&1
u1=$(cat "$T_WORK/u1.pid" 2>/dev/null)
joined="{\"hostname\": null, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},
    {\"type\": \"user\", \"path\": \"/proc/${u1:-0}/ns/user\"}]"
config '["sh","-c","readlink /proc/self/ns/user; id -u"]' "$joined}}"
t_eq "a user namespace joined by path: the first container's (same ns/user inode), root in it" \
    "$(readlink "/proc/${u1:-0}/ns/user" 2>&1) 0" "$(echo $(o2 run --bundle "$B" u2 2>&1) $(cat "$T_WORK/u1.log"))"
config '["readlink","/proc/self/ns/user"]' "$joined, \"uidMappings\": [$uid_map], \"gidMappings\": [$gid_map]}}"
t_eq "joined with config.json's maps the same as its own" "$(readlink "/proc/${u1:-0}/ns/user" 2>&1)" \
    "$(o2 run --bundle "$B" u3 2>&1)"
config '["true"]' "$joined, \"uidMappings\": [{\"containerID\": 0, \"hostID\": 12345, \"size\": 1}], \"gidMappings\": [$gid_map]}}"
t_eq "joined with other maps: refused" \
    "sandbox-oci: config.json: linux.uidMappings: not those of the user namespace /proc/${u1:-0}/ns/user (leave them out to take its own)" \
    "$(o2 run --bundle "$B" u4 2>&1)"
o2 delete --force u1 >/dev/null 2>&1
t_check "and no state is left" test ! -e "$T_WORK/ocistate2/u1" -a ! -e "$T_WORK/ocistate2/u4"

# tmpcopyup of what podman cannot put in an image here, in a user namespace of the caller's own
# id (so that the container's tmpfs is readable from here through /proc/PID/root). A device
# node: the copy of one is the source's node bound on (checked with /dev/null bound onto the
# image's /srv/seed/null, nodev as every bind here, and with a tmpcopyup tmpfs over the
# container's own /dev, reached through a symlink, whose nodes work). A user.* xattr is copied
# where the kernel's tmpfs keeps user xattrs (Linux 6.6), left out without an error where not.
touch "$ROOTFS/srv/seed/null" && ln -sfn /dev "$ROOTFS/srv/devcopy"
xattr() { python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.test").decode())' "$1" 2>/dev/null; }
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.test", b"kept")' "$ROOTFS/srv/seed/a" 2>"$T_WORK/setx.err"
# A file capability (cap_net_bind_service+ep), set in a user namespace of ours: the kernel
# stores it for that namespace's root (our uid), the container's namespace maps the same.
fcap() { python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' "$1" 2>&1; }
timeout -k 5 "$T_CALL" unshare -r python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1], "security.capability", struct.pack("<5I", 0x02000001, 1 << 10, 0, 0, 0))' "$ROOTFS/srv/seed/sub/b"
tmpfs_xattrs=$(timeout -k 5 "$T_CALL" unshare -rm sh -c 'mount -t tmpfs none "$1" && touch "$1/f" &&
    python3 -c "import os, sys; os.setxattr(sys.argv[1], \"user.test\", b\"kept\")" "$1/f" && echo kept' sh "$T_WORK/home" 2>/dev/null)
cat >"$ROOTFS/srv/devtest" <<'EOF'
stat -c "%F %t,%T" /srv/seed/null /dev/null; { echo x >/srv/seed/null; } 2>&1 | sed "s/.*: //"
echo x >/dev/null && echo written; grep -c " /dev/null " /proc/mounts; exec sleep 100
EOF
config '["sh","/srv/devtest"]' \
    "{\"hostname\": null, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"user\"}],
      \"uidMappings\": [$uid_map], \"gidMappings\": [$gid_map]},
  \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},
    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", \"mode=755\"]},
    {\"destination\": \"/srv/seed/null\", \"type\": \"bind\", \"source\": \"/dev/null\", \"options\": [\"bind\"]},
    {\"destination\": \"/srv/seed\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"tmpcopyup\"]},
    {\"destination\": \"/srv/devcopy\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"tmpcopyup\"]}]}"
o2 create --bundle "$B" --pid-file "$T_WORK/c1.pid" c1 >"$T_WORK/c1.log" 2>&1 && o2 start c1 >>"$T_WORK/c1.log" 2>&1
wait_until 10 grep -q '^[0-9]$' "$T_WORK/c1.log"
c1=$(cat "$T_WORK/c1.pid" 2>/dev/null)
t_eq "tmpcopyup: a device node's copy is the node, with its mount's nodev (/srv/seed/null)" \
    "character special file 1,3 Permission denied" "$(echo $(sed -n '1p;3p' "$T_WORK/c1.log"))"
t_eq "tmpcopyup: a device node's copy works where its source does (/dev/null in a copy of /dev)" \
    "character special file 1,3 written 2" "$(echo $(sed -n '2p;4,$p' "$T_WORK/c1.log"))"
if [ -s "$T_WORK/setx.err" ]; then
    t_skip "tmpcopyup: a user.* xattr" "this filesystem refuses user xattrs: $(head -n 1 "$T_WORK/setx.err")"
elif [ "$tmpfs_xattrs" = kept ]; then
    t_eq "tmpcopyup: a user.* xattr is copied" "kept" "$(xattr "/proc/${c1:-0}/root/srv/seed/a")"
else
    t_eq "tmpcopyup: a user.* xattr this kernel's tmpfs refuses is left out, no error" "character special file 1,3 " \
        "$(sed -n 1p "$T_WORK/c1.log") $(xattr "/proc/${c1:-0}/root/srv/seed/a")"
fi
t_eq "tmpcopyup: a file capability is copied (security.capability, as the host reads it)" \
    "$(fcap "$ROOTFS/srv/seed/sub/b")" "$(fcap "/proc/${c1:-0}/root/srv/seed/sub/b")"
o2 delete --force c1 >/dev/null 2>&1
t_check "tmpcopyup: the image's file under the bound device node is unchanged" \
    test -f "$ROOTFS/srv/seed/null" -a ! -s "$ROOTFS/srv/seed/null"

# A mount namespace joined by path (here the caller's own) is refused before anything is made.
config '["true"]' '{"linux": {"namespaces": [{"type": "pid"}, {"type": "mount", "path": "/proc/self/ns/mnt"}]}}'
t_eq "a mount namespace joined by path is refused, with the reason" \
    "sandbox-oci: config.json: linux.namespaces[1]: joining an existing mount namespace: not supported (pivot_root there would move its processes into this container's root)" \
    "$(oci run --bundle "$B" t3 2>&1)"
config '["true"]' '{"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}], "intelRdt": {"closID": "x"}}}'
out=$(oci run --bundle "$B" t3 2>&1)
t_eq "an unsupported member is refused by name" "sandbox-oci: config.json: linux.intelRdt: not supported" "$out"
config '["true"]' '{"mounts": [{"destination": "/x", "type": "nfs", "source": "srv:/x"}]}'
t_eq "an unsupported mount type is refused" "sandbox-oci: config.json: mounts[0]: type 'nfs' not supported" \
    "$(oci run --bundle "$B" t3 2>&1)"
# (The limits it supports, and their refusal without a delegated cgroup v2: ocicgroup.sh.)
config '["true"]' '{"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}], "resources": {"blockIO": {"weight": 10}}}}'
t_eq "an unsupported resource limit is refused by name" "sandbox-oci: config.json: linux.resources.blockIO: not supported" \
    "$(oci run --bundle "$B" t3 2>&1)"
t_check "a refused create leaves no state behind" test ! -e "$R/t3"
t_match "--systemd-cgroup is refused clearly" "^sandbox-oci: --systemd-cgroup: not supported" "$(timeout -k 5 "$T_CALL" "$OCI" --systemd-cgroup state x 2>&1)"
t_match "features" '"seccomp":\{"enabled":true' "$(timeout -k 5 "$T_CALL" "$OCI" features)"
