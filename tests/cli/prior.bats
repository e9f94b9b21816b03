#!/usr/bin/env bats
# The prior commands end to end: fit-prior, sample and the sample | decode
# pipe, on a small fixture with tiny models and few steps.
load helpers

setup_file() {
  load helpers
  make_fixtures
  cd "$BATS_FILE_TMPDIR"
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --max-steps 4 -b 16 -o vae.pt -q
  "$SCLDM" encode "$FX/base.h5ad" --vae vae.pt -o train.lat
  "$SCLDM" fit-prior train.lat --condition cell_type --condition condition --preset tiny --max-steps 6 -b 16 -o prior.pt -q
  # Only B cells in ctrl: every other combination is unseen.
  "$SCLDM" encode "$FX/base.h5ad" --vae vae.pt --where cell_type=B --where condition=ctrl -o b_ctrl.lat
  "$SCLDM" fit-prior b_ctrl.lat --condition cell_type --condition condition --preset tiny --max-steps 2 -o b_ctrl.pt -q
}
setup() { FX="$BATS_FILE_TMPDIR/fx"; M="$BATS_FILE_TMPDIR"; cd "$BATS_TEST_TMPDIR"; }

@test "sample | decode works with no flags where vae.pt and prior.pt are" {
  cp "$M/vae.pt" "$M/prior.pt" .
  scldm sample --cfg 2.0 | scldm decode -o gen.h5ad
  "$PY" -c '
import anndata, numpy as np
a = anndata.read_h5ad("gen.h5ad")
assert a.n_obs == 1000 and a.n_vars == 30, a
x = a.X.toarray() if hasattr(a.X, "toarray") else a.X
assert (x >= 0).all() and (x == np.round(x)).all() and x.sum() > 0
assert list(a.obs.columns[:2]) == ["cell_type", "condition"], a.obs.columns
'
}

@test "fit-prior records the attributes, guidance and VAE; info shows them" {
  run scldm info --json "$M/prior.pt"
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["kind"] == "prior", j
assert [a["name"] for a in j["attributes"]] == ["cell_type", "condition"]
assert j["attributes"][0]["categories"] == ["B", "NK", "T"], j["attributes"]
assert j["guidance"] == {"cfg_dropout": 0.2, "ema_decay": 0.9999, "strategy": "joint"}, j["guidance"]
assert j["vae"]["path"].endswith("/vae.pt") and len(j["vae"]["fingerprint"]) == 16
'
}

@test "sample writes the requested labels and library sizes into the stream" {
  scldm sample --prior "$M/prior.pt" -n 20 --condition cell_type=T -o t.lat
  scldm convert t.lat -O tsv -o t.tsv
  [ "$(tail -n +2 t.tsv | cut -f2 | sort -u)" = "T" ]
  [ "$(tail -n +2 t.tsv | wc -l)" -eq 20 ]
  run scldm info --json t.lat
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["records"] == 20 and j["shape"] == [4, 8], j
assert j["provenance"]["vae_fingerprint"] and j["provenance"]["prior_fingerprint"], j["provenance"]
'
}

@test "the same seed gives the same bytes for any batch size, thread count and solver, under every BLAS kernel" {
  # The header records the command line; the records must be identical.
  records() { scldm convert "$1" -O tsv -o - | md5sum; }
  scldm fit-prior "$M/train.lat" --condition cell_type --preset tiny --width 64 --max-steps 2 -b 16 -o wide.pt -q
  for core in ${SCLDM_TEST_BLAS_CORES:-$(blas_cores)}; do
    export OPENBLAS_CORETYPE=$core
    for solver in heun dopri5; do
      scldm sample --prior wide.pt -n 37 --condition cell_type=NK --cfg 2 --solver $solver --steps 10 -b 256 -@ 1 -o a.lat
      scldm sample --prior wide.pt -n 37 --condition cell_type=NK --cfg 2 --solver $solver --steps 10 -b 3 -@ 2 -o b.lat
      scldm sample --prior wide.pt -n 37 --condition cell_type=NK --cfg 2 --solver $solver --steps 10 -b 20 -@ 2 -o c.lat
      [ "$(records a.lat)" = "$(records b.lat)" ] && [ "$(records a.lat)" = "$(records c.lat)" ] ||
        { echo "$solver differs under $core"; return 1; }
    done
  done
  scldm sample --prior wide.pt -n 37 --condition cell_type=NK --cfg 2 --solver dopri5 --steps 10 --seed 1 -o d.lat
  [ "$(records a.lat)" != "$(records d.lat)" ]
}

