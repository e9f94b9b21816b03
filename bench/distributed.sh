#!/usr/bin/env bash
# Data-parallel training on this machine (bench/RESULTS.md, "Data-parallel
# training"): the gradient all-reduce of the base VAE and base DiT over Gloo
# on loopback, and the step time of fit-vae and fit-prior at world size 1 and 2.
#   bash bench/distributed.sh [allreduce|steps|prior_steps]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/kang_ctrl_muscat.h5ad}
scldm=build/scldm
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

allreduce() {
  cmake --build build --target bench_allreduce >/dev/null
  for w in 2; do
    port=$(free_port)
    for r in $(seq 1 $((w - 1))); do
      RANK=$r WORLD_SIZE=$w MASTER_ADDR=127.0.0.1 MASTER_PORT=$port timeout 300 build/bench_allreduce 1287 20 &
    done
    RANK=0 WORLD_SIZE=$w MASTER_ADDR=127.0.0.1 MASTER_PORT=$port timeout 300 build/bench_allreduce 1287 20
    wait
  done
}

# Seconds per step: the wall time of STEPS + 5 steps minus that of 5 (start-up,
# reading the data and the ranks' meeting cancel), no validation.
#   timed_steps LABEL COMMAND...   (the command gets --max-steps, -@, --nproc, -o)
timed_steps() {
  local label=$1 steps=${STEPS:-20}
  shift
  local command=("$@")
  for run in "1 2" "2 1"; do
    local ranks=${run% *} threads=${run#* } t=()
    for n in 5 $((steps + 5)); do
      local start=$(date +%s.%N)
      "${command[@]}" --max-steps $n --val-fraction 0 -@ $threads --nproc $ranks -o /tmp/dist-bench-$ranks.pt -q \
        --log /tmp/dist-bench-$ranks.tsv
      t+=($(echo "$(date +%s.%N) - $start" | bc))
    done
    local comm=$(awk -F'\t' 'NR > 6 && $3 == "train" && $NF != "" { s += $NF; n++ } END { if (n) printf "%.1f", 1000 * s / n; else print "-" }' /tmp/dist-bench-$ranks.tsv)
    printf "%s\t%s ranks x %s threads\t%.3f s/step\tall-reduce (incl. waiting) %s ms/step\n" "$label" $ranks $threads \
      "$(echo "(${t[1]} - ${t[0]}) / $steps" | bc -l)" "$comm"
  done
}

steps() {
  timed_steps "fit-vae --preset base" $scldm fit-vae "$data" --preset base
}

prior_steps() {
  $scldm fit-vae "$data" --preset base --max-steps 1 -o /tmp/dist-bench-vae.pt -q
  $scldm encode "$data" --vae /tmp/dist-bench-vae.pt -o /tmp/dist-bench.lat -q
  timed_steps "fit-prior --preset small" $scldm fit-prior /tmp/dist-bench.lat --condition cell_type --preset small
}

case ${1:-all} in
  allreduce) allreduce ;;
  steps) steps ;;
  prior_steps) prior_steps ;;
  all) allreduce; steps; prior_steps ;;
esac
