#!/bin/sh
# make bench: every program's benchmark (tools/bench-*.sh).  Prints figures;
# never fails on speed.  Inputs are generated under ${PM_BENCH_DIR:-/tmp/pm-bench}.
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
export PM_DATADIR="${PM_DATADIR:-$PWD/data}"
export PM_BENCH_DIR="${PM_BENCH_DIR:-/tmp/pm-bench}"
mkdir -p "$PM_BENCH_DIR"
for b in tools/bench-*.sh; do
    [ -f "$b" ] || continue
    echo "==== $b"
    sh "$b" || echo "($b did not finish)"
done
exit 0
