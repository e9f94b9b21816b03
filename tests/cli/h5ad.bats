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
  scldm convert "$FX/strings_nullable.h5ad" -O tsv -o - | head -2 | tail -1 | grep -q "		"  # missing: an empty field
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

# One line naming the file and the object, exit status 1, for $2 (a file in
# $FX) read by `scldm $1`; extra arguments follow the file.
expect_error() {
  local cmd=$1 file=$2 message=$3
  shift 3
  run scldm "$cmd" "$FX/$file" "$@"
  [ "$status" -eq 1 ] || { echo "$file: status $status: $output"; return 1; }
  [ "$output" = "scldm $cmd: $FX/$file: $message" ] || { echo "$file: got: $output"; echo "expected: $message"; return 1; }
}

@test "every obs and var array must hold one value per cell or gene" {
  while IFS='|' read -r file message; do
    expect_error info "$file" "$message"
    expect_error convert "$file" "$message" -o out.h5ad
    assert_no_output out.h5ad
  done <<'EOF2'
len_obs_index.h5ad|obs has 12 cells but X has 40
len_codes.h5ad|obs/cell_type/codes: 12 values for 40 cells
len_old_codes.h5ad|obs/cell_type: 12 values for 40 cells
len_string.h5ad|obs/cell_type: 12 values for 40 cells
len_bool.h5ad|obs/plain_flag: 12 values for 40 cells
len_nullable_values.h5ad|obs/flag/values: 12 values for 40 cells
len_nullable_mask.h5ad|obs/batch/mask: 12 values for 40 cells
len_nullable_string.h5ad|obs/tag/values: 12 values for 40 cells
len_numeric.h5ad|obs/score: 12 values for 40 cells
len_var_index.h5ad|var has 12 genes but X has 30
len_var_column.h5ad|var/symbol: 12 values for 30 genes
len_indptr.h5ad|X/indptr: 20 values for 40 cells (expected 41; length does not match the shape)
len_indices.h5ad|X: data and indices differ in length
EOF2
  # The same encodings at full length read.
  run scldm info --json "$FX/nullable_string.h5ad"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"name": "tag"'* ]]
}

@test "sizes declared beyond what the file holds are errors, not allocations" {
  expect_error info huge_indptr.h5ad \
    "X/indptr: 8589934593 values of 8 bytes cannot be in a file of $(stat -c %s "$FX/huge_indptr.h5ad") bytes (corrupt or truncated file)"
  expect_error info huge_column.h5ad "obs/score: 34359738368 values for 40 cells"
}

@test "duplicate, empty and NUL-holding names are errors naming the file and the name" {
  hint="make names unique, e.g. with anndata's var_names_make_unique(), or"
  expect_error info dup_genes.h5ad \
    "duplicate gene name 'GENE3' (var index, genes 3 and 5); $hint choose a var column with --gene-column"
  expect_error convert dup_symbols.h5ad \
    "duplicate gene name 'SYM2' (var column 'symbol', genes 2 and 29); $hint choose another --gene-column" \
    --gene-column symbol -o out.scs
  assert_no_output out.scs
  scldm convert "$FX/dup_symbols.h5ad" -o ok.scs  # the index is fine
  expect_error info empty_gene.h5ad "gene 4 has an empty name (var index); choose a var column with --gene-column"
  expect_error info nul_gene.h5ad "var/_index: value 4 holds a NUL byte"
  expect_error info nul_category.h5ad "obs/cell_type/categories: value 1 holds a NUL byte"
  expect_error info dup_categories.h5ad "obs/cell_type: duplicate category 'B' (categories 0 and 2)"
  expect_error convert latin1_ids.h5ad "obs/_index: value 17 is not valid UTF-8" -o out.h5ad
  assert_no_output out.h5ad
}

@test "an empty category is a missing label" {
  run scldm info --json "$FX/empty_category.h5ad"
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
labels = {l["name"]: l["categories"] for l in json.load(sys.stdin)["labels"]}
assert labels["cell_type"] == ["NK", "T"], labels'
  scldm convert "$FX/empty_category.h5ad" -O tsv -o e.tsv
  missing=$(awk -F'\t' 'NR > 1 && $2 == ""' e.tsv | wc -l)
  expected=$("$PY" -c "import h5py; print((h5py.File('$FX/empty_category.h5ad')['obs/cell_type/codes'][...] == 0).sum())")
  [ "$expected" -gt 0 ]
  [ "$missing" -eq "$expected" ]
}

@test "stream headers with duplicate genes or categories are refused" {
  scldm convert "$FX/base.h5ad" -o good.scs
  # Rewrite the JSON header (its checksum follows it) with a duplicate.
  for edit in 'h["genes"][5] = h["genes"][3]' 'h["labels"][0]["categories"][2] = h["labels"][0]["categories"][0]' 'h["genes"][4] = ""'; do
    "$PY" - good.scs bad.scs "$edit" <<'PY'
import json, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<I", data[8:12])[0]
h = json.loads(data[12:12 + n])
exec(sys.argv[3])
j = json.dumps(h).encode()
open(sys.argv[2], "wb").write(data[:8] + struct.pack("<I", len(j)) + j + struct.pack("<I", zlib.crc32(j)) + data[16 + n:])
PY
    run scldm info bad.scs
    [ "$status" -eq 1 ]
    [[ "$output" == "scldm info: bad.scs: duplicate gene name 'GENE3' in the stream header (genes 3 and 5)" ||
       "$output" == "scldm info: bad.scs: label 'cell_type': duplicate category 'B' in the stream header" ||
       "$output" == "scldm info: bad.scs: gene 4 has an empty name in the stream header" ]] || { echo "$edit: $output"; false; }
  done
}

