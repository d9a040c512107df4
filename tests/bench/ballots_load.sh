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

dir=$(mktemp -d)
port=$((18200 + $$ % 500))
admin=${1:-}
if [ -n "$admin" ]; then
  name="plenum_ballots_$$"
  psql -q "$admin" -c "CREATE DATABASE $name"
  url="${admin%/*}/$name"
  pool=16
else
  url="sqlite://$dir/plenum.db?mode=rwc"
  pool=4
fi
server=
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; }
  [ -n "$admin" ] && psql -q "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  rm -rf "$dir"
}
trap cleanup EXIT
memory() { grep -E "^$1:" "/proc/$server/status" | awk '{ printf "%d MiB", $2 / 1024 }'; }

echo "ballots load run on $([ -n "$admin" ] && echo PostgreSQL || echo SQLite)"
target/release/examples/ballots_load seed "$url" "$dir"
(cd "$dir" && PLENUM_SERVER__BIND=127.0.0.1:$port PLENUM_DATABASE__URL="$url" \
  PLENUM_DATABASE__MAX_CONNECTIONS=${PLENUM_DATABASE__MAX_CONNECTIONS:-$pool} PLENUM_LOG__FILTER=warn \
  exec "$OLDPWD/target/release/plenum" serve >/dev/null) &
server=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
  sleep 0.05
done
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
