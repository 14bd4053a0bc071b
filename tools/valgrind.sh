#!/bin/bash
# tools/valgrind.sh - valgrind memcheck over a sample of command-line runs
# (`make valgrind`; .ci/run runs it).
#
# Each program on the shipped examples, with the options that take other
# paths (--explain, --verify, HTML and XLSX output, partial and merge, plan
# and check), and a few hostile inputs.  A run fails on any memory error or
# any definitely lost block; its exit status must be the one the program
# gives without valgrind.  One line per run; the log of a failure is printed.
#   PM_BIN (default bin/), PM_DATADIR (default data/)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${PM_BIN:-$ROOT/bin}
export PM_DATADIR=${PM_DATADIR:-$ROOT/data}
export PATH="$BIN:$PATH"
export PM_REGEX_JIT=0   # valgrind cannot follow PCRE2's JIT code
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install -y valgrind)" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
EX=examples
passed=0 failed=0

# vg NAME STATUS CMD...: CMD under memcheck must exit STATUS, with no error
# and nothing definitely lost.
vg() {
    local name=$1 want=$2
    shift 2
    valgrind --quiet --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --error-exitcode=99 --log-file="$T/vg.log" \
        "$@" >"$T/out" 2>"$T/err" </dev/null
    local rc=$?
    if [ "$rc" = "$want" ] && [ ! -s "$T/vg.log" ]; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        echo "FAIL  $name: status $rc (expected $want)"
        sed 's/^/      /' "$T/vg.log" | head -40
        head -5 "$T/err" | sed 's/^/      stderr: /'
    fi
}

NOW=--now=2025-10-10T09:00:00+08:00
vg "pm-ingest GB18030 export, rejects" 1 pm-ingest --reject="$T/rej.csv" "$EX/ingest/callcentre-2024-national-day.csv"
vg "pm-ingest YAML in, YAML out" 1 pm-ingest --schema="$EX/ingest/formtool.schema.yaml" -t yaml "$EX/ingest/formtool-2024-07.yaml"
vg "pm-ingest TSV" 1 pm-ingest --schema="$EX/ingest/repairs.schema.yaml" "$EX/ingest/repairs-2024-07.tsv"
vg "pm-sla --explain, policy" 1 pm-sla --policy="$EX/sla/policy.yaml" $NOW --at-risk=4h --explain "$EX/sla/tickets.csv"
pm-sla --policy="$EX/sla/policy.yaml" $NOW "$EX/sla/tickets.csv" >"$T/sla.csv" 2>/dev/null
vg "pm-sla --breaches -t yaml (built-in policy: unknown categories, invalid tickets)" 1 pm-sla $NOW --breaches -t yaml "$EX/sla/tickets.csv"
vg "pm-fee --explain (one unmatched violation: flagged)" 1 pm-fee --schedule="$EX/fees/schedule.yaml" --explain "$EX/fees/inputs-2024-07.csv"
vg "pm-fee --verify (one unmatched violation: flagged)" 1 pm-fee --schedule="$EX/fees/schedule.yaml" --verify="$EX/fees/expected-charges-2024-07.csv" \
    "$EX/fees/inputs-2024-07.csv"
vg "pm-report sla -t md" 0 pm-report sla -t md "$T/sla.csv"
vg "pm-report service -t html" 1 pm-report service --targets="$EX/report/targets.yaml" -t html -o "$T/r.html" \
    "$EX/report/tickets.csv"
vg "pm-report sla -t xlsx" 0 pm-report sla -t xlsx -o "$T/r.xlsx" "$T/sla.csv"
# two shards of one input (a merge refuses one shard given twice)
pm-report service --partial --shard=a "$EX/report/tickets.csv" >"$T/p1" 2>/dev/null
pm-report service --partial --shard=b "$EX/report/tickets.csv" >"$T/p2" 2>/dev/null
vg "pm-report --merge" 1 pm-report service --merge "$T/p1" "$T/p2"
vg "pm-roster plan" 0 pm-roster plan --posts="$EX/roster/posts.yaml" --staff="$EX/roster/staff.csv" \
    --from=2024-10-01 --days=7 -o "$T/roster.csv"
vg "pm-roster check with logs" 1 pm-roster check --posts="$EX/roster/posts.yaml" --staff="$EX/roster/staff.csv" \
    --logs="$EX/roster/patrol-log.csv" "$T/roster.csv"
# hostile inputs
{ printf -- '--- {id: G1, created_at: "2024-07-03 09:00"}\n--- {id: B1, x: '
  head -c 20000 /dev/zero | tr '\0' '['; head -c 20000 /dev/zero | tr '\0' ']'
  printf '}\n--- {id: B2, a: &a [x, x], b: [*a, *a]}\n--- {id: G2, created_at: "2024-07-03 09:00"}\n--- {a: \x01}\n'; } >"$T/hostile.yaml"
vg "pm-ingest hostile YAML (bad documents rejected, the rest read)" 1 pm-ingest "$T/hostile.yaml"
printf 'id,created_at,description\nG1,2024-07-03 09:00,ok\nB1,2024-02-30 09:00,x\nB2,\xff\xfe,x\nB3\nG2,2024-07-03 09:00,"never\n' \
    >"$T/hostile.csv"
vg "pm-sla hostile CSV (bad rows written invalid)" 1 pm-sla $NOW "$T/hostile.csv"
vg "pm-fee missing schedule" 2 pm-fee --schedule="$T/none.yaml" "$EX/fees/inputs-2024-07.csv"
vg "pm-report unknown option" 2 pm-report --no-such-option

echo "valgrind: $passed passed, $failed failed"
[ "$failed" = 0 ]
