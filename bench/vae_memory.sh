#!/usr/bin/env bash
# VAE training cost against the gene count (issue: training cost):
#   memory  peak RSS and wall time of `fit-vae --max-steps 2` (two steps at
#           batch 128 and one validation pass, 2 threads) on kang (1,287
#           genes), pbmc_sorted (8,846) and simulated 20,000 / 36,000 genes;
#           with OLD=DIR (a build of an earlier commit) the same for it.
#   peer    the Python peer (../shared/peers) next to bench_vae on kang and on
#           20,000 genes, alternating, same preset, batch and threads.
# Usage: [OLD=dir] bench/vae_memory.sh [memory|peer]...  (default: both; ~10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
work=${WORK:-/tmp/scldm-bench-vae-memory}
mkdir -p "$work"
cmake --build build --target scldm scldm-model bench_vae -j"$(nproc)" >/dev/null
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296
for g in 20000 36000; do
  [ -s "$work/sim$g.h5ad" ] || build/scldm simulate -n 2000 --genes $g --library-size 4000 -o "$work/sim$g.h5ad"
done
sets=("$shared/kang_ctrl_muscat.h5ad" "$shared/pbmc_sorted_scminer.h5ad" "$work/sim20000.h5ad" "$work/sim36000.h5ad")
lscpu | grep -E "Model name|^CPU\(s\)"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(memory peer)
for part in "${parts[@]}"; do
  case $part in
    memory)
      for data in "${sets[@]}"; do
        for bin in build ${OLD:+"$OLD"}; do
          /usr/bin/time -f "$(basename "$data") $bin: %e s, %M kB peak RSS" \
            "$bin/scldm" fit-vae "$data" --max-steps 2 -@ 2 -q -o "$work/m.pt"
        done
      done ;;
    peer)
      for data in "${sets[0]}" "${sets[2]}"; do
        for round in 1 2; do
          /usr/bin/time -f "peer peak %M kB" /usr/bin/python3 ../shared/peers/py_ref_vae.py "$data" --threads 2 \
            --steps 4 --warmup 1 2>&1 | tail -2
          /usr/bin/time -f "scldm peak %M kB" build/bench_vae "$data" base 4 2 128 2>&1 | grep -E "cells/s|peak"
        done
      done ;;
  esac
done
