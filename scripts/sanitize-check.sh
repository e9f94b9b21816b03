#!/usr/bin/env bash
# Builds the torch-free code (scldm, scldm_unit_tests) with AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc, -fno-sanitize-recover=all) in a build
# tree of its own, then runs the unit tests and the torch-free CLI tests
# (h5ad.bats, stream.bats, usage.bats; the few tests there that need the
# LibTorch helper skip) against the sanitized binaries.
#
# Fails on any failing test and on any sanitizer report. A report ends the
# process with status 86, which no test expects (they check 0, 1 or 2);
# AddressSanitizer's (and LeakSanitizer's) also go to log files, seen even
# from a process whose status no test looks at. (gcc's UBSan, combined with
# ASan, ignores log_path: its reports go to stderr, with status 86.) Leaks
# inside libhdf5 on corrupt input are suppressed (fuzz/lsan.supp says why);
# ours are not.
#
# Usage: scripts/sanitize-check.sh [BUILD_DIR]   (default: build-sanitize)
# Run by CTest as the test `sanitizers`. JOBS (default 2) sets the build's
# parallelism. Measured on 2 (busy) cores from scratch: build 3.3 min, tests
# 40 s; ccache, when installed, makes later builds short. -O0: at -O1 the
# build took 1.7 times as long and the tests gained little.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-sanitize}
# gcc leaves float-cast-overflow out of "undefined" (clang has it): added.
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer"
start=$SECONDS

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSCLDM_WITH_TORCH=OFF -DSCLDM_TESTS=ON \
  -DCMAKE_C_FLAGS="-O0 $flags" -DCMAKE_CXX_FLAGS="-O0 $flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null || exit 1
cmake --build "$build" -j"${JOBS:-2}" --target scldm scldm_unit_tests >"$build/sanitize-build.log" 2>&1 || {
  tail -n 40 "$build/sanitize-build.log"
  exit 1
}
echo "sanitize-check: built in $((SECONDS - start)) s"

logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS="log_path=$logs/asan:exitcode=86:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86"
export LSAN_OPTIONS="suppressions=$src/fuzz/lsan.supp:print_suppressions=0"

# Tests that must skip under sanitizers look at this (see h5ad.bats).
export SCLDM_SANITIZED=1
status=0
"$build/tests/scldm_unit_tests" --gtest_brief=1 || status=1
SCLDM="$build/scldm" SCLDM_SOURCE_DIR="$src" bats --print-output-on-failure \
  "$src/tests/cli/h5ad.bats" "$src/tests/cli/stream.bats" "$src/tests/cli/usage.bats" || status=1

shopt -s nullglob
reports=("$logs"/*)
if [ ${#reports[@]} -gt 0 ]; then
  echo "sanitize-check: ${#reports[@]} sanitizer report(s):"
  for r in "${reports[@]}"; do
    echo "--- $r"
    head -n 60 "$r"
  done
  status=1
fi
echo "sanitize-check: $([ $status -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit $status
