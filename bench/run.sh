#!/usr/bin/env bash
# Runs every benchmark of the foundation; paste the output into RESULTS.md.
# Needs ../shared/data and hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build --target scldm scldm-model bench_stream -j"$(nproc)" >/dev/null
echo "## start-up"; bash bench/startup.sh
echo "## h5ad reading"; bash bench/h5ad_read.sh
echo "## stream throughput"
for level in 1 -1; do build/bench_stream ../shared/data/kang_ctrl_muscat.h5ad 10 "$level"; done
echo "## data-parallel training"; bash bench/distributed.sh
