#!/usr/bin/env bash
# Ballots under load: 20,000 members in good standing cast through
# `POST /graphql`, 64 clients at a time, against a release `plenum serve`;
# the vote is secret, so each ballot is sealed, and its live result is shown,
# so the live count is taken again at each step; then the vote is closed and
# the count checked (one ballot per member, none lost or doubled). Two
# seconds in, a secret majority judgment holding 400,000 sealed ballots is
# closed through the API: its box read and decrypted outside any write,
# shuffled, stored as its ballot file's lines, counted, and the result stored
# with the SHA-256 of the ballot file; its sealed rows are dropped after, in
# the background. Memory is the server's. `CLOSE_AFTER=40` closes it once
# casting is over instead (casting alone).
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
# Casting, while the box of the majority judgment is opened a few seconds in.
target/release/examples/ballots_load cast "http://127.0.0.1:$port/graphql" "$dir" &
caster=$!
sleep "${CLOSE_AFTER:-2}"

token=$(head -1 "$dir/tokens.txt")
judgment=$(cat "$dir/judgment.txt")
start=$(date +%s%N)
answer=$(curl -s -X POST "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d "{\"query\": \"mutation { closeProposal(id: \\\"$judgment\\\") { result { ballots winners exportSha256 } } }\"}")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "closing the majority judgment (opening its box of 400,000 ballots) while casting: $elapsed ms — $answer"
wait "$caster"
echo "server memory after casting and closing: $(memory VmRSS) (peak $(memory VmHWM))"
