#!/bin/sh
# examples/residents/demo.sh - a resident file that leaves the office
# pseudonymized (docs/RULES.md section 5; `make demo` runs it).
#   residents-2024.csv      the community's household register (户号, 楼栋,
#                           户主姓名, 家庭人口, 联系电话, 身份证号, 家庭住址,
#                           健康状况, 困难程度), invented people; three bad
#                           rows: a second phone typed into a column of its
#                           own, an ID card number with digits missing, a
#                           household entered twice.  One man heads two
#                           households (his ID typed with hyphens the second
#                           time).
#   residents.schema.yaml   marks name, phone, ID card, address and health
#                           personal.
# Steps: make a key (out/residents.key, chmod 600, kept between runs so the
# tokens stay the same; outside the data folder out/residents/), ingest with
# --protect=pseudonymize (rejects protected too), then report from the
# protected file alone: households per building and hardship, and the heads
# of more than one household, found by their tokens.  Exits 0 unless a
# program fails with status 2 (an error).
set -u
cd "$(dirname "$0")/../.."
PATH="$PWD/bin:$PATH"
export PATH
export PM_DATADIR="${PM_DATADIR:-$PWD/data}"
ex=examples/residents
out=out/residents
key=out/residents.key
mkdir -p "$out"
status=0

if [ ! -s "$key" ]; then
    echo "-- a new key: $key (32 random bytes, base64; chmod 600)"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$key")
fi
chmod 600 "$key"

echo "-- pm-ingest --protect=pseudonymize: names, phones, ID cards, addresses, health become tokens"
echo "   pm-ingest --schema=$ex/residents.schema.yaml --protect=pseudonymize --key-file=$key"
echo "             --reject=$out/rejected.csv -o $out/residents-protected.csv $ex/residents-2024.csv"
pm-ingest --schema=$ex/residents.schema.yaml --protect=pseudonymize --key-file=$key \
    --reject=$out/rejected.csv -o $out/residents-protected.csv $ex/residents-2024.csv 2>$out/ingest.log
st=$?
sed 's/^/   /' $out/ingest.log
rm -f $out/ingest.log
case $st in
0|1) echo "   status $st; the first protected records:" ;;
*) echo "   status $st: ERROR"; exit 1 ;;
esac
head -3 $out/residents-protected.csv | sed 's/^/     /'

echo "-- pm-report from the protected file: households per building and hardship"
pm-report --by=building,hardship -m count -m 'sum(family_size)' -t md \
    -o $out/households-by-building.md $out/residents-protected.csv || status=1
sed 's/^/   /' $out/households-by-building.md

echo "-- heads of more than one household (counted by token; nobody is named)"
pm-report --by=id_card -m count $out/residents-protected.csv >$out/households-per-head.csv || status=1
awk -F, 'NR > 1 && $2 > 1 { print "   " $1 ": " $2 " households" }' $out/households-per-head.csv

echo "-- the same file masked (--protect=mask), for a list people can read:"
pm-ingest --schema=$ex/residents.schema.yaml --protect=mask $ex/residents-2024.csv 2>/dev/null |
    head -4 | sed 's/^/     /'
echo "   outputs in $out/; the key stays in $key (same key, same tokens; keep it secret)"
exit "$status"
