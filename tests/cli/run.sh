#!/bin/bash
# Runs every tests/cli/test_*.sh and sums their counts.
HERE=$(cd "$(dirname "$0")" && pwd)
passed=0; failed=0; bad=0
for t in "$HERE"/test_*.sh; do
    [ -e "$t" ] || continue
    res=$(bash "$t" | tail -n 1)
    p=$(echo "$res" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$res" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        echo "cli: $(basename "$t") did not finish: $res" >&2
        bad=$((bad + 1)); continue
    fi
    printf '  %-28s %4s passed, %s failed\n' "$(basename "$t")" "$p" "$f"
    passed=$((passed + p)); failed=$((failed + f))
done
failed=$((failed + bad))
echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
