#!/usr/bin/env bash
# The pipeline of the Makefile as a plain script: simulated data (or the
# h5ad given as $1), small models, every output kept in ./out.
#   bash run.sh [DATA.h5ad [LABEL]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scldm=${SCLDM:-$here/../../build/scldm}
[ -x "$scldm" ] || scldm=scldm
out=${OUT:-out}
label=${2:-cell_type}
mkdir -p "$out"
if [ $# -ge 1 ]; then
  ln -sf "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "$out/data.h5ad"
  conditions=(--condition "$label")
else
  "$scldm" simulate -o "$out/data.h5ad"
  conditions=(--condition "$label" --condition condition)
fi
"$scldm" convert "$out/data.h5ad" --subsample 0.8 -o "$out/train.h5ad"
"$scldm" convert "$out/data.h5ad" --subsample 0.8 --rest -o "$out/test.h5ad"
"$scldm" fit-vae "$out/train.h5ad" --preset tiny --epochs 40 --log "$out/vae.log.tsv" -o "$out/vae.pt" -q
"$scldm" encode "$out/train.h5ad" --vae "$out/vae.pt" -o "$out/train.lat" -q
"$scldm" fit-prior "$out/train.lat" "${conditions[@]}" --preset tiny --epochs 200 --log "$out/prior.log.tsv" -o "$out/prior.pt" -q
"$scldm" sample --prior "$out/prior.pt" --like "$out/test.h5ad" --cfg 2 -q |
  "$scldm" decode --vae "$out/vae.pt" -o "$out/generated.h5ad" -q
"$scldm" classify --train "$out/train.lat" --label "$label" -o "$out/classifier.pt" -q > "$out/classify.txt"
"$scldm" classify --model "$out/classifier.pt" "$out/test.h5ad" --vae "$out/vae.pt" -o "$out/predictions.tsv" -q
"$scldm" eval --real "$out/test.h5ad" --generated "$out/generated.h5ad" --by "$label" \
  --classifier "$out/classifier.pt" --vae "$out/vae.pt" --plot "$out/pca.svg" > "$out/eval.txt"
"$scldm" eval --real "$out/test.h5ad" --vae "$out/vae.pt" > "$out/recon.txt"
cat "$out/eval.txt"
