#!/usr/bin/env bats
# Reliability: outputs that are not regular files, stale temporary files,
# training that is killed, diverges or resumes, one-line errors for bad
# input, and results that used to be silently wrong.
load helpers

setup_file() {
  load helpers
  make_fixtures
  cd "$BATS_FILE_TMPDIR"
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --max-steps 3 -b 16 -o vae.pt -q
  "$SCLDM" encode "$FX/base.h5ad" --vae vae.pt -o train.lat
  "$SCLDM" fit-prior train.lat --condition cell_type --preset tiny --max-steps 3 -b 16 -o prior.pt -q
}
setup() { FX="$BATS_FILE_TMPDIR/fx"; M="$BATS_FILE_TMPDIR"; cd "$BATS_TEST_TMPDIR"; }

one_line_error() {  # $1: expected status; the rest of the output is one line
  [ "$status" -eq "$1" ] || { echo "status $status, expected $1: $output"; return 1; }
  [ "${#lines[@]}" -eq 1 ] || { echo "not one line: $output"; return 1; }
  [[ "${lines[0]}" == "scldm "* || "${lines[0]}" == "scldm:"* ]] || { echo "no prefix: $output"; return 1; }
}

# ------------------------------------------------------------------ outputs

@test "a character device as output is written into, never replaced" {
  mknod null c 1 3
  scldm sample --prior "$M/prior.pt" -n 5 --steps 2 -o null
  scldm convert "$FX/base.h5ad" -o null
  scldm convert "$FX/base.h5ad" -o null -O h5ad
  [ -c null ]
  ! ls -a | grep -q tmp-
}

@test "a FIFO as output receives the data, h5ad included" {
  mkfifo pipe.scs pipe.h5ad
  cat pipe.scs > got.scs &
  scldm convert "$FX/base.h5ad" -o pipe.scs
  wait
  [ -p pipe.scs ]
  scldm convert got.scs -O tsv -o a.tsv
  scldm convert "$FX/base.h5ad" -O tsv -o b.tsv
  cmp a.tsv b.tsv
  cat pipe.h5ad > got.h5ad &
  scldm convert "$FX/base.h5ad" -o pipe.h5ad
  wait
  [ -p pipe.h5ad ]
  "$PY" -c 'import anndata; assert anndata.read_h5ad("got.h5ad").n_obs == 40'
}

@test "a symbolic link as output is followed: the target is replaced, the link stays" {
  echo old > target.scs
  ln -s target.scs link.scs
  scldm convert "$FX/base.h5ad" -o link.scs
  [ -L link.scs ] && [ "$(readlink link.scs)" = target.scs ]
  scldm info target.scs | grep -q "records *40"
  ln -s dangling.scs new.scs
  scldm convert "$FX/base.h5ad" -o new.scs
  [ -L new.scs ] && [ -f dangling.scs ]
}

@test "--help and version report a full device with exit status 1" {
  mknod full c 1 7
  run bash -c "'$SCLDM' --help > full"
  one_line_error 1
  [[ "$output" == *"write error"* ]]
  run bash -c "'$SCLDM' sample --help > full"
  one_line_error 1
  run bash -c "'$SCLDM' version > full"
  one_line_error 1
}

@test "stale temporary files of a killed run are removed; a live writer's are not" {
  scldm convert "$FX/base.h5ad" -o out.scs
  echo junk > .out.scs.tmp-AbC123
  echo live > .out.scs.tmp-LiVe99
  # A writer still at work holds a lock on its temporary file.
  "$PY" - <<'PY' &
import fcntl, os, struct, time
fd = os.open(".out.scs.tmp-LiVe99", os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))
open("locked", "w").close()
time.sleep(20)
PY
  holder=$!
  for _ in $(seq 100); do [ -f locked ] && break; sleep 0.1; done
  scldm convert "$FX/base.h5ad" -o out.scs
  kill $holder
  [ ! -e .out.scs.tmp-AbC123 ]
  [ -e .out.scs.tmp-LiVe99 ]
}

# ------------------------------------------------------------------ training

