#!/usr/bin/env bats
load helpers

COMMANDS="fit-vae fit-prior encode sample decode eval classify info convert version"

@test "bare scldm prints usage to stderr and exits 2 (a usage error)" {
  run --separate-stderr scldm
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == *"Usage: scldm <command>"* ]]
}

@test "scldm --help and help print grouped usage to stdout" {
  run scldm --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"-- Model"* && "$output" == *"-- Files"* ]]
  for c in $COMMANDS; do [[ "$output" == *" $c "* ]] || { echo "missing $c"; false; }; done
}

@test "every subcommand prints its help and exits 0" {
  for c in $COMMANDS; do
    run scldm "$c" --help
    [ "$status" -eq 0 ] || { echo "$c: $output"; false; }
    [[ "$output" == *"Usage: scldm $c"* ]]
    [[ "$output" == *"--output"* && "$output" == *"--threads"* && "$output" == *"--seed"* ]]
  done
}

@test "unknown command is a usage error" {
  run scldm frobnicate
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown command 'frobnicate'"* ]]
}

@test "unknown option and bad integer are usage errors naming the command" {
  run scldm convert --bogus x
  [ "$status" -eq 2 ]
  [[ "$output" == "scldm convert: unknown option --bogus"* ]]
  run scldm convert -@ 2x in.h5ad
  [ "$status" -eq 2 ]
  [[ "$output" == *"expected an integer, got '2x'"* ]]
  run scldm convert --level 99 in.h5ad
  [ "$status" -eq 2 ]
}

@test "version names scldm, LibTorch, HDF5 and zstd" {
  run scldm version
  [ "$status" -eq 0 ]
  [[ "$output" == *"scldm 0."* && "$output" == *"LibTorch"* && "$output" == *"HDF5 1."* && "$output" == *"zstd 1."* ]]
}

@test "version -v reaches the LibTorch helper" {
  [ -x "$(dirname "$SCLDM")/scldm-model" ] || skip "built without LibTorch"
  run scldm version -v
  [ "$status" -eq 0 ]
  [[ "$output" == *"CUDA available:"* ]]
}

@test "a write error on stdout is reported with exit 1" {
  [ -w /dev/full ] || skip "no /dev/full"
  run bash -c "'$SCLDM' version > /dev/full"
  [ "$status" -eq 1 ]
  [[ "$output" == *"write error"* ]]
}

@test "scldm itself does not load LibTorch (commands without a model start fast)" {
  command -v ldd >/dev/null || skip "no ldd"
  run ldd "$SCLDM"
  [ "$status" -eq 0 ]
  [[ "$output" != *libtorch* && "$output" != *libc10* ]]
}

