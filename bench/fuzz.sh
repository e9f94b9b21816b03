#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs them:
#   stream  the record-stream reader (seeds: fuzz/corpus/*)
#   h5ad    the h5ad reader on in-memory HDF5 images (seeds: fuzz/corpus/h5ad/)
#   layout  the h5ad reader on well-formed HDF5 files whose h5ad contents
#           (shapes, lengths, codes, strings) the input picks (no seeds)
# Usage: bench/fuzz.sh [SECONDS] [stream|h5ad|layout|all]   (default 300 each, all)
#
# One core. The h5ad fuzzers run in fork mode (-fork=1), going on past
# crashes, since libhdf5 itself crashes (and hangs) on some corrupt files
# and libFuzzer would otherwise stop at the first. Every crashing input found is kept in
# build-fuzz/crashes/<target>/ and classified by its top stack frame: inside
# libhdf5 (the real program reports those as a corrupt file: CrashContext)
# or inside our code (a bug: fix it, keep the input in tests/fixtures/fuzz/).
# The working corpus grows in build-fuzz/corpus/<target>/ across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
which=${2:-all}
root=$PWD
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DSCLDM_FUZZ=ON -DSCLDM_WITH_TORCH=OFF -DSCLDM_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"${JOBS:-1}" --target fuzz_stream_reader fuzz_h5ad_reader fuzz_h5ad_layout >/dev/null
export LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp
# UBSan recovers by default in these builds: make a report a crash.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# A crash report's site: "libhdf5 <top named libhdf5 frame> via <the HDF5 call
# we made>" or "ours <our top frame>", from the frames that are neither a
# sanitizer, libFuzzer, libc nor the C++ library.
site() {
  grep -E '^ +#[0-9]+ 0x[0-9a-f]+ in ' | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //; s/ *\(BuildId: [0-9a-f]+\)//' |
    grep -vE '^(__sanitizer|__asan|__ubsan|__interceptor|__lsan|fuzzer::|std::|__gnu_cxx|decltype|malloc|calloc|realloc|free|operator new|_start|__libc|abort|raise)|libc\.so|libstdc\+\+' |
    awk '
      /libhdf5/ { f = $1; if (top == "") top = f; api = f; next }
      { if (top == "") { ours = $0; sub(/\(.*\) /, "() ", ours); print "ours\t" ours; done = 1; exit }
        print "libhdf5\t" top " via " api; done = 1; exit }
      END { if (!done && top != "") print "libhdf5\t" top " via " api }' || true
}

classify() {
  local target=$1 dir=build-fuzz/crashes/$1 f report where
  shopt -s nullglob
  local files=("$dir"/crash-* "$dir"/leak-* "$dir"/oom-* "$dir"/timeout-*)
  echo "== $target: ${#files[@]} inputs kept in $dir; by site (count, kind, type, site):"
  [ ${#files[@]} -gt 0 ] || return 0
  for f in "${files[@]}"; do
    report=$(ASAN_OPTIONS=fast_unwind_on_malloc=0:detect_leaks=1 timeout 60 \
      "build-fuzz/fuzz/fuzz_$target" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=1024 "$f" 2>&1 || true)
    where=$(site <<<"$report")
    [ -n "$where" ] || where=$(printf 'none\tdoes not reproduce alone')
    printf '%s\t%s\n' "$(basename "$f" | cut -d- -f1)" "$where"
  done | sort | uniq -c | sort -k2,2 -k1,1nr | sed 's/^/  /'
}

run() {  # target seeds max_len fork
  local target=$1 seeds=$2 max_len=$3 fork=$4 corpus=build-fuzz/corpus/$1
  mkdir -p "$corpus" "build-fuzz/crashes/$target"
  [ -z "$seeds" ] || find "$seeds" -maxdepth 1 -type f -exec cp -n {} "$corpus"/ \;
  local extra=()
  [ "$fork" = 1 ] && extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  echo "== $target: $seconds s"
  "build-fuzz/fuzz/fuzz_$target" "$corpus" "${extra[@]}" -max_total_time="$seconds" -max_len="$max_len" \
    -rss_limit_mb=2048 -timeout=5 -artifact_prefix="build-fuzz/crashes/$target/" -print_final_stats=1 \
    >"build-fuzz/$target.log" 2>&1 || true
  # Executions: the last status line ("#<runs> ..."), and the final stats.
  grep -E '^#[0-9]+' "build-fuzz/$target.log" | tail -n 1
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "build-fuzz/$target.log" || true
  classify "$target"
}

case $which in
  stream | all) run stream_reader fuzz/corpus 65536 0 ;;&
  h5ad | all) run h5ad_reader fuzz/corpus/h5ad 32768 1 ;;&
  layout | all) run h5ad_layout "" 4096 1 ;;
  stream | h5ad) ;;
  *) echo "usage: bench/fuzz.sh [SECONDS] [stream|h5ad|layout|all]" >&2; exit 2 ;;
esac