@test "a run killed before its first validation resumes, and equals an uninterrupted one" {
  scldm fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 -o full.pt -q
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 -o cut.pt -q &
  pid=$!
  for _ in $(seq 300); do [ -f cut.last.pt ] && break; sleep 0.05; done
  kill -9 $pid || true
  wait $pid || true
  [ -f cut.last.pt ]
  step=$(scldm info --json cut.last.pt | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["step"])')
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 -o cut.pt --resume cut.last.pt
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ "$output" == *"resuming cut.last.pt at step $step"* ]]
  fp() { scldm info --json "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }
  [ "$(fp full.pt)" = "$(fp cut.pt)" ] && [ "$(fp full.last.pt)" = "$(fp cut.last.pt)" ]
}

@test "fit-vae reads data over --memory from disk; killed, it resumes to an uninterrupted run's model" {
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 --memory 1K -o full.pt
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ "$output" == *"exceed --memory 1K: reading them from disk during training"* ]]
  order() { scldm info --json "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["training"]["order"]["kind"])'; }
  [ "$(order full.pt)" = blocks ]
  "$SCLDM" fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 --memory 1K -o cut.pt -q &
  pid=$!
  for _ in $(seq 300); do [ -f cut.last.pt ] && break; sleep 0.05; done
  kill -9 $pid || true
  wait $pid || true
  [ -f cut.last.pt ]
  # The resumed run keeps the blocked order, here with the cells in memory.
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 --checkpoint-every 2 -o cut.pt --resume cut.last.pt
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ "$output" != *"from disk"* ]]
  fp() { scldm info --json "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'; }
  [ "$(fp full.pt)" = "$(fp cut.pt)" ] && [ "$(fp full.last.pt)" = "$(fp cut.last.pt)" ]
  # In memory the order is a full shuffle: another model.
  scldm fit-vae "$FX/base.h5ad" --preset tiny --epochs 2 -b 4 -o mem.pt -q
  [ "$(order mem.pt)" = shuffle ] && [ "$(fp mem.pt)" != "$(fp full.pt)" ]
  run scldm fit-vae "$FX/base.h5ad" --memory 2X -o bad.pt
  one_line_error 2
  [[ "$output" == *"--memory"*"512M or 4G"* ]]
}

@test "fit-vae --memory: --where, CSC, dense and piped inputs take the right path" {
  # A selection whose counts fit stays in memory; the whole file does not.
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 --memory 4K --where cell_type=B -o sel.pt
  [ "$status" -eq 0 ] && [[ "$output" != *"from disk"* ]]
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 --memory 4K -o all.pt
  [ "$status" -eq 0 ] && [[ "$output" == *"reading them from disk"* ]]
  run scldm fit-vae "$FX/csc.h5ad" --preset tiny --max-steps 2 --memory 1K -o csc.pt
  [ "$status" -eq 0 ] && [[ "$output" == *"stored by gene (CSC): loading them"* ]]
  run scldm fit-vae "$FX/dense.h5ad" --preset tiny --max-steps 2 --memory 1K -o dense.pt
  [ "$status" -eq 0 ] && [[ "$output" == *"reading them from disk"* ]]
  # Pipes are read once, into memory.
  run scldm fit-vae <(cat "$FX/base.h5ad") --preset tiny --max-steps 2 --memory 1K -o fifo.pt
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ "$output" != *"from disk"* ]]
  scldm convert "$FX/base.h5ad" -o base.scs
  run scldm fit-vae <(cat base.scs) --preset tiny --max-steps 2 --memory 1K -o stream.pt
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "fit-vae from disk: a data file replaced during training is an error naming it; the last checkpoint stays good" {
  scldm simulate -n 3000 --genes 100 --seed 1 -o data.h5ad -q
  scldm simulate -n 3000 --genes 100 --seed 2 -o other.h5ad -q
  "$SCLDM" fit-vae data.h5ad --preset tiny --epochs 500 -b 32 --memory 1K --checkpoint-every 5 -o run.pt 2> err.txt &
  pid=$!
  for _ in $(seq 600); do [ -f run.last.pt ] && break; sleep 0.05; done
  [ -f run.last.pt ]
  cp other.h5ad data.h5ad
  status=0
  wait $pid || status=$?
  [ "$status" -eq 1 ] || { cat err.txt; false; }
  grep -q "data.h5ad: changed while training was reading it" err.txt || { cat err.txt; false; }
  scldm info run.last.pt > /dev/null
  assert_no_output run.pt
}

