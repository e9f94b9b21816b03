#!/usr/bin/env bash
# fit-vae's training throughput next to the Python peer's (issue: 3x the
# peer), alternating in one run: the machines are shared and drift.
# Seconds per scldm step = (wall of N1 steps - wall of N0 steps) / (N1 - N0).
# Usage: [DATA=file.h5ad] [ROUNDS=3] [N0=4] [N1=16] [PEER_STEPS=15] [PEER_ARGS=...] bash bench/peer_side_by_side.sh
# (20,000 simulated genes: DATA=sim20k.h5ad N0=2 N1=6 PEER_STEPS=4 PEER_ARGS="--warmup 1")
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/kang_ctrl_muscat.h5ad}
n0=${N0:-4}
n1=${N1:-16}
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "the peer needs python3-torch: apt-get install python3-torch" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmake --build build --target scldm scldm-model -j"$(nproc)" >/dev/null
wall() {  # seconds of a base fit-vae run of $1 steps
  local start end
  start=$(date +%s.%N)
  build/scldm fit-vae "$data" --preset base --max-steps "$1" --val-fraction 0 -@ 2 -q -o "$out/v.pt" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
for round in $(seq "${ROUNDS:-3}"); do
  # shellcheck disable=SC2086
  peer=$(GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296 \
    /usr/bin/python3 ../shared/peers/py_ref_vae.py "$data" --threads 2 --steps "${PEER_STEPS:-15}" ${PEER_ARGS:-} 2>&1 | tail -1)
  a=$(wall "$n0")
  b=$(wall "$n1")
  step=$(echo "($b - $a) / ($n1 - $n0)" | bc -l)
  printf 'round %s: peer: %s\n         scldm: %.3f s per step, %.1f cells/s\n' "$round" "$peer" "$step" \
    "$(echo "128 / $step" | bc -l)"
done
