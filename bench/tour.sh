#!/usr/bin/env bash
# The README tour at every default on a held-out split, timed stage by stage
# (issue: defaults that finish): fit-vae, encode, fit-prior, sample --like |
# decode, eval. Then what the defaults reach: reconstruction of the held-out
# cells (bench_vae_quality), generation metrics and per-cell-type conditional
# accuracy (a classifier on the training latents), next to the real cells' and
# the VAE's own reconstructions'.
# Usage: [WORK=dir] [DATA=file.h5ad] [LABEL=cell_type] bash bench/tour.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${DATA:-../shared/data/kang_ctrl_muscat.h5ad}")
label=${LABEL:-cell_type}
work=${WORK:-/tmp/scldm-bench-tour}
S=$PWD/build/scldm
Q=$PWD/build/bench_vae_quality
cmake --build build --target scldm scldm-model bench_vae_quality -j"$(nproc)" >/dev/null
mkdir -p "$work"
[ -f "$work/train.h5ad" ] || /usr/bin/python3 bench/split.py "$data" "$work/train.h5ad" "$work/test.h5ad"
cd "$work"
rm -f times.txt
stage() {  # NAME COMMAND...: run and time one stage of the tour
  local name=$1; shift
  /usr/bin/time -f "$name	%e s	%M kB" -a -o times.txt "$@"
}
stage fit-vae $S fit-vae train.h5ad -o vae.pt --log vae.tsv
stage encode $S encode train.h5ad -o train.lat
stage fit-prior $S fit-prior train.lat --condition "$label" -o prior.pt --log prior.tsv
stage sample+decode sh -c "$S sample --like test.h5ad | $S decode -o gen.h5ad"
stage eval sh -c "$S eval --real test.h5ad --generated gen.h5ad --by $label > eval.txt"
echo "== seconds per stage (stage, wall, peak RSS)"; cat times.txt
awk -F'\t' '{s += $2} END {printf "total: %.0f s (%.1f min)\n", s, s / 60}' times.txt
echo "== reconstruction of the held-out cells"; "$Q" vae.pt train.h5ad test.h5ad 2
echo "== generation"; tail -n +6 eval.txt | head -9
$S classify --train train.lat --label "$label" -o clf.pt -q > /dev/null
echo "== conditional accuracy per $label: generated, then the real test cells"
per_class() { sed -n '/^conditional accuracy/,$p'; }
$S eval --real test.h5ad --generated gen.h5ad --classifier clf.pt --vae vae.pt | per_class
echo "== the same for the VAE's reconstructions of the test cells (encode | decode): the VAE's share"
$S encode test.h5ad --vae vae.pt -q | $S decode --vae vae.pt -o recon.h5ad -q
$S eval --real test.h5ad --generated recon.h5ad --classifier clf.pt --vae vae.pt | per_class
