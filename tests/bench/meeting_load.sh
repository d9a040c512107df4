#!/usr/bin/env bash
# A meeting followed live: N WebSocket subscribers (500 by default) to one
# meeting's `meetingLive` with its speaking queue, against a release
# `plenum serve`; the queue changes 20 times and every delivery is timed,
# from sending the mutation to the subscriber receiving the event. The
# subscribers run in another process on the same machine.
#
#   bash tests/bench/meeting_load.sh                                               # SQLite
#   bash tests/bench/meeting_load.sh postgres://postgres@127.0.0.1:5432/test       # PostgreSQL
#   SUBSCRIBERS=1000 bash tests/bench/meeting_load.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p plenum --bin plenum >/dev/null 2>&1
cargo build --release --locked -p plenum-tests --example meeting_load >/dev/null 2>&1

. tests/bench/lib.sh
fresh_database "${1:-}"
ulimit -n 8192 2>/dev/null || true
echo "meeting load run on $backend"
start_server
target/release/examples/meeting_load "http://127.0.0.1:$port" "${SUBSCRIBERS:-500}" "${CHANGES:-20}"
echo "server memory: $(grep -E '^VmRSS:' "/proc/$server/status" | awk '{ printf "%d MiB", $2 / 1024 }')"
