#!/usr/bin/env bats
# The VAE commands end to end on a small fixture: tiny models, few steps.
load helpers

setup_file() {
  load helpers
  make_fixtures
  cd "$BATS_FILE_TMPDIR"
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --max-steps 6 -b 16 -o vae.pt -q
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --seed 9 -o other.pt -q
}
setup() { FX="$BATS_FILE_TMPDIR/fx"; M="$BATS_FILE_TMPDIR"; cd "$BATS_TEST_TMPDIR"; }

@test "fit-vae writes the best and last checkpoints, which info describes" {
  [ -f "$M/vae.pt" ] && [ -f "$M/vae.last.pt" ]
  run scldm info --json "$M/vae.pt"
  [ "$status" -eq 0 ]
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["kind"] == "vae" and j["genes"] == 30 and j["config"]["tokens"] == 4, j
assert len(j["fingerprint"]) == 16 and j["valid"]
assert j["training"]["cells"] == 39, j["training"]  # the all-zero cell is skipped
'
}

@test "encode writes every cell's latent, labels and library size" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  run scldm info --json x.lat
  echo "$output" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["kind"] == "latent" and j["shape"] == [4, 8] and j["records"] == 40, j
assert [l["name"] for l in j["labels"]] == ["cell_type", "condition"]
assert j["provenance"]["vae_fingerprint"]
'
  scldm convert x.lat -O tsv -o x.tsv
  [ "$(head -1 x.tsv | awk -F'\t' '{print NF}')" -eq $((3 + 1 + 32)) ]
}

@test "model outputs record the device and the BLAS kernels that made them" {
  scldm version -v | grep -q '^BLAS: OpenBLAS, [A-Za-z]*[a-z]' || skip "not OpenBLAS with its run-time kernels"
  read -r -d '' first second < <(blas_cores | head -2) || true
  [ -n "$second" ] || skip "fewer than two OpenBLAS core types on this CPU"
  OPENBLAS_CORETYPE=$first scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 1 -o v.pt -q
  OPENBLAS_CORETYPE=$second scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  for file in v.pt:$first x.lat:$second; do
    scldm info --json "${file%%:*}" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)["provenance"]
assert p["blas_kernels"] == "OpenBLAS " + sys.argv[1] and p["device"] == "cpu", p
' "${file#*:}"
  done
  # Commands without a model load no BLAS and claim none.
  scldm convert x.lat -o y.lat
  scldm info --json y.lat | "$PY" -c 'import json, sys; assert "blas_kernels" not in json.load(sys.stdin)["provenance"]'
}

@test "encode -o x.h5ad adds obsm/X_scldm for scanpy users (anndata)" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.h5ad
  "$PY" - "$FX/base.h5ad" <<'PY'
import sys
import anndata
a, b = anndata.read_h5ad(sys.argv[1]), anndata.read_h5ad("x.h5ad")
assert b.obsm["X_scldm"].shape == (40, 32)
assert (a.X != b.X).nnz == 0 and list(a.obs_names) == list(b.obs_names)
PY
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o y.lat
  scldm convert y.lat -O tsv -o y.tsv
  "$PY" -c '
import anndata, numpy as np
z = anndata.read_h5ad("x.h5ad").obsm["X_scldm"]
t = np.loadtxt("y.tsv", delimiter="\t", skiprows=1, usecols=range(4, 36))
assert np.array_equal(z, t.astype(np.float32)), abs(z - t).max()
'
}

@test "encode | decode reconstructs counts that anndata reads" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" | scldm decode --vae "$M/vae.pt" -o recon.h5ad
  "$PY" - "$FX/base.h5ad" <<'PY'
import sys
import anndata, numpy as np
a, r = anndata.read_h5ad(sys.argv[1]), anndata.read_h5ad("recon.h5ad")
assert r.shape == a.shape and list(r.var_names) == list(a.var_names)
assert list(r.obs.cell_type.astype(str)) == list(a.obs.cell_type.astype(str))
x = r.X.toarray()
assert (x >= 0).all() and (x == np.round(x)).all()
assert "vae_fingerprint" in r.uns["scldm"]
PY
}

@test "decode finds the VAE the stream names, and refuses another one" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  run bash -c "'$SCLDM' decode x.lat > a.scs"
  [ "$status" -eq 0 ]
  run scldm decode x.lat --vae "$M/other.pt" -o b.scs
  [ "$status" -eq 1 ]
  [[ "$output" == *"x.lat: the latents come from another VAE"*"--force"* ]]
  assert_no_output b.scs
  run scldm decode x.lat --vae "$M/other.pt" --force -o b.scs
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning"* ]]
}

