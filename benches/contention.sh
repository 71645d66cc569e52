#!/usr/bin/env bash
# Concurrent writers on one account (issue 7): WRITERS processes each run EACH
# mutating commands as separate `wallet` processes against one wallet file.
# Prints the wall time, the throughput, the slowest single command and any
# failure, then checks that nothing was lost or doubled and that verify passes.
#
#   benches/contention.sh [WRITERS] [EACH]      (default 8 × 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
writers=${1:-8}
each=${2:-2000}
cargo build --release --quiet
bin=$PWD/target/release/wallet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$dir/wallet.sqlite3
"$bin" --db "$db" init --now 2026-01-15T10:00:00Z >/dev/null
"$bin" --db "$db" account add alice >/dev/null
credits=$((writers * each))
"$bin" --db "$db" buy alice credits-1000 --quantity $(((credits + 999) / 1000)) >/dev/null

writer() {
    local slowest=0 failures=0 start end took
    for ((i = 0; i < each; i++)); do
        start=$(date +%s%N)
        "$bin" --db "$db" generate alice >/dev/null 2>>"$dir/errors" || failures=$((failures + 1))
        end=$(date +%s%N)
        took=$(((end - start) / 1000000))
        ((took > slowest)) && slowest=$took
    done
    echo "$slowest $failures" >"$dir/writer.$1"
}

begin=$(date +%s%N)
for ((w = 0; w < writers; w++)); do writer "$w" & done
wait
elapsed_ms=$((($(date +%s%N) - begin) / 1000000))

slowest=0 failures=0
for f in "$dir"/writer.*; do
    read -r s fl <"$f"
    ((s > slowest)) && slowest=$s
    failures=$((failures + fl))
done
images=$("$bin" --db "$db" --json images alice | grep -c '"id"')
total=$((writers * each))
echo "writers:            $writers × $each = $total generate commands, each its own process"
echo "wall time:          ${elapsed_ms} ms ($((total * 1000 / elapsed_ms)) commits/s)"
echo "slowest command:    ${slowest} ms (busy timeout 10 s per BEGIN attempt, 3 attempts)"
echo "failed commands:    $failures"
echo "images created:     $images (expected $total)"
"$bin" --db "$db" verify
[ "$failures" -eq 0 ] && [ "$images" -eq "$total" ]