@test "the programs look for libraries in no relative directory (an empty RUNPATH entry is the working directory)" {
  command -v readelf >/dev/null || skip "no readelf"
  for program in "$SCLDM" "$(dirname "$SCLDM")/scldm-model"; do
    [ -e "$program" ] || continue
    runpath=$(readelf -d "$program" | sed -n 's/.*(RUN\?PATH).*\[\(.*\)\]$/\1/p')
    [ -n "$runpath" ] || continue
    IFS=: read -r -a entries <<< "$runpath:x"  # the sentinel keeps a trailing empty entry
    for entry in "${entries[@]:0:${#entries[@]}-1}"; do
      [[ "$entry" == /* || "$entry" == '$ORIGIN'* ]] || { echo "$program: RUNPATH [$runpath]"; false; }
    done
  done
}

@test "an installed scldm finds its helper, man pages and completion" {
  [ -n "${SCLDM_BUILD_DIR:-}" ] || skip "run through ctest"
  [ -x "$SCLDM_BUILD_DIR/scldm-model" ] || skip "built without LibTorch"
  prefix="$BATS_TEST_TMPDIR/prefix"
  cmake --install "$SCLDM_BUILD_DIR" --prefix "$prefix" >/dev/null
  run "$prefix/bin/scldm" version -v
  [ "$status" -eq 0 ]
  [[ "$output" == *"CUDA available:"* ]]
  [ -f "$prefix/share/bash-completion/completions/scldm" ]
  [ -f "$prefix/share/zsh/site-functions/_scldm" ]
  [ -f "$prefix/share/fish/vendor_completions.d/scldm.fish" ]
  [ -f "$prefix/share/man/man5/scldm-formats.5" ]
  command -v man >/dev/null || skip "man is not installed"
  run env MANPAGER=cat PAGER=cat man -M "$prefix/share/man" scldm-sample
  [ "$status" -eq 0 ]
  [[ "$output" == *"SCLDM-SAMPLE"* && "$output" == *"--cfg"* && "$output" == *"SCLDM_PRIOR"* ]]
}

# OpenBLAS falls back to its SSE3 (Prescott) kernels on CPUs newer than
# itself; the helper runs its AVX2 / AVX-512 kernels there instead.
@test "version -v names the BLAS kernels, and a CPU with AVX2 does not run SSE-era ones" {
  [ -x "$(dirname "$SCLDM")/scldm-model" ] || skip "built without LibTorch"
  run env -u OPENBLAS_CORETYPE -u SCLDM_BLAS_REPLACED -u SCLDM_TEST_BLAS_CHOSEN "$SCLDM" version -v
  [ "$status" -eq 0 ]
  [[ "$output" == *"BLAS: "* ]]
  [[ "$output" == *"BLAS: OpenBLAS, "* ]] || skip "the BLAS is not OpenBLAS"
  kernel=$(sed -n 's/^BLAS: OpenBLAS, \([A-Za-z0-9_]*\) kernels.*/\1/p' <<< "$output")
  [ -n "$kernel" ]
  [[ "$kernel" =~ [a-z] ]] || skip "OpenBLAS built for one CPU ($kernel): it has no other kernels"
  if has_avx2; then
    case "$kernel" in
      Unknown|Katmai|Coppermine|Northwood|Prescott|Banias|Atom|Core2|Penryn|Dunnington|Nehalem|Athlon|Opteron|Opteron_SSE3|Barcelona|Nano|Bobcat)
        echo "SSE-era kernels ($kernel) on a CPU with AVX2: $output"; false ;;
    esac
  fi
  # The user's choice is kept, even a slow one; a stale record of a replacement is not believed.
  run env -u SCLDM_TEST_BLAS_CHOSEN OPENBLAS_CORETYPE=Prescott SCLDM_BLAS_REPLACED='Core2>SkylakeX' "$SCLDM" version -v
  [ "$status" -eq 0 ]
  [[ "$output" == *"BLAS: OpenBLAS, Prescott kernels (set by OPENBLAS_CORETYPE"* && "$output" != *"replaced"* ]]
  # ... and where the CPU has wider vectors than the kernels asked for, version -v says so.
  if has_avx2; then
    [[ "$output" == *"(set by OPENBLAS_CORETYPE; this CPU has wider vectors, which "*"'s kernels use)"* ]]
  else
    [[ "$output" == *"(set by OPENBLAS_CORETYPE)"* ]]
  fi
  # A name OpenBLAS does not know leaves its own choice, and version -v says so.
  run env -u SCLDM_TEST_BLAS_CHOSEN OPENBLAS_CORETYPE=NoSuchCore "$SCLDM" version -v
  [ "$status" -eq 0 ]
  [[ "$output" == *" kernels (OPENBLAS_CORETYPE=NoSuchCore not applied)"* ]]
}

# The front-end sets glibc's tunables for the helper it runs (a stand-in
# helper beside a copy of scldm prints what it was given).
@test "the model helper's heap asks for huge pages, unless the user chose otherwise" {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  cp "$SCLDM" "$BATS_TEST_TMPDIR/bin/scldm"
  printf '#!/bin/sh\necho "tunables=$GLIBC_TUNABLES"\n' > "$BATS_TEST_TMPDIR/bin/scldm-model"
  chmod +x "$BATS_TEST_TMPDIR/bin/scldm-model"
  given() { env "$@" "$BATS_TEST_TMPDIR/bin/scldm" encode in.h5ad --vae vae.pt -o out.lat; }
  run given -u GLIBC_TUNABLES -u SCLDM_DEFAULT_MALLOC
  [ "$status" -eq 0 ] && [ "$output" = "tunables=glibc.malloc.hugetlb=1" ]
  run given -u SCLDM_DEFAULT_MALLOC GLIBC_TUNABLES=glibc.malloc.arena_max=2
  [ "$output" = "tunables=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1" ]
  run given -u SCLDM_DEFAULT_MALLOC GLIBC_TUNABLES=glibc.malloc.hugetlb=0
  [ "$output" = "tunables=glibc.malloc.hugetlb=0" ]
  run given -u GLIBC_TUNABLES SCLDM_DEFAULT_MALLOC=1
  [ "$output" = "tunables=" ]
}