@test "decoding is reproducible and independent of the batch size" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  scldm decode x.lat --vae "$M/vae.pt" --seed 5 -b 7 -o a.tsv
  scldm decode x.lat --vae "$M/vae.pt" --seed 5 -b 64 -o b.tsv
  cmp a.tsv b.tsv
  scldm decode x.lat --vae "$M/vae.pt" --seed 6 -b 64 -o c.tsv
  ! cmp -s a.tsv c.tsv
}

# How many times a command loads LibTorch (ld.so's own account of it).
# Prints nothing when the command fails.
libtorch_loads() {
  LD_DEBUG=files "$@" > /dev/null 2> "$BATS_TEST_TMPDIR/ld-debug.log" || return 1
  grep -c 'file=libtorch_cpu\.so.*needed by' "$BATS_TEST_TMPDIR/ld-debug.log" || true
}

@test "where OpenBLAS's kernels are to be replaced, scldm chooses them before LibTorch loads; the helper run alone restarts: stdin, output and exit status intact" {
  has_avx2 || skip "no AVX2: nothing better to run"
  scldm version -v | grep -q '^BLAS: OpenBLAS, [A-Za-z]' || skip "not OpenBLAS with its run-time kernels"
  helper="$(dirname "$SCLDM")/scldm-model"
  # SCLDM_TEST_BLAS_CHOSEN stands in for OpenBLAS's choice on a CPU it knows.
  export SCLDM_TEST_BLAS_CHOSEN=Prescott
  run env -u OPENBLAS_CORETYPE "$SCLDM" version -v
  [ "$status" -eq 0 ]
  replacement=$(sed -n 's/^BLAS: OpenBLAS, \([A-Za-z]*\) kernels (OpenBLAS chose Prescott for this CPU; scldm replaced them)$/\1/p' <<< "$output")
  [[ "$replacement" == SkylakeX || "$replacement" == Haswell ]] || { echo "$output"; false; }
  [ "$(libtorch_loads env -u OPENBLAS_CORETYPE "$SCLDM" encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat)" -eq 1 ]
  [ "$(libtorch_loads env -u OPENBLAS_CORETYPE "$helper" encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat)" -eq 2 ]
  env -u OPENBLAS_CORETYPE "$SCLDM" encode - --vae "$M/vae.pt" -o chosen.lat < "$FX/base.h5ad"
  env -u OPENBLAS_CORETYPE "$helper" encode - --vae "$M/vae.pt" -o restarted.lat < "$FX/base.h5ad"
  unset SCLDM_TEST_BLAS_CHOSEN
  OPENBLAS_CORETYPE=$replacement scldm encode - --vae "$M/vae.pt" -o direct.lat < "$FX/base.h5ad"
  cmp <(scldm convert chosen.lat -O tsv -o -) <(scldm convert direct.lat -O tsv -o -)
  cmp <(scldm convert restarted.lat -O tsv -o -) <(scldm convert direct.lat -O tsv -o -)
  SCLDM_TEST_BLAS_CHOSEN=Prescott run env -u OPENBLAS_CORETYPE "$helper" encode missing.h5ad --vae "$M/vae.pt" -o y.lat
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing.h5ad"* ]]
  assert_no_output y.lat
}

@test "encode and decode give the same bytes for any batch size and thread count, under every BLAS kernel" {
  # A VAE wide enough (E 32) for the kernels' rounding to depend on the call's shape.
  scldm fit-vae "$FX/base.h5ad" --preset tiny --embed-dim 32 --max-steps 1 -b 16 -o wide.pt -q
  for core in ${SCLDM_TEST_BLAS_CORES:-$(blas_cores)}; do
    export OPENBLAS_CORETYPE=$core
    for args in "-b 1 -@ 1" "-b 64 -@ 2" "-b 7 -@ 2" "-b 33 -@ 1"; do
      scldm encode "$FX/base.h5ad" --vae wide.pt $args -o - | scldm convert - -O tsv -o - | md5sum
    done | uniq | wc -l | grep -qx 1 || { echo "encode differs under $core"; return 1; }
    scldm encode "$FX/base.h5ad" --vae wide.pt -o x.lat
    for args in "-b 1 -@ 1" "-b 64 -@ 2" "-b 5 -@ 2"; do
      scldm decode x.lat --vae wide.pt $args -o - | scldm convert - -O tsv -o - | md5sum
      scldm decode x.lat --vae wide.pt --mean $args -o m.tsv && md5sum < m.tsv
    done | sort | uniq | wc -l | grep -qx 2 || { echo "decode differs under $core"; return 1; }
  done
}

