#!/usr/bin/env bash
# Several gene panels in one model (issue: many datasets, one model; scldm-model(7), SEVERAL GENE PANELS).
#   panels: kang_ctrl_muscat's training cells in two halves, each with its own
#           random 70 % of the genes (bench/split_panels.py). Three VAEs: on the
#           full panel; on the two files, masked (scldm's default); on the two
#           files with the missing genes written as zeros (the baseline). Each
#           is scored on held-out cells over each panel's genes (eval --vae),
#           and generates each half's panel (tiny prior, sample | decode --like)
#           scored against the held-out cells (eval --generated).
#   pair:   kang_ctrl_muscat and pbmc_sorted_scminer (different studies and
#           genes): one VAE on both; reconstruction per file, and whether the
#           shared cell types line up (a classifier trained on one file's
#           latents, scored on the other's).
# Usage: WORK=/tmp/scldm-bench-panels [SEED=0] bench/panels.sh [panels|pair]...  (~60 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
S=$PWD/build/scldm
work=${WORK:-/tmp/scldm-bench-panels}
epochs=${EPOCHS:-10}
seed=${SEED:-0}  # of the VAEs and priors (the data split stays)
mkdir -p "$work"
timed() { local what=$1; shift; /usr/bin/time -f "$what: %e s, %M kB" "$@"; }
recon() {  # model, test file, tag
  printf '%s\t' "$3"; "$S" eval --vae "$1" --real "$2" -q | grep '^RE'
}
generate() {  # model dir tag, test file, panel name
  local m=$work/$1
  "$S" sample --prior "$m.prior.pt" -n "$(cells "$2")" --seed 1 -q | "$S" decode --vae "$m.pt" --like "$2" -q -o "$m.gen-$3.h5ad"
  printf '%s %s\t' "$1" "$3"
  "$S" eval --real "$2" --generated "$m.gen-$3.h5ad" -q |
    awk '$1 ~ /^(frechet|mmd2|nn_accuracy)$/ { printf "%s %s (real floor %s)  ", $1, $2, $3 } END { print "" }'
}
cells() { "$S" info --json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["cells"])'; }
for part in "${@:-panels pair}"; do
  for p in $part; do
  case $p in
    panels)
      d=$work/panels
      [ -f "$d/panels.tsv" ] || /usr/bin/python3 bench/split_panels.py panels ../shared/data/kang_ctrl_muscat.h5ad "$d"
      timed "fit-vae full panel" "$S" fit-vae "$d/full_train.h5ad" --epochs "$epochs" --seed "$seed" -q -o "$work/full.pt"
      timed "fit-vae two panels, masked" "$S" fit-vae "$d/A_train.h5ad" "$d/B_train.h5ad" --epochs "$epochs" --seed "$seed" -q -o "$work/masked.pt"
      timed "fit-vae two panels, zero-filled" "$S" fit-vae "$d/A0_train.h5ad" "$d/B0_train.h5ad" --epochs "$epochs" --seed "$seed" -q -o "$work/zeros.pt"
      for m in full masked zeros; do
        for t in A B; do recon "$work/$m.pt" "$d/${t}_test.h5ad" "$m on panel $t"; done
      done
      recon "$work/full.pt" "$d/full_test.h5ad" "full on all genes"
      # Priors on each model's training latents (the halves are random: unconditional).
      timed "fit-prior full" "$S" fit-prior "$d/full_train.h5ad" --vae "$work/full.pt" --preset tiny --seed "$seed" -q -o "$work/full.prior.pt"
      timed "fit-prior masked" "$S" fit-prior "$d/A_train.h5ad" "$d/B_train.h5ad" --vae "$work/masked.pt" --preset tiny --seed "$seed" -q -o "$work/masked.prior.pt"
      timed "fit-prior zeros" "$S" fit-prior "$d/A0_train.h5ad" "$d/B0_train.h5ad" --vae "$work/zeros.pt" --preset tiny --seed "$seed" -q -o "$work/zeros.prior.pt"
      for m in full masked zeros; do
        for t in A B; do generate "$m" "$d/${t}_test.h5ad" "$t"; done
      done ;;
    pair)
      d=$work/pair
      [ -f "$d/kang_ctrl_muscat_train.h5ad" ] || /usr/bin/python3 bench/split_panels.py pair ../shared/data/kang_ctrl_muscat.h5ad \
        ../shared/data/pbmc_sorted_scminer.h5ad "$d" --max-cells 3000
      k=$d/kang_ctrl_muscat p=$d/pbmc_sorted_scminer
      for enc in ${ENCODERS:-all shared}; do  # --encoder-genes
        m=$work/pair-$enc
        timed "fit-vae kang + pbmc_sorted, --encoder-genes $enc" "$S" fit-vae "${k}_train.h5ad" "${p}_train.h5ad" \
          --encoder-genes "$enc" --epochs "${PAIR_EPOCHS:-4}" --seed "$seed" -q -o "$m.pt"
        for f in "$k" "$p"; do recon "$m.pt" "${f}_test.h5ad" "$enc: on $(basename "$f")"; done
        for f in "$k" "$p"; do "$S" encode "${f}_train.h5ad" "${f}_test.h5ad" --vae "$m.pt" -q -o "$m-$(basename "$f").lat"; done
        for from in "$k" "$p"; do
          to=$([ "$from" = "$k" ] && echo "$p" || echo "$k")
          a=$m-$(basename "$from") b=$m-$(basename "$to")
          "$S" classify --train "$a.lat" --label cell_type_common -q -o "$a.clf.pt" > "$a.clf.txt"
          printf '%s: trained on %s, its held-out cells: ' "$enc" "$(basename "$from")"; grep -i 'macro' "$a.clf.txt" | head -1
          printf '%s: trained on %s, scored on %s: ' "$enc" "$(basename "$from")" "$(basename "$to")"
          "$S" classify --model "$a.clf.pt" "$b.lat" -o "$a.pred.tsv" 2>&1 | grep -i 'macro' | head -1 || true
        done
      done ;;
  esac
  done
done