@test "an h5ad from a FIFO or a process substitution is read like standard input" {
  scldm convert "$FX/base.h5ad" -O tsv -o file.tsv
  scldm convert <(cat "$FX/base.h5ad") -O tsv -o fifo.tsv
  cmp file.tsv fifo.tsv
  mkdir tmp
  mkfifo pipe
  cat "$FX/base.h5ad" > pipe &
  TMPDIR=$PWD/tmp run scldm info pipe
  [ "$status" -eq 0 ]
  [[ "$output" == "file                pipe"* && "$output" == *"valid               true"* ]]
  [ -z "$(ls tmp)" ]  # the spooled copy is gone
  # Errors name what the user named, never the spooled copy.
  cat "$FX/latin1_ids.h5ad" > pipe &
  TMPDIR=$PWD/tmp run scldm info pipe
  [ "$status" -eq 1 ]
  [ "$output" = "scldm info: pipe: obs/_index: value 17 is not valid UTF-8" ]
  TMPDIR=$PWD/tmp run scldm info - < "$FX/nul_gene.h5ad"
  [ "$output" = "scldm info: -: var/_index: value 4 holds a NUL byte" ]
  [ -z "$(ls tmp)" ]
}

@test "written h5ad keeps one index dtype, so anndata and scipy slice columns" {
  scldm convert "$FX/base.h5ad" -o out.h5ad
  "$PY" - "$FX/base.h5ad" out.h5ad <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import anndata, h5py, numpy as np
with h5py.File(sys.argv[2]) as f:
    types = (f["X/indices"].dtype, f["X/indptr"].dtype)
assert types == (np.int32, np.int32), types
ref = anndata.read_h5ad(sys.argv[1]).X.toarray()
a = anndata.read_h5ad(sys.argv[2])
assert (a[:, ["GENE0", "GENE3"]].X.toarray() == ref[:, [0, 3]]).all()
assert (a.X[:, [0, 3]].toarray() == ref[:, [0, 3]]).all()
PY
}

@test "a full disk fails the h5ad output; no partial file is committed" {
  scldm convert "$FX/base.h5ad" -o whole.h5ad
  size=$(( $(stat -c %s whole.h5ad) / 1024 ))
  failures=0
  # ulimit -f (KiB) stands for a full disk: writes past it fail with EFBIG.
  for limit in 1 $((size / 3)) $((size * 2 / 3)) $((size - 1)); do
    rm -f out.h5ad
    run bash -c "trap '' XFSZ; ulimit -f $limit; exec '$SCLDM' convert '$FX/base.h5ad' -o out.h5ad"
    if [ "$status" -eq 0 ]; then
      "$PY" -c "import anndata; anndata.read_h5ad('out.h5ad')"
    else
      [ "$status" -eq 1 ] || { echo "limit $limit: status $status: $output"; false; }
      [[ "$output" == *"write error"* || "$output" == *"cannot"* ]] || { echo "limit $limit: $output"; false; }
      assert_no_output out.h5ad
      failures=$((failures + 1))
    fi
  done
  [ "$failures" -ge 3 ]
}

@test "the tiny files (the h5ad fuzzer's seeds) read alike in every layout" {
  scldm convert "$FX/tiny_csr.h5ad" -O tsv -o csr.tsv
  for v in tiny_csc tiny_dense tiny_old; do
    scldm convert "$FX/$v.h5ad" -O tsv -o "$v.tsv"
    cmp csr.tsv "$v.tsv" || { echo "$v differs"; false; }
  done
  scldm convert "$FX/tiny_extras.h5ad" --raw --gene-column sym -O tsv -o extras.tsv
  [ "$(head -1 extras.tsv)" = "$(printf 'cell\tct\tflag\ts\tA\tB\tC')" ]
  for f in "$SCLDM_SOURCE_DIR"/fuzz/corpus/h5ad/*.h5ad; do
    run scldm info "$f"
    [ "$status" -eq 0 ] && [[ "$output" == *"valid               true"* ]] || { echo "$f: $output"; false; }
  done
}

@test "a crash inside libhdf5 on a corrupt file is a one-line error with status 1" {
  # Under AddressSanitizer the bad copy inside libhdf5 is reported (and
  # counted) before the crash it would cause: libhdf5's bug, not ours.
  [ -z "${SCLDM_SANITIZED:-}" ] || skip "ASan reports libhdf5's own overread"
  run scldm info "$FX/hdf5_crash.h5ad"
  [ "$status" -eq 1 ]
  [ "$output" = "scldm info: $FX/hdf5_crash.h5ad: corrupt HDF5 file (the HDF5 library crashed reading it)" ]
  run scldm convert "$FX/hdf5_crash.h5ad" -o out.scs
  [ "$status" -eq 1 ]
  [[ "$output" == "scldm convert: $FX/hdf5_crash.h5ad: corrupt HDF5 file"* ]]
  assert_no_output out.scs
  # From standard input: the message names "-", and the spooled copy goes.
  mkdir tmp
  TMPDIR=$PWD/tmp run scldm info - < "$FX/hdf5_crash.h5ad"
  [ "$status" -eq 1 ]
  [ "$output" = "scldm info: -: corrupt HDF5 file (the HDF5 library crashed reading it)" ]
  [ -z "$(ls tmp)" ]
}
