#!/usr/bin/env bash
# VAE benchmarks on kang_ctrl_muscat (scldm-model(7), THE AUTOENCODER; issue: fit-vae):
#   1. step profile and FLOPs (bench_vae), 1 and 2 threads
#   2. glibc malloc trimming: 20 steps with and without scldm's mallopt
#   3. the target: 10 epochs of --preset base on all 9,809 cells
#   4. quality on a held-out 20 %: RE, PCC, MSE, zero accuracy vs an NB baseline
# Usage: bench/vae.sh [step|malloc|epochs|quality]...  (default: all; ~35 min)
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/kang_ctrl_muscat.h5ad
work=${WORK:-/tmp/scldm-bench-vae}
mkdir -p "$work"
cmake --build build --target scldm scldm-model bench_vae bench_vae_quality -j"$(nproc)" >/dev/null
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(step malloc epochs quality)
for part in "${parts[@]}"; do
  case $part in
    step)
      for t in 1 2; do build/bench_vae "$data" base 10 "$t"; done
      build/bench_vae "$data" small 10 1
      build/bench_vae "$data" tiny 10 1 ;;
    malloc)
      for env in SCLDM_DEFAULT_MALLOC=1 SCLDM_DEFAULT_MALLOC=0; do
        env $env /usr/bin/time -f "$env: %e s wall, %U s user, %S s sys, %R minor page faults" \
          build/scldm fit-vae "$data" --max-steps 20 --val-fraction 0 -@ 1 -q -o "$work/m.pt"
      done ;;
    epochs)
      /usr/bin/time -f "10 epochs, preset base: %e s wall, %M kB peak RSS" \
        build/scldm fit-vae "$data" -o "$work/kang_base.pt" --log "$work/kang_base.tsv" ;;
    quality)
      /usr/bin/python3 bench/split.py "$data" "$work/train.h5ad" "$work/test.h5ad"
      /usr/bin/time -f "fit on 80 %%: %e s" build/scldm fit-vae "$work/train.h5ad" -o "$work/q.pt" -q
      build/bench_vae_quality "$work/q.pt" "$work/train.h5ad" "$work/test.h5ad" 2 ;;
  esac
done
