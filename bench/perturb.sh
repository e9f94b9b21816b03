#!/usr/bin/env bash
# Perturbation prediction on kang_stim_muscat: (CD14+ Monocytes, stim) is held
# out of the VAE and the prior; the prior (cell_type + condition) generates
# that pair by combining labels it saw apart, with joint and additive
# guidance at a few weights. Baseline: the real CD14+ Monocytes in ctrl (the
# nearest seen condition). ~10 min on 2 cores.
# VAE_FLAGS / PRIOR_FLAGS: the sizes (default: small x 30 epochs, tiny x 300);
# set them empty for the defaults (--preset auto).
set -euo pipefail
vae_flags=${VAE_FLAGS---preset small --epochs 30}
prior_flags=${PRIOR_FLAGS---preset tiny --epochs 300}
cd "$(dirname "$0")/.."
S=$PWD/build/scldm
work=${WORK_PERTURB:-/tmp/scldm-bench-perturb}
mkdir -p "$work"
/usr/bin/python3 bench/perturb_split.py ../shared/data/kang_stim_muscat.h5ad "$work" "CD14+ Monocytes" stim ctrl
cd "$work"
# shellcheck disable=SC2086
[ -f vae.pt ] || /usr/bin/time -f "fit-vae $vae_flags: %e s" $S fit-vae train.h5ad $vae_flags -o vae.pt -q
$S encode train.h5ad --vae vae.pt -o train.lat -q
n=$($S info --json heldout.h5ad | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["cells"])')
summary() { grep -E "^(w2|mmd2|frechet|energy|nn_accuracy) " | awk '{printf "%s %s (floor %s)  ", $1, $2, $3} END {print ""}'; }
echo "== baseline: real CD14+ Monocytes ctrl as the prediction"
$S eval --real heldout.h5ad --generated nearest.h5ad | summary
echo "== ceiling: the VAE's reconstruction of the held-out cells (it never saw them)"
$S encode heldout.h5ad --vae vae.pt -q | $S decode --vae vae.pt -o recon_heldout.h5ad -q
$S eval --real heldout.h5ad --generated recon_heldout.h5ad | summary
for strategy in joint additive; do
  # shellcheck disable=SC2086
  [ -f prior_$strategy.pt ] || /usr/bin/time -f "fit-prior $strategy $prior_flags: %e s" \
    $S fit-prior train.lat --condition cell_type --condition condition --strategy $strategy $prior_flags \
      -o prior_$strategy.pt -q
  for w in 1 2 4; do
    $S sample --prior prior_$strategy.pt -n "$n" --condition "cell_type=CD14+ Monocytes" --condition condition=stim --cfg $w -q |
      $S decode --vae vae.pt -o gen_${strategy}_$w.h5ad -q
    echo "== $strategy, w $w"
    $S eval --real heldout.h5ad --generated gen_${strategy}_$w.h5ad | summary
  done
done
