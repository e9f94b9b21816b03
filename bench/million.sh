#!/usr/bin/env bash
# The million-cell path (issue: every stage streams, memory flat in the
# number of cells): peak RSS and wall time of each stage on N simulated cells
# x 2,000 genes, at defaults unless said (2 threads).
# Usage: bench/million.sh N [stage...]   stages: simulate convert fit-vae
#   encode fit-prior sample-decode eval-recon eval-gen throughput (default: all)
#   SAMPLE_N caps the cells of sample | decode; STEPS the training steps (20);
#   DATA=FILE measures on that file instead of the simulated one (stage
#   simulate skipped), e.g. kang repeated: bench/repeat_h5ad.py kang.h5ad 102 OUT.
# Prints one TSV row per stage: stage, cells, seconds, peak RSS (kB), note.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?cells}
shift
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(simulate convert fit-vae encode fit-prior sample-decode eval-recon eval-gen throughput)
steps=${STEPS:-20}
work=${WORK:-/tmp/scldm-bench-million}/${DATA:+$(basename "$DATA" .h5ad)-}$n
mkdir -p "$work"
data=${DATA:-$work/sim.h5ad}
S=$PWD/build/scldm
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296
lscpu | grep -E "Model name" >&2
# stage, then a command; the row gets wall seconds and peak RSS of the command.
measure() {
  local stage=$1 note=$2
  shift 2
  /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" || { echo "$stage failed" >&2; return 1; }
  read -r secs rss < "$work/time.txt"
  printf '%s\t%s\t%s\t%s\t%s\n' "$stage" "$n" "$secs" "$rss" "$note"
}
for stage in "${stages[@]}"; do
  case $stage in
    simulate) [ -z "${DATA:-}" ] || continue
      measure simulate "-n $n --genes 2000" "$S" simulate -n "$n" --genes 2000 -@ 2 -q -o "$work/sim.h5ad" ;;
    convert)
      measure convert-to-stream "h5ad -> scs" "$S" convert "$data" -q -o "$work/sim.scs"
      measure convert-to-h5ad "scs -> h5ad" "$S" convert "$work/sim.scs" -q -o "$work/back.h5ad"
      rm -f "$work/sim.scs" "$work/back.h5ad" ;;
    fit-vae) measure fit-vae "base, --max-steps $steps, --val-fraction 0.01" \
      "$S" fit-vae "$data" --max-steps "$steps" --val-fraction 0.01 -@ 2 -q -o "$work/vae.pt" ;;
    encode) measure encode "latent stream" "$S" encode "$data" --vae "$work/vae.pt" -@ 2 -q -o "$work/sim.lat" ;;
    fit-prior) measure fit-prior "tiny, --condition cell_type, --max-steps $steps" \
      "$S" fit-prior "$work/sim.lat" --condition cell_type --preset tiny --max-steps "$steps" -@ 2 -q -o "$work/prior.pt" ;;
    sample-decode)
      m=${SAMPLE_N:-$n}
      measure sample-decode "-n $m, sample | decode (RSS of the larger)" bash -c \
        "'$S' sample --prior '$work/prior.pt' -n $m -@ 1 -q | '$S' decode --vae '$work/vae.pt' -@ 1 -q -o '$work/gen.h5ad'" ;;
    eval-recon) measure eval-recon "eval --vae (reconstruction of every cell)" \
      "$S" eval --real "$data" --vae "$work/vae.pt" -@ 2 -q -o "$work/recon.txt" ;;
    eval-gen) measure eval-gen "eval --generated" "$S" eval --real "$data" --generated "$work/gen.h5ad" -@ 2 -q -o "$work/eval.txt" ;;
    throughput)
      # Seconds per step from disk (--memory 64M) and in memory: (t(60) - t(20)) / 40.
      for mem in 64M 16G; do
        for s in 20 60; do
          /usr/bin/time -o "$work/time.txt" -f "%e %M" "$S" fit-vae "$data" --preset tiny --max-steps $s \
            --val-fraction 0.01 --memory $mem -@ 2 -q -o "$work/t.pt"
          read -r secs rss < "$work/time.txt"
          printf 'fit-vae-tiny\t%s\t%s\t%s\t--memory %s, --max-steps %s\n' "$n" "$secs" "$rss" "$mem" "$s"
        done
      done ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done
