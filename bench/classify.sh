#!/usr/bin/env bash
# classify on pbmc_sorted_scminer (FACS-sorted labels), our 80/20 split:
# logistic regression on frozen VAE latents next to logistic regression on
# 50 PCs of log1p(CP10k) (scikit-learn). ~20 min on 2 cores (the VAE).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/pbmc_sorted_scminer.h5ad
work=${WORK:-/tmp/scldm-bench-clf}
mkdir -p "$work"
S=build/scldm
cmake --build build --target scldm scldm-model -j"$(nproc)" >/dev/null
/usr/bin/python3 bench/split.py "$data" "$work/train.h5ad" "$work/test.h5ad"
[ -f "$work/vae.pt" ] || /usr/bin/time -f "fit-vae --preset small --epochs 6: %e s" \
  $S fit-vae "$work/train.h5ad" --preset small --epochs 6 -o "$work/vae.pt" --log "$work/vae.tsv" -q
$S encode "$work/train.h5ad" --vae "$work/vae.pt" -o "$work/train.lat" -q
$S encode "$work/test.h5ad" --vae "$work/vae.pt" -o "$work/test.lat" -q
for model in logreg mlp; do
  /usr/bin/time -f "classify --model $model (train): %e s" \
    $S classify --train "$work/train.lat" --label cell_type --model $model -o "$work/clf_$model.pt" -q > /dev/null
  echo "== latents, $model, test cells:"
  $S classify --model "$work/clf_$model.pt" "$work/test.lat" -o "$work/pred_$model.tsv" 2>&1 | sed 1d
done
echo "== baseline:"
/usr/bin/python3 bench/pca_logreg.py "$work/train.h5ad" "$work/test.h5ad" cell_type
