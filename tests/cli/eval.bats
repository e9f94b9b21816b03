#!/usr/bin/env bats
# eval and classify end to end on the small fixture.
load helpers

setup_file() {
  load helpers
  make_fixtures
  cd "$BATS_FILE_TMPDIR"
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --max-steps 4 -b 16 -o vae.pt -q
  "$SCLDM" encode "$FX/base.h5ad" --vae vae.pt -o train.lat
  "$SCLDM" fit-prior train.lat --condition cell_type --preset tiny --max-steps 4 -o prior.pt -q
  "$SCLDM" sample --prior prior.pt --like "$FX/base.h5ad" --steps 5 | "$SCLDM" decode --vae vae.pt -o gen.h5ad
}
setup() { FX="$BATS_FILE_TMPDIR/fx"; M="$BATS_FILE_TMPDIR"; cd "$BATS_TEST_TMPDIR"; }

@test "eval prints every metric next to the real floor, with sizes, seed, space and estimators" {
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --json --seed 3
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["seed"] == 3 and j["real_cells"] == 40 and j["generated_cells"] == 40, j
assert j["space"]["hvg"] == 30 and j["space"]["components"] == 30, j["space"]
o = j["overall"]
assert o["n_compared"] == 20 and o["n_reference"] == 20, o
names = ["w2", "mmd2", "frechet", "energy", "nn_accuracy", "precision", "recall", "mean_r2", "var_r2"]
assert list(o["metrics"]) == names
for n in names:
    assert set(o["metrics"][n]) == {"generated", "floor"}, n
assert "network simplex" in j["estimators"]["w2"]
'
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad"
  [ "$status" -eq 0 ]
  [[ "$output" == *"real floor"* ]] && [[ "$output" == *"compared: 20 generated and 20 real (half A)"* ]]
}

@test "eval reads its inputs in passes: piped inputs give the files' result" {
  scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --by cell_type --json -o files.json
  scldm convert "$M/gen.h5ad" -o gen.scs
  scldm eval --real - --generated gen.scs --by cell_type --json -o piped.json < "$FX/base.h5ad"
  "$PY" - <<'PY'
import json
a, b = json.load(open("files.json")), json.load(open("piped.json"))
for j in (a, b):
    j.pop("real"), j.pop("generated")
assert a == b, (a, b)
PY
  mkfifo fifo
  cat gen.scs > fifo &
  run scldm eval --real "$FX/base.h5ad" --generated fifo --json
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "eval --by reports classes with too few cells instead of dropping them" {
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --by cell_type --json
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
by = j["by"]
assert by["label"] == "cell_type"
listed = [c["class"] for c in by["classes"]] + [c["class"] for c in by["not_evaluated"]]
assert sorted(listed) == ["B", "NK", "T"], listed
assert all(c["why"] == "too few cells" for c in by["not_evaluated"]), by["not_evaluated"]
'
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --by tissue
  [ "$status" -eq 2 ]
  [[ "$output" == *"--by: no label 'tissue'"* ]]
}

@test "eval --plot writes an SVG with a legend" {
  scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --by cell_type --plot pca.svg -q > /dev/null
  "$PY" -c '
import xml.etree.ElementTree as ET
root = ET.parse("pca.svg").getroot()
texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
assert {"real", "generated", "B", "NK", "T"} <= set(texts), texts
assert len(circles) >= 80, len(circles)
'
}

@test "eval --vae gives reconstruction metrics" {
  run scldm eval --real "$FX/base.h5ad" --vae "$M/vae.pt" --json
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["cells"] == 40 and j["re"] > 0 and 0 <= j["zero_accuracy"] <= 1, j
'
}

@test "classify trains on latents, predicts h5ad cells, and eval uses it for conditional accuracy" {
  run scldm classify --train "$M/train.lat" --label cell_type -o clf.pt --json -q
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["held_out"]["cells"] == 8 and len(j["held_out"]["per_class"]) == 3, j
'
  scldm classify --model clf.pt "$FX/base.h5ad" --vae "$M/vae.pt" -o preds.tsv -q
  "$PY" -c '
import csv
rows = list(csv.reader(open("preds.tsv"), delimiter="\t"))
assert rows[0] == ["cell", "predicted", "B", "NK", "T"], rows[0]
assert len(rows) == 41
for r in rows[1:]:
    assert r[1] in ("B", "NK", "T") and abs(sum(map(float, r[2:])) - 1) < 1e-4, r
'
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --classifier clf.pt --vae "$M/vae.pt" --json
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["conditional_accuracy"]
assert c["label"] == "cell_type" and 0 <= c["generated"] <= 1 and 0 <= c["real"] <= 1, c
# Per class: the cells add up, and the overall figures are the cell-weighted means of the classes.
k = c["classes"]
assert sorted(x["class"] for x in k) == ["B", "NK", "T"], k
for side in ("generated", "real"):
    assert sum(x[side + "_cells"] for x in k) == c[side + "_cells"], (side, k)
    right = sum(x[side] * x[side + "_cells"] for x in k if x[side] is not None)
    assert abs(right / c[side + "_cells"] - c[side]) < 1e-9, (side, k)
'
  run scldm eval --real "$FX/base.h5ad" --generated "$M/gen.h5ad" --classifier clf.pt --vae "$M/vae.pt"
  [ "$status" -eq 0 ]
  [[ "$output" == *"class                     generated       real        cells"* ]]
  for t in B NK T; do grep -qE "^$t +[0-9.]+ +[0-9.]+ +[0-9]+ / [0-9]+$" <<< "$output"; done
  # A class the generated cells lack: NA there (null in JSON), its real cells still counted.
  scldm convert "$M/gen.h5ad" --where cell_type=B -o gen_b.h5ad -q
  run scldm eval --real "$FX/base.h5ad" --generated gen_b.h5ad --classifier clf.pt --vae "$M/vae.pt"
  [ "$status" -eq 0 ]
  grep -qE "^NK +NA +[0-9.]+ +0 / [0-9]+$" <<< "$output"
  run scldm eval --real "$FX/base.h5ad" --generated gen_b.h5ad --classifier clf.pt --vae "$M/vae.pt" --json
  echo "$output" | "$PY" -c '
import json, sys
k = {x["class"]: x for x in json.load(sys.stdin)["conditional_accuracy"]["classes"]}
assert k["NK"]["generated"] is None and k["NK"]["generated_cells"] == 0 and k["NK"]["real_cells"] > 0, k
assert k["B"]["generated_cells"] > 0, k
'
}

@test "eval and classify refuse bad usage and mismatched inputs" {
  run scldm eval --generated "$M/gen.h5ad"
  [ "$status" -eq 2 ]
  [[ "$output" == *"--real FILE is required"* ]]
  run scldm classify --train "$M/train.lat" -o c.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"--label"* ]]
  run scldm classify --train "$M/train.lat" --label tissue -o c.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"no label 'tissue' (labels: cell_type, condition)"* ]]
  assert_no_output c.pt
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 1 --seed 4 -o other.pt -q
  scldm classify --train "$M/train.lat" --label cell_type -o clf.pt -q > /dev/null
  run scldm classify --model clf.pt "$FX/base.h5ad" --vae other.pt -o p.tsv
  [ "$status" -eq 1 ]
  [[ "$output" == *"another VAE"* ]]
  assert_no_output p.tsv
}
