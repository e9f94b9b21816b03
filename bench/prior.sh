#!/usr/bin/env bash
# Prior benchmarks (scldm-model(7)) on kang_ctrl_muscat, using the VAE that
# `bench/vae.sh quality` trains on its 80 % split ($WORK/q.pt):
#   quality     tiny prior on cell_type; conditional (--like test) and unconditional
#               generation vs the real floor, vs N(0, I) latents through the same VAE,
#               and vs the VAE's own reconstruction of the test cells (the ceiling)
#   cfgdrop     --cfg-dropout 0.1 / 0.2 / 0.8: per-cell-type metrics and conditional accuracy
#   solvers     solver x steps against a dopri5 reference at 1e-8
#   throughput  cells/s of sample | decode at defaults (tiny and base priors)
#   perturb     kang_stim: hold out (CD14+ Monocytes, stim), generate it (joint / additive, a few w)
# Usage: bench/prior.sh [part]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${WORK:-/tmp/scldm-bench-vae}
S=$PWD/build/scldm
B=$PWD/build/bench_prior
cmake --build build --target scldm scldm-model bench_prior -j"$(nproc)" >/dev/null
[ -f "$work/q.pt" ] || bash bench/vae.sh quality
cd "$work"
[ -f train.lat ] || $S encode train.h5ad --vae q.pt -o train.lat -q
metrics() { tail -n +6 "$1" | head -9; }  # the overall metric table of an eval report
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(quality cfgdrop solvers throughput perturb)
for part in "${parts[@]}"; do
  case $part in
    quality)
      [ -f prior_tiny.pt ] || /usr/bin/time -f "fit-prior --preset tiny (100 epochs): %e s" \
        $S fit-prior train.lat --condition cell_type --preset tiny --log prior_tiny.tsv -o prior_tiny.pt -q
      $S sample --prior prior_tiny.pt --like test.h5ad -q | $S decode --vae q.pt -o gen_cond.h5ad -q
      $S sample --prior prior_tiny.pt -n "$($S info --json test.h5ad | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["cells"])')" -q |
        $S decode --vae q.pt -o gen_uncond.h5ad -q
      $B gaussian prior_tiny.pt 2012 gauss.lat && $S decode gauss.lat --vae q.pt -o gen_gauss.h5ad -q
      $S encode test.h5ad --vae q.pt -q | $S decode --vae q.pt -o recon_test.h5ad -q
      for g in gen_cond gen_uncond gen_gauss recon_test; do
        echo "== $g"; $S eval --real test.h5ad --generated $g.h5ad > eval_$g.txt; metrics eval_$g.txt
      done
      $S eval --real test.h5ad --generated gen_cond.h5ad --by cell_type --plot cond.svg | tail -n 12
      $S eval --real test.h5ad --generated gen_gauss.h5ad --plot gauss.svg > /dev/null ;;
    cfgdrop)
      [ -f clf.pt ] || $S classify --train train.lat --label cell_type -o clf.pt -q > /dev/null
      for rho in 0.1 0.2 0.8; do
        [ -f prior_rho$rho.pt ] || $S fit-prior train.lat --condition cell_type --preset tiny --cfg-dropout $rho -o prior_rho$rho.pt -q
        for w in 1 2; do
          $S sample --prior prior_rho$rho.pt --like test.h5ad --cfg $w -q | $S decode --vae q.pt -o gen_rho$rho.w$w.h5ad -q
          echo "== cfg-dropout $rho, w $w"
          $S eval --real test.h5ad --generated gen_rho$rho.w$w.h5ad --by cell_type --classifier clf.pt --vae q.pt |
            grep -E "^(average|conditional)"
        done
      done ;;
    solvers)
      $B solvers prior_tiny.pt 256 ;;
    throughput)
      [ -f prior_base_1step.pt ] || $S fit-prior train.lat --condition cell_type --max-steps 1 -o prior_base_1step.pt -q
      /usr/bin/time -f "prior_tiny.pt: sample -n 2000 | decode (defaults: heun, 50 steps): %e s" \
        sh -c "$S sample --prior prior_tiny.pt -n 2000 -q | $S decode --vae q.pt -o tp.h5ad -q"
      /usr/bin/time -f "prior_tiny.pt: sample -n 2000 alone: %e s" $S sample --prior prior_tiny.pt -n 2000 -q -o tp.lat
      # The reference-size DiT (base) is ~0.35 s per cell on this CPU: time 100 cells.
      /usr/bin/time -f "prior_base_1step.pt: sample -n 100 alone: %e s" $S sample --prior prior_base_1step.pt -n 100 -q -o tp.lat ;;
    perturb)
      bash "$root/bench/perturb.sh" ;;
  esac
done
