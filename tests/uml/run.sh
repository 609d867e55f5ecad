#!/bin/bash
# tests/uml/run.sh [TEST.sh...]: boot Debian's User-mode Linux kernel (package user-mode-linux;
# Linux 6.1, the oldest kernel we claim) over this machine's root, read-only, with a delegated
# cgroup v2, and run integration tests in it (tests/uml/init.sh) as the unprivileged test users:
# the cgroup v2 limits and the /sys/fs/cgroup mount run there even on a cgroup v1 host.
# Default tests: UML_TESTS below. Build on the host first; the built tree is used as it is.
#
# Environment: top_srcdir, top_builddir (default: this tree), UML_KERNEL (linux.uml), UML_MEM
# (1G), UML_TIMEOUT (seconds for the whole boot, 1500), SANDBOX_TEST_USER, SANDBOX_TEST_USER_NOSUB,
# SANDBOX_TEST_MUST_RUN (1 makes a missing kernel a failure). Exit 0 when every test passed,
# 77 (skip) without the kernel, 1 otherwise, with the failing tests' output and the console.
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SANDBOX_TEST_USER:=sbtest}" "${SANDBOX_TEST_USER_NOSUB:=sbtest-nosub}" "${SANDBOX_TEST_MUST_RUN:=0}"
: "${UML_MEM:=1G}" "${UML_TIMEOUT:=1500}"
# What must run on the oldest kernel, within CI's time: the cgroup tests (also as on a host
# without cgroup v2), and the core of every area: start-up, filesystem, processes and signals,
# network, named sandboxes and exec (their limits part). Every fork costs a lot in UML, so the
# rest (identity, security, badinput, docs) stays with the host's make check.
: "${UML_TESTS:=cgroup.sh cgroup.sh@nocgroup2 ocicgroup.sh basic.sh filesystem.sh process.sh net.sh named.sh}"
[ $# -gt 0 ] && UML_TESTS=$*
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

kernel=${UML_KERNEL:-$(command -v linux.uml || command -v linux || true)}
if [ -z "$kernel" ] || [ ! -x "$kernel" ]; then
    echo "tests/uml/run.sh: no User-mode Linux kernel (apt-get install user-mode-linux)" >&2
    [ "$SANDBOX_TEST_MUST_RUN" = 1 ] && exit 1
    exit 77
fi
[ -x "$top_builddir/src/sandbox" ] || { echo "tests/uml/run.sh: build first ($top_builddir/src/sandbox)" >&2; exit 1; }

out=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-uml.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
{
    echo "export top_srcdir=$(q "$top_srcdir") top_builddir=$(q "$top_builddir")"
    echo "export SANDBOX_TEST_USER=$(q "$SANDBOX_TEST_USER") SANDBOX_TEST_USER_NOSUB=$(q "$SANDBOX_TEST_USER_NOSUB")"
    echo "export SANDBOX_TEST_MUST_RUN=$(q "$SANDBOX_TEST_MUST_RUN") UML_TESTS=$(q "$UML_TESTS")"
} >"$out/env"

# Forks are slow in User-mode Linux: the tests copy this rootfs instead of making their own.
"$top_srcdir/contrib/mkrootfs-busybox.sh" "$out/rootfs" 2>/dev/null || { echo "uml: mkrootfs-busybox.sh failed" >&2; exit 1; }
chmod -R a+rX "$out"
echo "export SANDBOX_TEST_ROOTFS_TEMPLATE=/mnt/rootfs" >>"$out/env"

echo "uml: $kernel mem=$UML_MEM, tests: $UML_TESTS"
start=$SECONDS
# The memory file of the guest goes to TMPDIR (sparse); umid keeps parallel runs apart.
timeout -k 10 "$UML_TIMEOUT" "$kernel" "mem=$UML_MEM" root=/dev/root rootfstype=hostfs rootflags=/ ro \
    "init=$top_srcdir/tests/uml/init.sh" "uml_out=$out" "umid=sandbox-$$" con=null con0=fd:0,fd:1 \
    </dev/null >"$out/console.log" 2>&1
rc=$?
echo "uml: the kernel ran for $((SECONDS - start)) s (exit $rc)"

failed=0
show() { printf '\n--- %s\n' "$1"; cat "$1"; }
if [ ! -e "$out/done" ]; then
    echo "uml: the run did not finish$([ $rc -eq 124 ] && echo " in ${UML_TIMEOUT}s")"
    show "$out/console.log"
    failed=1
fi
for t in $UML_TESTS; do
    f=$out/$t.tap
    [ -e "$f" ] || { [ -e "$out/done" ] && { echo "FAIL: $t (no output)"; failed=1; }; continue; }
    n_ok=$(grep -c '^ok' "$f")
    n_not=$(grep -c '^not ok' "$f")
    plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$f" | tail -1)
    secs=$(awk -v t="$t" '$1 == t { print $2 }' "$out/times" 2>/dev/null)
    if [ "$n_not" -eq 0 ] && [ -n "$plan" ] && [ "$plan" -eq "$n_ok" ] && [ "$n_ok" -gt 0 ]; then
        echo "PASS: $t ($n_ok ok, $(grep -c '# SKIP' "$f") skipped, ${secs:-?} s)"
    else
        echo "FAIL: $t ($n_ok ok, $n_not not ok, plan ${plan:-none}, ${secs:-?} s)"
        show "$f"
        failed=1
    fi
done
exit $failed
