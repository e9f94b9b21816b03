#!/usr/bin/env bash
# Prints the OpenBLAS core types (OPENBLAS_CORETYPE values) this CPU can run,
# one per line: each has its own matrix-product kernels, so reproducibility
# tests run under every one of them. With a command, runs it under each in
# turn and fails if any run fails.
set -u
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
cores=()
has pni && cores+=(Prescott)  # SSE3 is "pni" in /proc/cpuinfo
has sse4_2 && cores+=(Nehalem)
has avx && cores+=(Sandybridge)
has avx2 fma && cores+=(Haswell Zen)
has avx512f avx512dq avx512bw avx512vl avx512cd && cores+=(SkylakeX)
has avx512f avx512dq avx512bw avx512vl avx512cd avx512_bf16 && cores+=(Cooperlake)
if [ $# -eq 0 ]; then
  printf '%s\n' "${cores[@]}"
  exit 0
fi
status=0
for core in "${cores[@]}"; do
  echo "== OPENBLAS_CORETYPE=$core" >&2
  OPENBLAS_CORETYPE=$core "$@" || { echo "FAILED under OPENBLAS_CORETYPE=$core" >&2; status=1; }
done
exit $status
