#!/usr/bin/env bash
# End-to-end `plenum tally` at the scale of a national primary: 400,000
# majority-judgment ballots over 7 options, read from a file. Prints the
# wall time of 5 runs and the peak memory of one.
#
#   bash tests/bench/tally.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x target/release/plenum ] || cargo build --release -p plenum --locked >/dev/null
file=$(mktemp --suffix=.jsonl)
python3 - "$file" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write('{"method": "majority_judgment", "options": ["A","B","C","D","E","F","G"], "settings": {}, "electorate": 500000}\n')
    for _ in range(400_000):
        f.write('{"grades": [%s]}\n' % ",".join(str(random.randrange(7)) for _ in range(7)))
PY
for _ in 1 2 3 4 5; do
  start=$(date +%s%N)
  target/release/plenum tally "$file" > /dev/null
  echo "plenum tally, 400k MJ ballots: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
/usr/bin/time -f "peak memory: %M KiB" target/release/plenum tally "$file" > /dev/null
rm -f "$file"
