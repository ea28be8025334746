#!/usr/bin/env bash
# The paper preset on Bitcoin OTC, Bitcoin Alpha and Chess, both tasks, 5 seeds, two
# processes; resumable (finished seeds are kept). Raw files are copied from ../shared/data
# into a scratch dataset root. Then the table:  tensorgcn report benchmarks/results/reproduction
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA_ROOT:-$(mktemp -d)}
for spec in bitcoin-otc:soc-sign-bitcoinotc.csv bitcoin-alpha:soc-sign-bitcoinalpha.csv chess:out.chess; do
  name=${spec%%:*}; file=${spec#*:}
  mkdir -p "$data/$name/raw"; cp -n "../shared/data/$name/$file" "$data/$name/raw/" 2>/dev/null || true
done
out=benchmarks/results/reproduction
for task in edge-classification link-prediction; do
  for name in bitcoin-otc bitcoin-alpha chess; do
    tensorgcn train --dataset "$name" --task "$task" --preset "${PRESET:-paper}" \
      --root "$data/$name" --seeds "${SEEDS:-5}" --jobs "${JOBS:-2}" --out "$out"
  done
done
tensorgcn report "$out"
