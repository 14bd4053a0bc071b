#!/bin/sh
# make demo: the main jobs on the shipped examples, in pipeline order.
# Each part lives beside its examples (examples/*/demo.sh) and writes to out/.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
export PM_DATADIR="${PM_DATADIR:-$PWD/data}"
mkdir -p out
status=0
for part in ingest sla fees roster residents report; do
    script="examples/$part/demo.sh"
    [ -f "$script" ] || continue
    echo
    echo "==== $part ($script)"
    sh "$script" || status=1
done
echo
[ "$status" = 0 ] && echo "demo: done; outputs are in out/" || echo "demo: a part failed (see above)"
exit "$status"
