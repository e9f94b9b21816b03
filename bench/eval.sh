#!/usr/bin/env bash
# eval on ~10k x 10k cells: seconds per metric (bench_eval), and POT's exact
# W2 (ot.emd2) on the same 30-PC points. Real: all 9,809 kang_ctrl cells;
# generated: 10,000 cells of the tiny prior of bench/prior.sh, decoded.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/scldm-bench-vae}
S=build/scldm
cmake --build build --target scldm scldm-model bench_eval -j"$(nproc)" >/dev/null
[ -f "$work/gen10k.h5ad" ] || $S sample --prior "$work/prior_tiny.pt" -n 10000 -q | $S decode --vae "$work/q.pt" -o "$work/gen10k.h5ad" -q
mkdir -p "$work/points"
/usr/bin/time -f "bench_eval: %e s wall, %M kB peak RSS" \
  build/bench_eval ../shared/data/kang_ctrl_muscat.h5ad "$work/gen10k.h5ad" 10000 "$work/points"
/usr/bin/time -f "POT: %e s wall, %M kB peak RSS" /usr/bin/python3 bench/pot_w2.py "$work/points" 30
/usr/bin/time -f "scldm eval (defaults: 5,000-cell halves, exact W2): %e s wall, %M kB peak RSS" \
  $S eval --real ../shared/data/kang_ctrl_muscat.h5ad --generated "$work/gen10k.h5ad" -q > /dev/null