@test "resuming a finished run says what it writes; asking for fewer steps is a usage error" {
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 4 -b 16 -o a.pt -q
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 4 -b 16 -o b.pt --resume a.last.pt
  [ "$status" -eq 0 ]
  [[ "$output" == *"wrote b.pt"* && "$output" != *"b.last.pt"* ]]
  [ -f b.pt ] && [ ! -e b.last.pt ]
  run scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 2 -b 16 -o c.pt --resume a.last.pt -q
  one_line_error 2
  [[ "$output" == *"at step 4, beyond the 2 steps"* ]]
  assert_no_output c.pt
}

@test "a diverging run fails and leaves an existing output as it was" {
  # At lr 10 whether and when a run's gradients overflow is chaotic: it
  # depends on the last bits of the products, so on the OpenBLAS kernel. Of
  # seeds 0-3, two or more diverged within 100 base steps under each kernel
  # tried (the default, Haswell, SkylakeX, Sandybridge); the first that does
  # is the one checked.
  local seed diverged=
  for seed in 0 1 2 3 4 5; do
    echo keep > keep.pt
    run scldm fit-vae "$FX/base.h5ad" --preset base --max-steps 100 -b 8 --lr 10 --seed $seed -o keep.pt -q
    [ "$status" -eq 0 ] && continue
    one_line_error 1
    [[ "$output" == *"training diverged at step"*"--lr"* ]]
    [ "$(cat keep.pt)" = keep ]
    diverged=$seed
    break
  done
  [ -n "$diverged" ]
  echo keep > prior_keep.pt
  run scldm fit-prior "$M/train.lat" --preset tiny --max-steps 30 -b 8 --lr 10 -o prior_keep.pt -q
  one_line_error 1
  [ "$(cat prior_keep.pt)" = keep ]
}

@test "fit-prior refuses to resume onto latents of another VAE; --condition twice is a usage error" {
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 1 -b 16 --seed 5 -o other.pt -q
  scldm encode "$FX/base.h5ad" --vae other.pt -o other.lat
  run scldm fit-prior other.lat --condition cell_type --preset tiny --max-steps 6 -b 16 -o p.pt --resume "$M/prior.last.pt"
  one_line_error 1
  [[ "$output" == *"prior.last.pt: was trained on latents of another VAE"* ]]
  run scldm fit-prior "$M/train.lat" --condition cell_type --condition cell_type --preset tiny -o p.pt
  one_line_error 2
  [[ "$output" == *"--condition cell_type given twice"* ]]
}

# ------------------------------------------------------------------ checkpoints

@test "info and the model commands refuse checkpoints with impossible shapes or edited weights" {
  edit() { "$PY" "$SCLDM_SOURCE_DIR/tests/fixtures/edit_checkpoint.py" "$M/vae.pt" "$1" "$2"; }
  edit wide.pt 'meta["config"]["embed"] = 24'
  run scldm info wide.pt
  [ "$status" -eq 1 ]
  [[ "$output" == *"valid"*"false"* ]]
  [[ "$output" == *"wide.pt: weights param/emb.weight are float32 [31, 16], expected float32 [31, 24]"* ]]
  edit flipped.pt 'blobs["param/head.bias"][0] ^= 1'
  run scldm info flipped.pt
  [ "$status" -eq 1 ]
  [[ "$output" == *"fingerprint does not match"* ]]
  edit nogenes.pt 'del meta["genes"]'
  run scldm encode "$FX/base.h5ad" --vae nogenes.pt -o x.lat
  one_line_error 1
  [[ "$output" == *"nogenes.pt: bad VAE description (key 'genes' not found)"* ]]
  run scldm encode "$FX/base.h5ad" --vae wide.pt -o x.lat
  one_line_error 1
  assert_no_output x.lat
}

# ------------------------------------------------------------------ decode and sample

@test "decode: counts streams, huge library sizes and bad gene lists are one-line errors" {
  scldm convert "$FX/base.h5ad" -o counts.scs
  run scldm decode counts.scs --vae "$M/vae.pt" -o x.scs
  one_line_error 1
  [[ "$output" == *"counts.scs: is a counts stream; decode needs latents"* ]]
  run scldm decode "$M/train.lat" --vae "$M/vae.pt" --library-size 1e30 -o x.scs
  one_line_error 2
  printf 'GENE3\r\nGENE0\r\n' > genes.txt
  scldm decode "$M/train.lat" --vae "$M/vae.pt" --genes genes.txt -o g.tsv
  head -1 g.tsv | grep -qx "cell	cell_type	condition	GENE3	GENE0"
  mkdir dir
  run scldm sample --prior "$M/prior.pt" --conditions dir -o y.lat
  one_line_error 1
  [[ "$output" == *"dir: is a directory"* ]]
}