@test "decode --mean writes the NB means, which sum to each library size" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  scldm decode x.lat --vae "$M/vae.pt" --mean -o m.h5ad
  "$PY" - "$FX/base.h5ad" <<'PY'
import sys
import anndata, numpy as np
a, m = anndata.read_h5ad(sys.argv[1]), anndata.read_h5ad("m.h5ad")
x, lib = m.X.toarray(), np.asarray(a.X.sum(1)).ravel()
assert (x[lib > 0] > 0).all() and (x != np.round(x)).any()  # every gene, real values
np.testing.assert_allclose(x.sum(1), lib, rtol=1e-3)
PY
  run scldm decode x.lat --vae "$M/vae.pt" --mean -o m.scs
  [ "$status" -eq 2 ]
  [[ "$output" == *"means are not counts"* ]]
  assert_no_output m.scs
}

@test "decode --genes writes only those genes" {
  scldm encode "$FX/base.h5ad" --vae "$M/vae.pt" -o x.lat
  scldm decode x.lat --vae "$M/vae.pt" --genes GENE3,GENE0 -o g.tsv
  head -1 g.tsv | grep -qx "cell	cell_type	condition	GENE3	GENE0"
  run scldm decode x.lat --vae "$M/vae.pt" --genes NOPE -o g.tsv
  [ "$status" -eq 1 ]
}

@test "fit-vae on bad counts fails cleanly and writes nothing" {
  run scldm fit-vae "$FX/nan.h5ad" --preset tiny --max-steps 1 -o bad.pt
  [ "$status" -eq 1 ]
  [[ "$output" == *"nan.h5ad: cell 7 ('cell007'): count is NaN"* ]]
  assert_no_output bad.pt
  run scldm fit-vae "$FX/base.h5ad" -o -
  [ "$status" -eq 2 ]
  run scldm fit-vae "$FX/base.h5ad" --heads 5 -o x.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"--heads must divide"* ]]
}

@test "encode refuses a VAE with none of the data's genes, and a non-VAE file" {
  "$PY" - "$FX/base.h5ad" <<'PY'
import sys
import anndata
a = anndata.read_h5ad(sys.argv[1])
a.var_names = [f"OTHER{i}" for i in range(a.n_vars)]
a.write_h5ad("other_genes.h5ad")
PY
  run scldm encode other_genes.h5ad --vae "$M/vae.pt" -o x.lat
  [ "$status" -eq 1 ]
  [[ "$output" == *"other_genes.h5ad: none of its 30 genes is in the model's vocabulary"* ]]
  run scldm encode "$FX/base.h5ad" --vae "$FX/base.h5ad" -o x.lat
  [ "$status" -eq 1 ]
  [[ "$output" == *"not a scldm checkpoint"* ]]
}

@test "fit-vae --resume continues to the same model as one run" {
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 6 -b 16 -o full.pt -q
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 6 -b 16 -o part.pt -q --resume "$M/vae.last.pt"
  # vae.last.pt already reached step 6: resuming it changes nothing.
  a=$(scldm info --json full.last.pt | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
  b=$(scldm info --json "$M/vae.last.pt" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
  [ "$a" = "$b" ]
}

@test "fit-vae --input add --input-norm cp10k: recorded, kept on resume, encodes; cp10k on the count-blind scale layer is a usage error" {
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --input-norm cp10k -o bad.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"--input-norm cp10k needs --input add or concat"* ]]
  [ ! -e bad.pt ]
  layer() { scldm info --json "$1" | "$PY" -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c["input"], c["input_norm"])'; }
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --input add --input-norm cp10k -o add.pt -q
  [ "$(layer add.pt)" = "add cp10k" ]
  [ "$(layer "$M/vae.pt")" = "scale none" ]
  SCLDM_STOP_AFTER=1 scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --input add --input-norm cp10k -o cut.pt -q || true
  scldm fit-vae "$FX/base.h5ad" --max-steps 2 -b 16 --resume cut.last.pt -o cut.pt -q  # sizes from the checkpoint
  [ "$(scldm info add.pt | grep '^fingerprint')" = "$(scldm info cut.pt | grep '^fingerprint')" ]
  scldm encode "$FX/base.h5ad" --vae add.pt -o add.lat -q
  [ -s add.lat ]
}

