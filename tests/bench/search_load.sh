#!/usr/bin/env bash
# The search benchmark: 100,000 French records (or $1) in the embedded engine,
# indexing rate, query latency (median, p99) and memory, on a corpus with a
# natural language's word frequencies, then on the worst case (every word
# searched in nearly every record).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p plenum-tests --example search_load
for corpus in zipf worst; do
  target/release/examples/search_load "${1:-100000}" "$corpus"
done
