#!/usr/bin/env bash
# Ballots under load: 20,000 members in good standing cast through
# `POST /graphql`, 64 clients at a time, against a release `plenum serve`;
# then the count is checked (one ballot per member, none lost or doubled);
# then a secret majority judgment holding 400,000 ballots is closed through
# the API, which reads them all from the database, counts them and stores
# the result with the SHA-256 of the ballot file. Memory is the server's.
#
#   bash tests/bench/ballots_load.sh                                          # SQLite
#   bash tests/bench/ballots_load.sh postgres://postgres@127.0.0.1:5432/test  # PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p plenum --bin plenum >/dev/null 2>&1
cargo build --release --locked -p plenum-tests --example ballots_load >/dev/null 2>&1

. tests/bench/lib.sh
fresh_database "${1:-}"
memory() { grep -E "^$1:" "/proc/$server/status" | awk '{ printf "%d MiB", $2 / 1024 }'; }

echo "ballots load run on $backend"
target/release/examples/ballots_load seed "$url" "$dir"
start_server
echo "server memory at start: $(memory VmRSS)"
target/release/examples/ballots_load cast "http://127.0.0.1:$port/graphql" "$dir"
echo "server memory after casting: $(memory VmRSS) (peak $(memory VmHWM))"

token=$(head -1 "$dir/tokens.txt")
judgment=$(cat "$dir/judgment.txt")
start=$(date +%s%N)
answer=$(curl -s -X POST "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d "{\"query\": \"mutation { closeProposal(id: \\\"$judgment\\\") { result { ballots winners exportSha256 } } }\"}")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "closing the majority judgment: $elapsed ms — $answer"
echo "server memory after closing: $(memory VmRSS) (peak $(memory VmHWM))"
