#!/usr/bin/env bash
# The forum under load: a release `plenum serve` on this machine, seeded by the
# forum_load example with a 10,000-post thread (a reply tree 30 deep; it waits
# until search has indexed them), then measured from outside the server's
# process with wrk:
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

. tests/bench/lib.sh
fresh_database "${1:-}"
start_server

echo "forum load run on $backend, server pid $server"
target/release/examples/forum_load "http://127.0.0.1:$port/graphql" "$dir"
# The server's CPU time so far, in clock ticks (user + system).
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# run <wrk options> <bodies file>: latency, rate, failures, and the server's
# CPU time per request (steadier than the rate on a shared machine).
run() {
  local before out
  before=$(ticks)
  out=$(wrk $1 --latency -s tests/bench/graphql.lua "http://127.0.0.1:$port" -- "$dir/$2" "$dir/tokens.txt")
  echo "$out" | grep -E "50%|99%|Requests/sec|failed|Non-2xx|errors"
  echo "$out" | awk -v spent=$(( $(ticks) - before )) -v hz="$(getconf CLK_TCK)" \
    '/requests in/ { printf "server CPU per request: %.0f µs\n", spent * 1e6 / hz / $1 }'
}
echo "--- 1. page of 50 posts, one client, 10 s"
run "-t1 -c1 -d10s" pages.txt
echo "--- 2. page of 50 posts, 32 clients, 10 s"
run "-t2 -c32 -d10s" pages.txt
echo "--- 3. replies, 32 clients, 10 s"
run "-t2 -c32 -d10s" replies.txt
echo "resident memory of the server: $(( $(ps -o rss= -p "$(pgrep -P $server || echo $server)" | tr -d ' ') / 1024 )) MiB"
