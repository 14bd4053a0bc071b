#!/bin/sh
# bench-fee.sh - pm-fee on 1,000,000 input records against a 20-rule schedule,
# then --verify of the charges it wrote (about 1.1M lines) against the same
# inputs.  Goals: charging <= 2 s on one core, peak memory flat and < 16 MB
# (issue 4); verify linear in time, memory bounded by the charges file
# (issue 16: it was quadratic when keys repeat).
# Prints the figures; never fails because of speed.  With --generate it
# only writes the schedule and the inputs (tools/bench-table.sh uses them).
#   sh tools/bench-fee.sh [--generate] [RECORDS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GEN_ONLY=0
[ "${1:-}" = --generate ] && { GEN_ONLY=1; shift; }
N=${1:-1000000}
DIR=${PM_BENCH_DIR:-${TMPDIR:-/tmp}}/pm-bench-fee
mkdir -p "$DIR"
BIN=$ROOT/bin/pm-fee
[ -x "$BIN" ] || [ $GEN_ONLY = 1 ] || { echo "bench-fee: build bin/pm-fee first (make bin/pm-fee)" >&2; exit 2; }

cat >"$DIR/schedule.yaml" <<'EOF'
currency: CNY
scale: 2
rounding: half_up
rules:
  - {id: property-small, when: {type: unit, size: small}, price: "1.85", quantity: area_m2, effective_from: 2024-01-01}
  - {id: property-large, when: {type: unit, size: large}, price: "2.10", quantity: area_m2, effective_from: 2024-01-01}
  - {id: property-old,   when: {type: unit}, price: "1.50", quantity: area_m2, effective_to: 2023-12-31}
  - {id: parking-monthly, when: {type: parking, pass: monthly}, price: "100.00", quantity: months}
  - {id: parking-temporary, when: {type: parking, pass: temporary}, price: "150.00", quantity: months}
  - {id: office, when: {type: order, taker: office}, percent: "10", base: amount}
  - {id: sales, when: {type: order, taker: sales}, percent: "30", base: amount}
  - {id: contract-pool, when: {type: contract}, percent: "30", base: amount, split: {parties: earners, shares: shares}}
  - {id: manager, when: {type: department}, percent: "10", base: gross_profit - costs, min: "0"}
  - {id: data-entry, when: {type: data_entry}, excess: {over: 600, price: "0.20", quantity: items}}
  - {id: rest-day-pay, when: {type: health_station}, price: "40.00", quantity: "8"}
  - {id: bonus, when: {type: health_station}, percent: "100", base: income - target, min: "0", split: {parties: parties, shares: shares}}
  - {id: fine, when: {type: violation, rule: '/^(purchase|accounts)$/'}, fixed: "200.00"}
  - {id: late-fee, when: {type: unit, overdue: [yes, "true"]}, percent: "0.05", base: area_m2 * 1.85 * days}
  - {id: water, when: {type: meter, kind: water}, price: "3.45", quantity: reading - previous}
  - {id: power, when: {type: meter, kind: power}, price: "0.568", quantity: reading - previous}
  - {id: gas, when: {type: meter, kind: gas}, price: "2.61", quantity: reading - previous}
  - {id: storage, when: {type: storage}, price: "12.00", quantity: area_m2, max: "300"}
  - {id: garbage, when: {type: unit, size: [small, large]}, fixed: "8.00"}
  - {id: elevator, when: {type: unit, floor: '/^[1-9][0-9]+$/'}, price: "0.30", quantity: area_m2}
EOF