@test "--like takes every cell's labels from a real h5ad" {
  scldm sample --prior "$M/prior.pt" --like "$FX/base.h5ad" --steps 5 | scldm decode --vae "$M/vae.pt" -o like.h5ad
  "$PY" -c '
import anndata
real, gen = anndata.read_h5ad("'"$FX"'/base.h5ad"), anndata.read_h5ad("like.h5ad")
assert gen.n_obs == real.n_obs
for k in ["cell_type", "condition"]:
    assert list(gen.obs[k].astype(str)) == list(real.obs[k].astype(str)), k
'
}

@test "--conditions reads per-cell labels from a TSV" {
  printf 'condition\tcell_type\nstim\tB\nctrl\tNA\n\tT\n' > c.tsv
  scldm sample --prior "$M/prior.pt" --conditions c.tsv --steps 5 -o c.lat
  scldm convert c.lat -O tsv -o c.out.tsv
  [ "$(tail -n +2 c.out.tsv | cut -f2,3 | tr '\t' , | paste -sd' ')" = "B,stim ,ctrl T," ]  # missing: empty
}

@test "unknown attributes and values are usage errors listing the valid ones" {
  run scldm sample --prior "$M/prior.pt" -n 5 --condition tissue=lung -o x.lat
  [ "$status" -eq 2 ]
  [[ "$output" == *"no attribute 'tissue' (attributes: cell_type, condition)"* ]]
  run scldm sample --prior "$M/prior.pt" -n 5 --condition cell_type=Mono -o x.lat
  [ "$status" -eq 2 ]
  [[ "$output" == *"'Mono' is not a cell_type the prior knows (B, NK, T)"* ]]
  run scldm sample --prior "$M/prior.pt" -n 5 --cfg cell_type=2 --cfg condition=1 -o x.lat
  [ "$status" -eq 2 ]
  [[ "$output" == *"additive"* ]]
  assert_no_output x.lat
}

@test "an unseen label combination is generated, with a note on the library-size fall-back" {
  run scldm sample --prior "$M/b_ctrl.pt" -n 5 --condition cell_type=B --condition condition=stim -o x.lat
  [ "$status" -eq 0 ]
  [[ "$output" == *"cell_type=B, condition=stim was not seen in training: library sizes from cell_type=B"* ]]
  [ -s x.lat ]
}

@test "guidance defaults to 1.5, and to 1 for a prior trained without label dropout" {
  means() {  # PRIOR OUT [sample options]: the NB means of 6 generated B cells
    local prior=$1 out=$2
    shift 2
    scldm sample --prior "$prior" -n 6 --condition cell_type=B --steps 4 "$@" | scldm decode --vae "$M/vae.pt" --mean -o "$out"
  }
  means "$M/prior.pt" default.tsv
  means "$M/prior.pt" w15.tsv --cfg 1.5
  means "$M/prior.pt" w1.tsv --cfg 1
  cmp default.tsv w15.tsv
  ! cmp -s default.tsv w1.tsv
  scldm fit-prior "$M/train.lat" --condition cell_type --preset tiny --max-steps 2 --cfg-dropout 0 -o p0.pt -q
  means p0.pt default0.tsv
  means p0.pt w1_0.tsv --cfg 1
  means p0.pt w15_0.tsv --cfg 1.5
  cmp default0.tsv w1_0.tsv
  ! cmp -s default0.tsv w15_0.tsv
}