@test "fit-vae's learning rate is the preset's (base 1e-3, small and tiny 2e-3) unless --lr, and a resumed run keeps its own" {
  lr() { scldm info --json "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["training"]["lr"])'; }
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 -o tiny.pt -q
  [ "$(lr tiny.pt)" = 0.002 ]
  scldm fit-vae "$FX/base.h5ad" --preset base --max-steps 1 -b 16 -o base.pt -q
  [ "$(lr base.pt)" = 0.001 ]
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --lr 5e-4 -o own.pt -q
  [ "$(lr own.pt)" = 0.0005 ]
  # Resumed without --lr: the run's 5e-4, not the preset's; the same model as one run.
  SCLDM_STOP_AFTER=1 scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --lr 5e-4 -o cut.pt -q || true
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 --resume cut.last.pt -o cut.pt -q
  [ "$(lr cut.pt)" = 0.0005 ]
  [ "$(scldm info own.pt | grep '^fingerprint')" = "$(scldm info cut.pt | grep '^fingerprint')" ]
  scldm fit-vae --help | grep -q -- '--lr FLOAT .*\[preset\]'
}

@test "fit-vae --time plans the steps, says how many, and --max-steps with that number repeats the run" {
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" --preset tiny -b 16 --time 2s -o timed.pt
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"--time: "*" s per step"*"repeats this run"* ]]
  n=$(sed -n 's/.*--max-steps \([0-9]*\) repeats this run.*/\1/p' <<< "$stderr")
  [ "$n" -gt 0 ]
  [[ "$(scldm info timed.pt)" == *"total_steps         $n"* ]]
  scldm fit-vae "$FX/base.h5ad" --preset tiny -b 16 --max-steps "$n" -q -o fixed.pt
  [ "$(scldm info timed.pt | grep '^fingerprint')" = "$(scldm info fixed.pt | grep '^fingerprint')" ]
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --time 5x -o bad.pt
  [ "$status" -eq 2 ]
  [[ "$output" == *"not a duration"* ]]
  run scldm fit-prior "$M/vae.pt" --time 1m --max-steps 3 -o bad.pt
  [ "$status" -eq 2 ]
  assert_no_output bad.pt
}

@test "--preset auto (the default) says what it chose, keeps it in the checkpoint, and a resumed run keeps it" {
  # 39 cells x 30 genes: the reference size, 100 epochs (one step each at -b 64).
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" -b 64 -@ 1 -o auto.pt
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"--preset auto: base, 100 epochs for 39 cells x 30 genes on the CPU"* ]]
  scldm info --json auto.last.pt | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["config"]["embed"] == 32 and j["config"]["blocks"] == 8, j["config"]  # base
assert j["training"]["auto"]["preset"] == "base" and j["training"]["auto"]["epochs"] == 100, j["training"]
assert j["total_steps"] == 100, j
'
  # Resumed without --epochs: the checkpoint's 100 epochs (10, an explicit preset's default, would end before its step).
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" -b 64 -@ 1 -o auto.pt --resume auto.last.pt
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"--preset auto: keeping the choice of auto.last.pt: base, 100 epochs"* ]]
  [[ "$stderr" == *"resuming auto.last.pt at step 100 of 100"* ]]
  # --epochs sets the length; the note then names the preset only, and a resumed run keeps that length.
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" -b 64 --epochs 2 -o two.pt
  [[ "$stderr" == *"--preset auto: base for 39 cells"*"(the length from --epochs)"* ]]
  [ "$(scldm info --json two.pt | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total_steps"])')" -eq 2 ]
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" -b 64 -o two.pt --resume two.last.pt
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"keeping the choice of two.last.pt: base, 2 epochs for 39 cells"* ]]
  [[ "$stderr" == *"resuming two.last.pt at step 2 of 2"* ]]
  # Usage errors in the size options come before the data are read (and the auto note).
  run --separate-stderr scldm fit-vae /nonexistent/x.h5ad --embed-dim 0 -o bad.pt
  [ "$status" -eq 2 ]
  [[ "$stderr" != *"--preset auto"* ]]
  run scldm fit-prior /nonexistent/x.lat --width 1 -o bad.pt
  [ "$status" -eq 2 ]
  assert_no_output bad.pt
}

@test "an explicit --preset keeps its sizes and the former default length, and records no auto choice" {
  run --separate-stderr scldm fit-vae "$FX/base.h5ad" --preset tiny -b 64 -o tiny.pt
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"--preset auto"* ]]
  scldm info --json tiny.pt | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["config"]["embed"] == 16 and j["total_steps"] == 10, j  # 10 epochs of one step
assert "auto" not in j["training"], j["training"]
'
  scldm fit-vae "$FX/base.h5ad" --preset tiny -b 64 --epochs 10 -q -o tiny10.pt
  [ "$(scldm info tiny.pt | grep '^fingerprint')" = "$(scldm info tiny10.pt | grep '^fingerprint')" ]
}