if [ ! -s "$DIR/inputs-$N.csv" ]; then
    awk -v n="$N" 'BEGIN {
        srand(42)
        print "id,type,period,size,area_m2,floor,overdue,days,pass,months,taker,amount,earners,shares,gross_profit,costs,items,income,target,parties,rule,kind,reading,previous"
        for (i = 1; i <= n; i++) {
            k = i % 10; j = int(i / 10)
            a = int(rand() * 15000) / 100 + 40
            if (k == 3 && j % 2) printf "r%d,department,2024-07,,,,,,,,,,,,%d.%02d,%d.00,,,,,,,,\n", i, int(rand() * 90000), i % 100, 40000
            else if (k == 3) printf "r%d,health_station,2024-07,,,,,,,,,,,1;9,,,,%d.00,20000.00,centre;station,,,,\n", i, 15000 + int(rand() * 10000)
            else if (k <= 2) printf "r%d,unit,2024-07,%s,%.2f,%d,%s,%d,,,,,,,,,,,,,,,,\n", i, (j % 2 ? "small" : "large"), a, int(rand() * 30) + 1, (j % 7 ? "no" : "yes"), i % 20
            else if (k == 4) printf "r%d,parking,2024-07,,,,,,%s,1,,,,,,,,,,,,,,\n", i, (j % 3 ? "monthly" : "temporary")
            else if (k == 5) printf "r%d,order,2024-07,,,,,,,,%s,%d.%02d,,,,,,,,,,,,\n", i, (j % 2 ? "office" : "sales"), int(rand() * 90000), i % 100
            else if (k == 6) printf "r%d,contract,2024-07,,,,,,,,,%d.%02d,S1;S2;S3,2;1;1,,,,,,,,,,\n", i, int(rand() * 90000), i % 100
            else if (k == 7) printf "r%d,meter,2024-07,,,,,,,,,,,,,,,,,,,%s,%d.%d,%d\n", i, (j % 3 == 0 ? "water" : (j % 3 == 1 ? "power" : "gas")), 1000 + int(rand() * 500), i % 10, 1000
            else if (k == 8) printf "r%d,data_entry,2024-07,,,,,,,,,,,,,,%d,,,,,,,\n", i, int(rand() * 1200)
            else printf "r%d,violation,2024-07,,,,,,,,,,,,,,,,,,%s,,,\n", i, (j % 10 ? (j % 2 ? "purchase" : "accounts") : "parking")
        }
    }' >"$DIR/inputs-$N.csv"
fi

[ $GEN_ONLY = 1 ] && exit 0

echo "pm-fee: $N records, 20 rules ($(wc -c <"$DIR/inputs-$N.csv") bytes)"
/usr/bin/time -f '%e s %M KB (cpu: user %U s, sys %S s)' "$BIN" --schedule="$DIR/schedule.yaml" --stats \
    "$DIR/inputs-$N.csv" 2>"$DIR/time.txt" >"$DIR/charges.csv"
grep -E '^pm-fee: read ' "$DIR/time.txt" | sed 's/^pm-fee: /  /'
tail -n 1 "$DIR/time.txt" | sed 's/^/  elapsed, peak memory: /'
NC=$(($(wc -l <"$DIR/charges.csv") - 1))
echo "  charges written: $NC ($(wc -c <"$DIR/charges.csv") bytes)"
# the inputs are made from a fixed seed: a change that must not alter the
# output keeps these digests (compare them before and after it)
echo "  sha256 of the charges: $(sha256sum <"$DIR/charges.csv" | cut -c1-64)"
echo "  sha256 of the messages: $(sed '$d' "$DIR/time.txt" | sha256sum | cut -c1-64)"
echo "  goal: <= 2 s and < 16384 KB"

echo "pm-fee --verify: $NC charges against the recomputation of $N records"
/usr/bin/time -f '%e s %M KB (cpu: user %U s, sys %S s)' "$BIN" --schedule="$DIR/schedule.yaml" --stats \
    --verify="$DIR/charges.csv" "$DIR/inputs-$N.csv" 2>"$DIR/time-verify.txt" >"$DIR/differences.csv"
grep -E '^pm-fee: read ' "$DIR/time-verify.txt" | sed 's/^pm-fee: /  /'
tail -n 1 "$DIR/time-verify.txt" | sed 's/^/  elapsed, peak memory: /'
echo "  goal: linear (twice the charges, about twice the time); memory grows with the charges file only"
exit 0
