#!/usr/bin/env bash
# What hostile requests cost a release server on the demo data, and whether
# /healthz keeps answering (see hostile.py):
#
#   bash tests/bench/hostile.sh [postgres-admin-url]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
[ -n "${PLENUM_BENCH_NO_BUILD:-}" ] || cargo build --release -p plenum --locked >/dev/null
ulimit -n 8192
fresh_database "${1:-}"
(cd "$dir" && PLENUM_DATABASE__URL="$url" PLENUM_LOG__FILTER=warn \
  PLENUM_ACCOUNTS__ARGON2_MEMORY_KIB=64 PLENUM_ACCOUNTS__ARGON2_ITERATIONS=1 \
  "$OLDPWD/target/release/plenum" demo >/dev/null)
start_server
echo "$backend, demo data"
python3 tests/bench/hostile.py "$port" "$server"