@test "sample: a CRLF conditions table works; an exploding --cfg is an error, not infinite latents" {
  printf 'cell_type\r\nB\r\nNK\r\n' > cond.tsv
  scldm sample --prior "$M/prior.pt" --conditions cond.tsv --steps 2 -o c.lat
  scldm info c.lat | grep -q "records *2"
  run scldm sample --prior "$M/prior.pt" -n 3 --condition cell_type=B --cfg 1e30 --steps 4 -o x.lat
  one_line_error 1
  [[ "$output" == *"non-finite latents; lower --cfg"* ]]
  assert_no_output x.lat
}

@test "sample streams: memory does not grow with -n" {
  "$SCLDM" sample --prior "$M/prior.pt" -n 100000000 --steps 1 -b 512 -o big.lat -q &
  pid=$!
  sleep 6
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill $pid
  wait $pid || true
  echo "peak RSS ${hwm} kB"
  [ "$hwm" -lt 1000000 ]
  assert_no_output big.lat
}

# ------------------------------------------------------------------ eval and options

@test "eval needs enough cells and says so; unknown classifier labels are not counted" {
  scldm convert "$FX/base.h5ad" --where cell_type=B -o b.h5ad
  scldm decode "$M/train.lat" --vae "$M/vae.pt" -o gen.h5ad
  "$PY" -c '
import anndata
a = anndata.read_h5ad("gen.h5ad")
a[:1].copy().write_h5ad("one.h5ad")
'
  run scldm eval --real one.h5ad --generated gen.h5ad
  one_line_error 1
  [[ "$output" == *"one.h5ad: has 1 cells; eval needs at least 4 real cells"* ]]
  scldm classify --train "$M/train.lat" --label cell_type --test-fraction 0 -o clf.pt -q > /dev/null
  "$PY" -c '
import anndata
a = anndata.read_h5ad("gen.h5ad")
a.obs["cell_type"] = a.obs["cell_type"].cat.rename_categories({"B": "Plasma"})
a.write_h5ad("renamed.h5ad")
'
  run scldm eval --real gen.h5ad --generated renamed.h5ad --classifier clf.pt --vae "$M/vae.pt"
  [ "$status" -eq 0 ]
  [[ "$output" == *"cells have a cell_type the classifier does not know (Plasma); not counted"* ]]
}

@test "range errors print the bounds and the value as given" {
  run scldm fit-vae "$FX/base.h5ad" --lr 1e-300 -o x.pt
  one_line_error 2
  [[ "$output" == *"--lr: 1e-300 is outside [1e-12, 10]"* ]]
}

@test "text outputs quote tabs, line ends and quotes so pandas and scipy read them back" {
  "$PY" - <<'PY'
import anndata, numpy as np, pandas as pd, scipy.sparse as sp
x = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0], [4, 0, 0]], dtype=np.float32))
obs = pd.DataFrame({"label": pd.Categorical(['a\tb', 'say "hi"', 'two\nlines'])},
                   index=['id\t1', 'id"2', 'id\n3'])
var = pd.DataFrame(index=['g\t1', 'g"2', 'g3'])
anndata.AnnData(x, obs=obs, var=var).write_h5ad("odd.h5ad")
PY
  scldm convert odd.h5ad -O tsv -o odd.tsv
  scldm convert odd.h5ad -o odd.mtx
  "$PY" - <<'PY'
import anndata, numpy as np, pandas as pd, scipy.io
a = anndata.read_h5ad("odd.h5ad")
t = pd.read_csv("odd.tsv", sep="\t", index_col=0, keep_default_na=False)
assert list(t.index) == list(a.obs_names), t.index
assert list(t.label) == list(a.obs.label.astype(str))
assert list(t.columns[1:]) == list(a.var_names), t.columns
assert (t.iloc[:, 1:].values == a.X.toarray()).all()
cells = pd.read_csv("odd.cells.tsv", sep="\t", keep_default_na=False)
assert list(cells.cell) == list(a.obs_names) and list(cells.label) == list(a.obs.label.astype(str))
genes = pd.read_csv("odd.genes.tsv", sep="\t", header=None)[0]
assert list(genes) == list(a.var_names), list(genes)
assert (scipy.io.mmread("odd.mtx").toarray() == a.X.toarray()).all()
PY
}
