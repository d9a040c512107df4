#!/usr/bin/env bash
# The forum under load: a release `plenum serve` on this machine, seeded by the
# forum_load example with a 10,000-post thread (a reply tree 30 deep), then
# measured from outside the server's process with wrk:
#   1. one client reading pages of 50 posts with rendered HTML (median, p99);
#   2. 32 clients reading pages for 10 s (requests/s);
#   3. 32 clients posting replies for 10 s (replies/s).
#
#   bash tests/bench/forum_load.sh                                          # SQLite
#   bash tests/bench/forum_load.sh postgres://postgres@127.0.0.1:5432/test  # PostgreSQL
#
# A PostgreSQL run creates a fresh database beside the one named and drops it
# afterwards. PLENUM_* variables reach the server (e.g.
# PLENUM_DATABASE__SQLITE_SYNCHRONOUS=normal). wrk comes from Debian's package.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { echo "wrk is needed (apt-get install wrk)"; exit 1; }; }
cargo build --release --locked -p plenum --bin plenum >/dev/null 2>&1
cargo build --release --locked -p plenum-tests --example forum_load >/dev/null 2>&1

dir=$(mktemp -d)
port=$((18700 + $$ % 500))
admin=${1:-}
if [ -n "$admin" ]; then
  name="plenum_load_$$"
  psql -q "$admin" -c "CREATE DATABASE $name"
  url="${admin%/*}/$name"
  pool=16
else
  url="sqlite://$dir/plenum.db?mode=rwc"
  # SQLite runs each connection's queries on a thread of its own: on a small
  # machine a few connections serve best (one writer at a time anyway).
  pool=4
fi
cleanup() {
  kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$admin" ] && psql -q "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  rm -rf "$dir"
}
(cd "$dir" && PLENUM_SERVER__BIND=127.0.0.1:$port PLENUM_DATABASE__URL="$url" \
  PLENUM_DATABASE__MAX_CONNECTIONS=${PLENUM_DATABASE__MAX_CONNECTIONS:-$pool} \
  PLENUM_LOG__FILTER=warn PLENUM_ACCOUNTS__ARGON2_MEMORY_KIB=64 PLENUM_ACCOUNTS__ARGON2_ITERATIONS=1 \
  exec "$OLDPWD/target/release/plenum" serve >/dev/null) &
server=$!
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
  sleep 0.05
done

echo "forum load run on $([ -n "$admin" ] && echo PostgreSQL || echo SQLite), server pid $server"
target/release/examples/forum_load "http://127.0.0.1:$port/graphql" "$dir"
# run <wrk options> <bodies file>
run() {
  wrk $1 --latency -s tests/bench/graphql.lua "http://127.0.0.1:$port" -- "$dir/$2" "$dir/tokens.txt" |
    grep -E "50%|99%|Requests/sec|failed|Non-2xx|errors"
}
echo "--- 1. page of 50 posts, one client, 10 s"
run "-t1 -c1 -d10s" pages.txt
echo "--- 2. page of 50 posts, 32 clients, 10 s"
run "-t2 -c32 -d10s" pages.txt
echo "--- 3. replies, 32 clients, 10 s"
run "-t2 -c32 -d10s" replies.txt
echo "resident memory of the server: $(( $(ps -o rss= -p "$(pgrep -P $server || echo $server)" | tr -d ' ') / 1024 )) MiB"
