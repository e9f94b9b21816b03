# Shared set-up of the CLI tests. SCLDM (the binary) and SCLDM_SOURCE_DIR
# come from CTest; run by hand: SCLDM=build/scldm bats tests/cli
: "${SCLDM_SOURCE_DIR:=$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)}"
: "${SCLDM:=$SCLDM_SOURCE_DIR/build/scldm}"
SHARED="$SCLDM_SOURCE_DIR/../shared"
PY=/usr/bin/python3  # the interpreter that sees Debian's python3-anndata

bats_require_minimum_version 1.5.0

scldm() { "$SCLDM" "$@"; }

# Fixture .h5ad variants, made once per test file.
make_fixtures() {
  FX="$BATS_FILE_TMPDIR/fx"
  [ -d "$FX" ] || "$PY" "$SCLDM_SOURCE_DIR/tests/fixtures/make_h5ad_variants.py" "$FX" 2>/dev/null
}

need_shared() {
  [ -d "$SHARED/data" ] || skip "../shared/data is absent (only on the project's machines)"
}

# Asserts that no file or temporary file named like $1 exists.
assert_no_output() {
  local dir base
  dir=$(dirname "$1")
  base=$(basename "$1")
  [ ! -e "$1" ] || { echo "output $1 exists"; return 1; }
  if ls -a "$dir" | grep -q "^\.$base\.tmp-"; then echo "temporary file left for $1"; return 1; fi
}

# The OpenBLAS core types this CPU can run (tests/blas-cores.sh): matrix
# products round differently under each, so reproducibility tests loop over
# them.
blas_cores() { "$SCLDM_SOURCE_DIR/tests/blas-cores.sh"; }

# Whether this CPU has AVX2 and FMA (the kernels the model helper prefers to
# SSE3's): tests/blas-cores.sh lists Haswell exactly then.
has_avx2() { blas_cores | grep -qx Haswell; }
