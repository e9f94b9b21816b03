#!/usr/bin/env bash
# Data-parallel training on one machine: --nproc starts the ranks itself.
# Simulated data (or the h5ad given as $1); outputs in ./out.
#   bash local.sh [DATA.h5ad] [RANKS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scldm=${SCLDM:-$here/../../build/scldm}
[ -x "$scldm" ] || scldm=scldm
out=${OUT:-out}
ranks=${2:-2}
mkdir -p "$out"
data=${1:-$out/data.h5ad}
[ $# -ge 1 ] || "$scldm" simulate -n 2000 -o "$data"
# --batch-size is the global batch: each of the ranks computes its share of
# every batch of 128 cells, and the run is the one a single process trains.
"$scldm" fit-vae "$data" --preset tiny --epochs 5 --nproc "$ranks" --log "$out/vae.log.tsv" -o "$out/vae.pt"
"$scldm" encode "$data" --vae "$out/vae.pt" -o "$out/train.lat" -q
"$scldm" fit-prior "$out/train.lat" --condition cell_type --preset tiny --epochs 20 --nproc "$ranks" -o "$out/prior.pt"
# The log's allreduce_s column: seconds per step in the gradient all-reduce.
awk -F'\t' 'NR > 1 && $3 == "train" { s += $NF; n++ } END { printf "all-reduce: %.2f ms per step\n", 1000 * s / n }' "$out/vae.log.tsv"
