#!/bin/bash
# docs.sh: --help and the man page describe the same options.
. "$(dirname "$0")/lib.sh"

help=$(sb --help)
t_eq "--help exits 0" 0 "$?"
t_match "--version names the program" '^sandbox [0-9]' "$(sb --version)"
missing=
for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$top_srcdir/docs/sandbox.1" || missing="$missing $opt"
done
t_eq "every option of --help is in docs/sandbox.1" "" "$missing"
