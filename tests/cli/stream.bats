#!/usr/bin/env bats
load helpers

setup_file() { load helpers; make_fixtures; }
setup() { FX="$BATS_FILE_TMPDIR/fx"; cd "$BATS_TEST_TMPDIR"; }

# Checks with anndata that two h5ad files hold the same counts, names and labels.
same_h5ad() {
  "$PY" - "$1" "$2" <<'PY'
import sys
import anndata
import numpy as np
a, b = anndata.read_h5ad(sys.argv[1]), anndata.read_h5ad(sys.argv[2])
assert a.shape == b.shape, (a.shape, b.shape)
assert (a.X != b.X).nnz == 0, "counts differ"
assert list(a.obs_names) == list(b.obs_names), "cell ids differ"
assert list(a.var_names) == list(b.var_names), "genes differ"
for c in a.obs.columns:
    if str(a.obs[c].dtype) == "category":
        assert list(a.obs[c].astype(str)) == list(b.obs[c].astype(str)), c
np.testing.assert_array_equal(b.obs["library_size"].to_numpy(), np.asarray(a.X.sum(1)).ravel())
assert "scldm_version" in b.uns["scldm"] and "command" in b.uns["scldm"]
PY
}

@test "h5ad -> stream -> h5ad through a pipe reproduces everything (anndata)" {
  scldm convert "$FX/base.h5ad" - | scldm convert - -o copy.h5ad
  same_h5ad "$FX/base.h5ad" copy.h5ad
}

@test "the kang dataset survives the round trip (anndata)" {
  need_shared
  scldm convert "$SHARED/data/kang_ctrl_muscat.h5ad" - | scldm convert - copy.h5ad
  same_h5ad "$SHARED/data/kang_ctrl_muscat.h5ad" copy.h5ad
}

@test "info prints the stream header and record count" {
  scldm convert "$FX/base.h5ad" -o base.scs
  run scldm info base.scs
  [ "$status" -eq 0 ]
  [[ "$output" == *"kind                counts"* && "$output" == *"records             40"* ]]
  [[ "$output" == *"cell_type (3: B, NK, T)"* ]]
  run bash -c "'$SCLDM' info - < base.scs"
  [ "$status" -eq 0 ]
}

@test "a stream refuses to go to a terminal" {
  command -v script >/dev/null || skip "no script(1)"
  run script -qec "'$SCLDM' convert '$FX/base.h5ad'" /dev/null
  [[ "$output" == *"refusing to write binary data to a terminal"* ]]
}

@test "a truncated stream is an error naming the byte offset, never short data" {
  scldm convert "$FX/base.h5ad" -o base.scs
  size=$(stat -c %s base.scs)
  for cut in 5 20 $((size / 2)) $((size - 1)); do
    head -c "$cut" base.scs > cut.scs
    run scldm convert cut.scs -o out.h5ad
    [ "$status" -eq 1 ] || { echo "cut at $cut accepted"; false; }
    [[ "$output" == *"cut.scs: "* ]]
    assert_no_output out.h5ad
  done
  head -c $((size - 1)) base.scs > cut.scs
  run scldm info cut.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"at byte"* ]]
}

@test "a corrupted byte anywhere is detected" {
  scldm convert "$FX/base.h5ad" -o base.scs
  size=$(stat -c %s base.scs)
  for pos in 3 10 $((size / 3)) $((size / 2)) $((size - 6)); do
    cp base.scs bad.scs
    printf '\xff' | dd of=bad.scs bs=1 seek="$pos" conv=notrunc status=none
    cmp -s base.scs bad.scs && printf '\x00' | dd of=bad.scs bs=1 seek="$pos" conv=notrunc status=none
    run scldm convert bad.scs -o out.h5ad
    [ "$status" -eq 1 ] || { echo "corruption at $pos accepted"; false; }
    assert_no_output out.h5ad
  done
}

@test "Matrix Market output holds the counts with genes and cells beside it" {
  scldm convert "$FX/base.h5ad" -o m.mtx
  [ -f m.genes.tsv ] && [ -f m.cells.tsv ]
  "$PY" - "$FX/base.h5ad" <<'PY'
import sys
import anndata, scipy.io
a = anndata.read_h5ad(sys.argv[1])
m = scipy.io.mmread("m.mtx").tocsr()
assert (m != a.X).nnz == 0
assert open("m.genes.tsv").read().split() == list(a.var_names)
import pandas as pd
cells = pd.read_csv("m.cells.tsv", sep="\t", dtype=str, keep_default_na=False)
assert list(cells.columns) == ["cell", "cell_type", "condition", "library_size"], cells.columns
assert list(cells.cell) == list(a.obs_names)
assert list(cells.cell_type) == list(a.obs.cell_type.astype(str))
assert [float(x) for x in cells.library_size] == list(map(float, a.X.sum(1).A1))
PY
}

@test "dense TSV has a header of ids, labels and genes" {
  scldm convert "$FX/base.h5ad" -O tsv -o - > t.tsv
  head -1 t.tsv | grep -q "^cell	cell_type	condition	GENE0	"
  [ "$(wc -l < t.tsv)" -eq 41 ]
  [ "$(head -1 t.tsv | awk -F'\t' '{print NF}')" -eq 33 ]
}

@test "h5ad cannot go to standard output" {
  run scldm convert "$FX/base.h5ad" -O h5ad -o -
  [ "$status" -eq 2 ]
  [[ "$output" == *"h5ad cannot be written to standard output"* ]]
}

@test "CSR and dense storage of the same counts give the same records" {
  scldm convert "$FX/base.h5ad" -o a.scs --seed 1
  scldm convert "$FX/dense.h5ad" -o b.scs --seed 1
  # Streams differ only in provenance (command, date): compare the records.
  scldm convert a.scs -O tsv -o a.tsv
  scldm convert b.scs -O tsv -o b.tsv
  cmp a.tsv b.tsv
}

@test "an existing output survives a failed conversion" {
  echo precious > keep.scs
  run scldm convert "$FX/nan.h5ad" -o keep.scs
  [ "$status" -eq 1 ]
  [ "$(cat keep.scs)" = precious ]
}

@test "SIGINT during a conversion leaves no partial file" {
  need_shared
  ( "$SCLDM" convert "$SHARED/data/pbmc_sorted_scminer.h5ad" -O tsv -o big.tsv & pid=$!; sleep 0.15; kill -INT $pid; wait $pid ) || true
  # Either it finished before the signal, or nothing is left behind.
  [ -f big.tsv ] && [ "$(wc -l < big.tsv)" -eq 2801 ] || assert_no_output big.tsv
}
