# tests/cli/lib.sh - sourced by every tests/cli/test_*.sh.
#
# The tests run the real programs ($PM_BIN/pm-*) on real files and check
# output and exit status.  Helpers:
#   run CMD...            run CMD; stdout -> $OUT, stderr -> $ERR, status -> $RC
#   expect_status NAME N  the last run exited with N
#   expect_eq NAME EXPECTED ACTUAL
#   expect_out NAME FILE  stdout of the last run equals FILE byte for byte
#   expect_out_text NAME TEXT   stdout equals TEXT (a trailing newline is added)
#   expect_grep NAME REGEX FILE      FILE has a line matching REGEX (grep -E)
#   expect_no_grep NAME REGEX FILE   FILE has none
# Every check counts as one test; the script ends with `finish`.
set -u
: "${PM_BIN:?PM_BIN must name the folder of the built programs}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH="$PM_BIN:$PATH"
export PM_DATADIR="${PM_DATADIR:-$ROOT/data}"
export LC_ALL=C.UTF-8
export TZ=America/New_York   # never used by pm unless named: proves it
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
OUT=$T/stdout; ERR=$T/stderr; RC=0
PASSED=0; FAILED=0
SCRIPT=$(basename "$0")

run() { "$@" >"$OUT" 2>"$ERR"; RC=$?; }
pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL $SCRIPT: $1" >&2
    shift
    for line in "$@"; do echo "    $line" >&2; done
    if [ -s "$ERR" ]; then echo "    stderr of last run:" >&2; head -5 "$ERR" | sed 's/^/      /' >&2; fi
}
expect_status() {
    if [ "$RC" = "$2" ]; then pass; else fail "$1" "status $RC, expected $2"; fi
}
expect_eq() {
    if [ "$2" = "$3" ]; then pass; else fail "$1" "expected: $2" "actual:   $3"; fi
}
expect_out() {
    if cmp -s "$2" "$OUT"; then pass; else fail "$1" "stdout differs from $2:" "$(diff "$2" "$OUT" | head -10)"; fi
}
expect_out_text() {
    printf '%s\n' "$2" >"$T/expected"
    if cmp -s "$T/expected" "$OUT"; then pass; else fail "$1" "$(diff "$T/expected" "$OUT" | head -10)"; fi
}
expect_grep() {
    if grep -Eq -- "$2" "$3"; then pass; else fail "$1" "no line matches /$2/ in $(basename "$3")"; fi
}
expect_no_grep() {
    if grep -Eq -- "$2" "$3"; then fail "$1" "a line matches /$2/ in $(basename "$3"): $(grep -E -m1 -- "$2" "$3")"; else pass; fi
}
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
