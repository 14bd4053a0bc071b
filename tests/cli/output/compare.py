# compare.py CSV JSON NAME - the records of a pm CSV output and what a YAML
# reader (NAME) read from pm's YAML output of the same run, as a JSON array:
# every record must hold exactly the same names and the same strings.
# Prints the differences (at most 5) and exits 1 when there are any.
import csv
import json
import sys

with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
want = [dict(zip(header, r)) for r in rows]
with open(sys.argv[2], encoding="utf-8") as f:
    got = json.load(f)
name = sys.argv[3]
bad = 0
if len(got) != len(want):
    print(f"{name}: {len(got)} records read, the CSV has {len(want)}")
    bad += 1
for i, (w, g) in enumerate(zip(want, got)):
    if g == w:
        continue
    bad += 1
    if bad > 5:
        continue
    if not isinstance(g, dict):
        print(f"{name}: record {i + 1} read as {g!r:.200}")
        continue
    for k in w:
        if k not in g:
            print(f"{name}: record {i + 1}: no field {k!r:.80}")
        elif g[k] != w[k]:
            print(f"{name}: record {i + 1}: {k!r:.80} read as {g[k]!r:.80}, written {w[k]!r:.80}")
    for k in g:
        if k not in w:
            print(f"{name}: record {i + 1}: unexpected field {k!r:.80}")
print(f"{name}: {len(want)} records, {bad} differ")
sys.exit(1 if bad else 0)
