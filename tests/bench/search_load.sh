#!/usr/bin/env bash
# The search benchmark: 100,000 French records (or $1) in the embedded engine,
# indexing rate, query latency (median, p99) and memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release -q -p plenum-tests --example search_load -- "${1:-100000}"
