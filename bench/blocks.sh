#!/usr/bin/env bash
# What the fixed cell blocks of inference cost (lib/model/cell_blocks.hpp):
# encode, decode and sample throughput of two builds side by side on
# kang_ctrl_muscat, alternating A B A B (the machine is shared).
# Usage: bench/blocks.sh OLD_SCLDM NEW_SCLDM   (each a path to an scldm binary)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2
data=../shared/data/kang_ctrl_muscat.h5ad
work=${WORK:-/tmp/scldm-bench-blocks}
mkdir -p "$work"
cd "$work"
"$new" fit-vae "$OLDPWD/$data" --max-steps 2 -o vae.pt -q
"$new" encode "$OLDPWD/$data" --vae vae.pt -o kang.lat
"$new" fit-prior kang.lat --condition cell_type --preset small --max-steps 2 -o prior.pt -q
run() {  # label, command...
  local t0 t1
  t0=$(date +%s.%N)
  "${@:2}" > /dev/null
  t1=$(date +%s.%N)
  printf '%-22s %8.2f s\n' "$1" "$(echo "$t1 - $t0" | bc)"
}
for round in 1 2; do
  for which in old new; do
    bin=${!which}
    run "$which encode 9809" "$bin" encode "$OLDPWD/$data" --vae vae.pt -o - -q
    run "$which decode 9809" "$bin" decode kang.lat --vae vae.pt -o - -q
    run "$which sample 2000" "$bin" sample --prior prior.pt -n 2000 --steps 20 -o - -q
  done
done
