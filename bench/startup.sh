#!/usr/bin/env bash
# Start-up time of commands that need no model (target: well under 0.1 s),
# next to the LibTorch helper that model commands start. Needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
b=${BUILD:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
hyperfine -N --warmup 3 --runs 30 --export-markdown "$out" --style none \
  "$b/scldm --help" \
  "$b/scldm version" \
  "$b/scldm info --help" \
  "$b/scldm info examples/data/toy.h5ad" \
  "$b/scldm convert examples/data/toy.h5ad -O stream -o -" \
  "$b/scldm-model --torch-info" >/dev/null 2>&1
cat "$out"
