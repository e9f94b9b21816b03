#!/usr/bin/env bats
# Several files with different gene panels in one model (fit-vae A B, encode,
# fit-prior, classify; decode --like): scldm-model(7), SEVERAL GENE PANELS.

load helpers

setup_file() {
  D="$BATS_FILE_TMPDIR"
  # a measures Gene00001-30, b Gene00001-50; both name their cells sim000001...
  scldm simulate -n 60 --genes 30 --seed 1 -o "$D/a.h5ad"
  scldm simulate -n 60 --genes 50 --seed 2 -o "$D/b.h5ad"
  scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --preset tiny --max-steps 4 -q -o "$D/vae.pt"
}

setup() { D="$BATS_FILE_TMPDIR"; }

@test "fit-vae on two files: the union of their genes, what each measured in the checkpoint" {
  run --separate-stderr scldm info --json "$D/vae.pt"
  [ "$status" -eq 0 ]
  "$PY" - "$output" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
assert f["genes"] == 50, f["genes"]
p = {x["file"]: x for x in f["panels"]}
assert p["a"] == {"file": "a", "measured": 30, "shared": 30, "only": 0, "lacks": 20}, p["a"]
assert p["b"] == {"file": "b", "measured": 50, "shared": 30, "only": 20, "lacks": 0}, p["b"]
PY
}

@test "the run says what each file measured and that recurring ids were made unique" {
  run --separate-stderr scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --preset tiny --max-steps 1 -o "$D/v1.pt"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"a: measures 30 of the 50 genes"*"not as zeros"* ]]
  [[ "$stderr" == *"cell ids recur in the input files"* ]]
}

@test "@LIST names the same inputs: the same model" {
  printf '%s\n' "$D/a.h5ad" "$D/b.h5ad" > "$D/list.txt"
  scldm fit-vae @"$D/list.txt" --preset tiny --max-steps 4 -q -o "$D/vae-list.pt"
  [ "$(scldm info "$D/vae-list.pt" | grep '^fingerprint')" = "$(scldm info "$D/vae.pt" | grep '^fingerprint')" ]
}

@test "encode of two files: one stream, each cell labelled with its file, ids made unique" {
  scldm encode "$D/a.h5ad" "$D/b.h5ad" --vae "$D/vae.pt" -q -o "$D/both.lat"
  run scldm info "$D/both.lat"
  [[ "$output" == *"dataset (2: a, b)"* ]]
  [[ "$output" == *"records             120"* ]]
  scldm encode "$D/a.h5ad" "$D/b.h5ad" --vae "$D/vae.pt" --source-label study -q -o "$D/study.lat"
  [[ "$(scldm info "$D/study.lat")" == *"study (2: a, b)"* ]]
}

@test "a file with only some of the VAE's genes is encoded with a report, not as zeros" {
  run --separate-stderr scldm encode "$D/a.h5ad" --vae "$D/vae.pt" -o "$D/a.lat"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"measures 30 of the 50 genes"* ]]
}

@test "decode --like writes the panel of a file; --genes and --like together are a usage error" {
  scldm encode "$D/a.h5ad" --vae "$D/vae.pt" -q -o "$D/a.lat"
  scldm decode "$D/a.lat" --vae "$D/vae.pt" --like "$D/a.h5ad" -o "$D/a-dec.h5ad"
  [[ "$(scldm info "$D/a-dec.h5ad")" == *"genes               30"* ]]
  run scldm decode "$D/a.lat" --vae "$D/vae.pt" --like "$D/a.h5ad" --genes Gene00001 -o "$D/x.h5ad"
  [ "$status" -eq 2 ]
  assert_no_output "$D/x.h5ad"
}

@test "decode over a panel: the library size spreads over the panel's genes" {
  scldm encode "$D/a.h5ad" --vae "$D/vae.pt" -q -o "$D/a.lat"
  scldm decode "$D/a.lat" --vae "$D/vae.pt" --like "$D/a.h5ad" --mean -o "$D/a-mean.h5ad"
  "$PY" - "$D/a-mean.h5ad" <<'PY'
import sys, anndata, numpy as np
a = anndata.read_h5ad(sys.argv[1])
total = np.asarray(a.X.sum(1)).ravel()
assert np.allclose(total, a.obs["library_size"].to_numpy(), rtol=1e-4), (total[:3], a.obs["library_size"][:3])
PY
}

