#!/usr/bin/env bash
# Builds the libFuzzer target of the stream reader with clang and runs it.
# Usage: bench/fuzz.sh [SECONDS]   (default 300). Seeds: fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DSCLDM_FUZZ=ON -DSCLDM_WITH_TORCH=OFF -DSCLDM_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_stream_reader >/dev/null
work=$(mktemp -d)
cp fuzz/corpus/* "$work"/
mkdir -p build-fuzz/crashes
build-fuzz/fuzz/fuzz_stream_reader "$work" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
  -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 2>&1 | tail -n 25
rm -rf "$work"