@test "per-attribute weights with additive guidance" {
  scldm sample --prior "$M/prior.pt" -n 5 --strategy additive --cfg cell_type=2 --cfg condition=0.5 \
    --condition cell_type=B --condition condition=stim --steps 5 -o x.lat
  [ -s x.lat ]
}

@test "fit-prior --resume keeps its run's learning rate unless --lr, and continues to the same prior as one run" {
  lr() { scldm info --json "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["training"]["lr"])'; }
  scldm fit-prior "$M/train.lat" --condition cell_type --preset tiny --max-steps 2 -b 16 --lr 5e-4 -o own.pt -q
  [ "$(lr own.pt)" = 0.0005 ]
  SCLDM_STOP_AFTER=1 scldm fit-prior "$M/train.lat" --condition cell_type --preset tiny --max-steps 2 -b 16 --lr 5e-4 -o cut.pt -q || true
  scldm fit-prior "$M/train.lat" --preset tiny --max-steps 2 -b 16 --resume cut.last.pt -o cut.pt -q
  [ "$(lr cut.pt)" = 0.0005 ]
  [ "$(scldm info own.pt | grep '^fingerprint')" = "$(scldm info cut.pt | grep '^fingerprint')" ]
  # A given --lr still overrides the run's.
  scldm fit-prior "$M/train.lat" --preset tiny --max-steps 2 -b 16 --lr 2e-4 --resume cut.last.pt -o other.pt -q
  [ "$(lr other.pt)" = 0.0002 ]
  # Without --lr a fresh run takes its preset's: the reference's at base, 4e-3 below.
  scldm fit-prior "$M/train.lat" --preset tiny --max-steps 1 -b 16 -o tiny.pt -q
  [ "$(lr tiny.pt)" = 0.004 ]
  scldm fit-prior "$M/train.lat" --preset base --max-steps 1 -b 16 -o base.pt -q
  [ "$(lr base.pt)" = 0.001 ]
}

@test "fit-prior refuses counts, unknown conditions and a missing prior, writing nothing" {
  scldm convert "$FX/base.h5ad" -o counts.scs
  run scldm fit-prior counts.scs --condition cell_type -o p.pt
  [ "$status" -eq 1 ]
  [[ "$output" == *"counts.scs: is a counts stream; fit-prior needs latents"* ]]
  run scldm fit-prior "$M/train.lat" --condition tissue -o p.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"has no label 'tissue' (labels: cell_type, condition)"* ]]
  assert_no_output p.pt
  run env -u SCLDM_PRIOR "$SCLDM" sample -n 3 -o x.lat
  [ "$status" -eq 2 ]
  [[ "$output" == *"no prior"* ]]
}

@test "fit-prior encodes an h5ad input once with --vae" {
  scldm fit-prior "$FX/base.h5ad" --vae "$M/vae.pt" --condition cell_type --preset tiny --max-steps 2 -o h.pt -q
  run scldm info --json h.pt
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["training"]["cells"] == 40 and [a["name"] for a in j["attributes"]] == ["cell_type"], j
'
}

@test "fit-prior --preset auto (the default) sizes the prior for the cells and says so" {
  run --separate-stderr scldm fit-prior "$M/train.lat" --condition cell_type --max-steps 2 -o auto.pt
  [ "$status" -eq 0 ]
  # 40 cells: the reference's DiT trains 100 epochs within the CPU budget.
  [[ "$stderr" == *"--preset auto: base for 40 cells on the CPU"*"(the length from --max-steps)"* ]]
  scldm info --json auto.pt | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["config"]["width"] == 256 and j["config"]["blocks"] == 8, j["config"]
a = j["training"]["auto"]
assert a["preset"] == "base" and a["length"] == {"from": "--max-steps", "epochs": 100, "max_steps": 2}, a
'
}
