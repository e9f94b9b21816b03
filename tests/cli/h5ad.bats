#!/usr/bin/env bats
load helpers

setup_file() { load helpers; make_fixtures; }
setup() { FX="$BATS_FILE_TMPDIR/fx"; cd "$BATS_TEST_TMPDIR"; }

@test "info works on every dataset in ../shared/data" {
  need_shared
  for f in "$SHARED"/data/*.h5ad; do
    run scldm info "$f"
    [ "$status" -eq 0 ] || { echo "$f: $output"; false; }
    [[ "$output" == *"valid               true"* ]]
  done
}

@test "info reports the shape, labels and library sizes of kang_ctrl_muscat" {
  need_shared
  run scldm info --json "$SHARED/data/kang_ctrl_muscat.h5ad"
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["cells"] == 9809 and j["genes"] == 1287, j
assert [l["name"] for l in j["labels"]] == ["cell_type", "donor", "condition"]
assert len(j["labels"][0]["categories"]) == 8
assert j["library_size"]["median"] > 500
'
}

@test "every storage variant reads the same counts, ids and labels" {
  scldm convert "$FX/base.h5ad" -O tsv -o base.tsv
  for v in csc dense float64 int32_values int64_indices unsorted old_encoding; do
    scldm convert "$FX/$v.h5ad" -O tsv -o "$v.tsv"
    cmp base.tsv "$v.tsv" || { echo "$v differs"; diff base.tsv "$v.tsv" | head; false; }
  done
  scldm convert "$FX/layer.h5ad" --layer counts -O tsv -o layer.tsv
  cmp base.tsv layer.tsv
  # raw/X keeps its own var: same genes here.
  scldm convert "$FX/raw.h5ad" --raw -O tsv -o raw.tsv
  cmp base.tsv raw.tsv
}

@test "string and nullable obs columns become labels" {
  run scldm info --json "$FX/strings_nullable.h5ad"
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
labels = {l["name"]: l["categories"] for l in j["labels"]}
assert labels["cell_type"] == ["B", "NK", "T"], labels
assert labels["flag"] == ["False", "True"], labels
kinds = {c["name"]: c["kind"] for c in j["obs"]}
assert kinds["cell_type"] == "string" and kinds["batch"] == "nullable-integer", kinds
'
  scldm convert "$FX/strings_nullable.h5ad" -O tsv -o - | head -2 | tail -1 | grep -q "	NA	"
}

@test "non-integer, negative and NaN counts name the file and the first bad cell" {
  run scldm convert "$FX/non_integer.h5ad" -o out.scs
  [ "$status" -eq 1 ]
  [[ "$output" == "scldm convert: $FX/non_integer.h5ad: cell 5 ('cell005'): non-integer count 1.5"* ]]
  assert_no_output out.scs
  run scldm convert "$FX/negative.h5ad" -o out.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"cell 6 ('cell006'): negative count -2"* ]]
  run scldm convert "$FX/nan.h5ad" -o out.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"cell 7 ('cell007'): count is NaN"* ]]
  assert_no_output out.scs
}

@test "--allow-non-integer rounds" {
  scldm convert "$FX/non_integer.h5ad" --allow-non-integer -O tsv -o r.tsv
  awk -F'\t' '$1 == "cell005" { print $6 }' r.tsv | grep -qx 2
}

@test "normalised X points at the counts in raw/X" {
  run scldm info "$FX/raw.h5ad"
  [ "$status" -eq 1 ]
  [[ "$output" == *"try --raw"* ]]
}

@test "empty, truncated and non-HDF5 files are clear errors" {
  run scldm convert "$FX/empty.h5ad" -o out.h5ad
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty.h5ad: empty matrix"* ]]
  run scldm convert "$FX/truncated.h5ad" -o out.h5ad
  [ "$status" -eq 1 ]
  [[ "$output" == *"truncated.h5ad:"* ]]
  echo "hello" > notes.txt
  run scldm info notes.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"notes.txt: unrecognised format"* ]]
  run scldm info missing.h5ad
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing.h5ad: cannot open: No such file"* ]]
  assert_no_output out.h5ad
}

@test "a missing layer lists the layers there are" {
  run scldm info "$FX/layer.h5ad" --layer spliced
  [ "$status" -eq 1 ]
  [[ "$output" == *"no count matrix at 'layers/spliced' (layers: counts)"* ]]
}

@test "all-zero cells are reported and kept by convert" {
  run scldm convert "$FX/base.h5ad" -o out.scs
  [ "$status" -eq 0 ]
  [[ "$output" == *"1 all-zero cells (kept)"* ]]
  run scldm info --json out.scs
  [[ "$output" == *'"records": 40'* ]]
}

@test "--where selects cells; unknown keys and values list the valid ones" {
  scldm convert "$FX/base.h5ad" --where cell_type=B -O tsv -o b.tsv
  n=$(tail -n +2 b.tsv | wc -l)
  expected=$("$PY" -c "import anndata; a = anndata.read_h5ad('$FX/base.h5ad'); print((a.obs.cell_type == 'B').sum())")
  [ "$n" -eq "$expected" ]
  [ -z "$(tail -n +2 b.tsv | cut -f2 | grep -vx B)" ]
  scldm convert "$FX/base.h5ad" --where cell_type=B --where cell_type=T --where condition=ctrl -O tsv -o bt.tsv
  expected=$("$PY" -c "import anndata; o = anndata.read_h5ad('$FX/base.h5ad').obs; print((o.cell_type.isin(['B','T']) & (o.condition == 'ctrl')).sum())")
  [ "$(tail -n +2 bt.tsv | wc -l)" -eq "$expected" ]
  run scldm convert "$FX/base.h5ad" --where tissue=lung -o x.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"no label column 'tissue' (labels: cell_type, condition)"* ]]
  run scldm convert "$FX/base.h5ad" --where cell_type=Q -o x.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"'Q' is not a value of cell_type (values: B, NK, T)"* ]]
  run scldm convert "$FX/base.h5ad" --where cell_type -o x.scs
  [ "$status" -eq 2 ]
  assert_no_output x.scs
}

@test "--gene-column takes gene names from a var column" {
  scldm convert "$FX/base.h5ad" --gene-column symbol -O tsv -o s.tsv
  head -1 s.tsv | grep -q "	SYM0	SYM1	"
}

@test "an h5ad on standard input is read" {
  scldm convert - -O tsv -o a.tsv < "$FX/base.h5ad"
  scldm convert "$FX/base.h5ad" -O tsv -o b.tsv
  cmp a.tsv b.tsv
}