@test "fit-prior and classify take several files" {
  scldm fit-prior "$D/a.h5ad" "$D/b.h5ad" --vae "$D/vae.pt" --condition dataset --preset tiny --max-steps 2 -q -o "$D/prior.pt"
  [[ "$(scldm info "$D/prior.pt")" == *"dataset"* ]]
  scldm classify --train "$D/a.h5ad" --train "$D/b.h5ad" --label dataset --vae "$D/vae.pt" -q -o "$D/clf.pt" >/dev/null
  scldm classify --model "$D/clf.pt" "$D/a.h5ad" "$D/b.h5ad" --vae "$D/vae.pt" -q -o "$D/pred.tsv"
  [ "$(wc -l < "$D/pred.tsv")" -eq 121 ]
}

@test "bad inputs: a file twice, a source label the files have, genes in common with none, -o h5ad of two" {
  run scldm fit-vae "$D/a.h5ad" "$D/a.h5ad" --preset tiny --max-steps 1 -o "$D/bad.pt"
  [ "$status" -eq 2 ]
  [[ "$output" == *"given twice"* ]]
  run scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --source-label cell_type --preset tiny --max-steps 1 -o "$D/bad.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"a.h5ad: has a label column 'cell_type'"* ]]
  printf 'Gene00040\nGene00041\n' > "$D/genes.txt"
  run scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --genes "$D/genes.txt" --preset tiny --max-steps 1 -o "$D/bad.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"a.h5ad: none of its genes"* ]]
  assert_no_output "$D/bad.pt"
  run scldm encode "$D/a.h5ad" "$D/b.h5ad" --vae "$D/vae.pt" -o "$D/bad.h5ad"
  [ "$status" -eq 2 ]
  assert_no_output "$D/bad.h5ad"
  run scldm encode "$D/a.h5ad" "$D/../$(basename "$D")/a.h5ad" --vae "$D/vae.pt" -o "$D/bad.lat"
  [ "$status" -eq 2 ]
  [[ "$output" == *"given twice"* ]]
  run scldm encode "$D/a.h5ad" "$D/b.h5ad" --source-label "" --vae "$D/vae.pt" -o "$D/bad.lat"
  [ "$status" -eq 2 ]
  assert_no_output "$D/bad.lat"
}

@test "@LIST: blank lines and surrounding blanks are ignored; counts streams as inputs" {
  printf '  %s \n\n \t\n%s\n' "$D/a.h5ad" "$D/b.h5ad" > "$D/blanks.txt"
  scldm encode @"$D/blanks.txt" --vae "$D/vae.pt" -q -o "$D/blanks.lat"
  run scldm info "$D/blanks.lat"
  [[ "$output" == *"records             120"* ]]
  [[ "$output" == *"dataset (2: a, b)"* ]]
  scldm convert "$D/a.h5ad" -o "$D/a.scs"
  scldm convert "$D/b.h5ad" -o "$D/b.scs"
  scldm fit-prior "$D/a.scs" "$D/b.scs" --vae "$D/vae.pt" --preset tiny --max-steps 2 -q -o "$D/prior-scs.pt"
  [[ "$(scldm info "$D/prior-scs.pt")" == *"valid               true"* ]]
}

@test "--encoder-genes shared: the encoder reads the genes every file measured, recorded in the checkpoint and kept on resume" {
  scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --encoder-genes shared --preset tiny --max-steps 4 --checkpoint-every 2 -q -o "$D/shared.pt"
  run scldm info --json "$D/shared.pt"
  [[ "$output" == *'"encoder_genes": 30'* ]]
  scldm encode "$D/b.h5ad" --vae "$D/shared.pt" -q -o "$D/shared.lat"
  run scldm fit-vae "$D/a.h5ad" "$D/b.h5ad" --encoder-genes all --preset tiny --max-steps 6 --resume "$D/shared.last.pt" -o "$D/shared2.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"other genes than this run's (--encoder-genes)"* ]]
  assert_no_output "$D/shared2.pt"
}
