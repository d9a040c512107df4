#!/usr/bin/env bash
# Measures the foundation's figures: time from `plenum serve` to the first 200 on
# /healthz on a fresh SQLite database (median of 10 starts), resident memory when
# idle, and (with --build) the release build time from a clean target folder.
#
#   bash tests/bench/foundation.sh            # uses target/release/plenum, builds it if missing
#   bash tests/bench/foundation.sh --build    # also times a clean release build (slow)
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=$(pwd)/target/release/plenum
if [ "${1:-}" = "--build" ]; then
  scratch=$(mktemp -d)
  start=$(date +%s)
  CARGO_TARGET_DIR="$scratch" cargo build --release -p plenum --locked >/dev/null 2>&1
  echo "release build from clean: $(( $(date +%s) - start )) s"
  bin="$scratch/release/plenum"
fi
[ -x "$bin" ] || cargo build --release -p plenum --locked >/dev/null
port=18181
times=()
for _ in $(seq 1 10); do
  dir=$(mktemp -d)
  start=$(date +%s%N)
  (cd "$dir" && PLENUM_SERVER__BIND=127.0.0.1:$port exec "$bin" serve >/dev/null 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.005; done
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
  sleep 2
  rss=$(ps -o rss= -p "$(pgrep -P $pid || echo $pid)" | tr -d ' ')
  kill -TERM $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "start to first 200 on /healthz (ms, 10 runs): $(echo $sorted | tr '\n' ' ')"
echo "median: $(echo "$sorted" | sed -n 5p) ms"
echo "resident memory when idle: $(( rss / 1024 )) MiB (${rss} KiB)"
