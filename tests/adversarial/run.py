#!/usr/bin/python3
"""Adversarial harness for the scldm command-line toolkit.

Builds small fixtures with the binary under test, makes corrupt and hostile
variants of every input kind (h5ad, record streams, checkpoints, option
values, pipes, FIFOs, devices, symlinks, signals, resumes) and runs each case
as a command line with its expectation. Every case checks the toolkit's
promises: a failure is ONE line on stderr, `scldm <command>: ...`, exit 1
(2 for usage errors), no crash, no backtrace or library jargon, no partial
output (the -o target is not created, an existing target is left untouched,
no hidden `.NAME.tmp-XXXXXX` file is left); a success writes finite,
unclipped values that anndata / pandas / scipy read back.

Usage:
  /usr/bin/python3 tests/adversarial/run.py [--scldm PATH] [--quick]
      [--filter REGEX] [--report FILE] [--keep] [--list] [-v]

Exit status: 0 when every case passes, 1 when some case fails, 2 when the
fixtures cannot be built. Needs /usr/bin/python3 with anndata, h5py, numpy,
scipy and pandas. Runs one command at a time.
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases_h5ad  # noqa: E402
import cases_misc  # noqa: E402
import cases_models  # noqa: E402
import cases_streams  # noqa: E402
from common import Ctx, execute  # noqa: E402

JARGON = [
    r"c10::", r"PytorchStreamReader", r"\[json\.exception", r"json\.exception", r"HDF5-DIAG", r"H5[A-Z][a-z_]*\(\)",
    r"internal error", r"terminate called", r"what\(\):", r"Exception raised from", r"std::", r"Segmentation fault",
    r"Aborted", r"core dumped", r"bad_alloc", r"basic_string", r"vector::", r"Traceback", r"libc\+\+abi",
    r"Assertion .* failed", r"nlohmann", r"torch::", r"at::", r"INTERNAL ASSERT", r"frame #\d", r"0x[0-9a-f]{8,}",
r"ZSTD_", r"zstd error", r"H5E", r"major: ", r"minor: ", r"errno", r"free\(\)",
    r"double free", r"stack smashing", r"Floating point exception", r"Illegal instruction", r"Killed",
]
JARGON_RE = [re.compile(p) for p in JARGON]
TMP_RE = re.compile(r"^\..+\.tmp-")

# Defect classes, most serious first.
CLASSES = [
    ("crash", "crash, abort, fatal signal or hang"),
    ("device", "device node or input file destroyed"),
    ("silent", "bad input accepted or wrong result with exit 0"),
    ("memory", "memory grows before any output / allocates for a tiny input"),
    ("partial", "partial output, temporary file left, or existing target modified"),
    ("jargon", "library jargon or backtrace in the message"),
    ("message", "message not one line `scldm <command>: ...`, or on stdout"),
    ("exitcode", "wrong exit code (1 vs 2) or valid input rejected"),
]


# Cases that repeat a code path another default case already covers, through a
# slow model command (each start of LibTorch costs ~0.5-1 s): run with --full.
DEMOTE = re.compile("|".join([
    r"^opt/fit-vae/(epochs-negative|batch-negative|lr-inf|lr-overflow|lr-junk|val-fraction-negative|val-fraction-nan|"
    r"beta-nan|embed-negative|latent-dim-0|cross-heads-0|blocks-negative|max-genes-negative|checkpoint-every-negative|"
    r"where-empty-key|preset-and-size|where-unknown-key|batch-huge)$",
    r"^opt/sample/(n-float|n-overflow|steps-negative|atol-negative|cfg-inf|cfg-minus-1e30|cfg-empty-key|condition-empty-value|"
    r"like-missing-file|conditions-header-only|conditions-trailing-space|conditions-directory|condition-unknown-key|"
    r"solver-euler|cfg-bad-number|batch-0)$",
    r"^opt/eval/(hvg-negative|components-huge|knn-huge|max-cells-0|two-cells-each|one-real-cell|w2-sinkhorn|hvg-huge)$",
    r"^opt/decode/(library-size-abc|library-size-inf|library-size-1e300|genes-file-unknown|batch-0|genes-some-unknown|"
    r"library-size-1e30-mean|tsv)$",
    r"^opt/fit-prior/(cfg-dropout-negative|ema-decay-negative|ema-decay-nan|lr-nan|width-0|cfg-dropout-1.5)$",
    r"^opt/classify/(train-test-fraction-1.5|train-test-fraction-nan|train-mlp|apply-neither-train-nor-model)$",
    r"^opt/encode/(batch-0|where-unknown-key)$",
    r"^opt/(fit-vae|fit-prior|encode|decode|sample|eval|classify)/(long-option-equals|device-bad-index|seed-overflow|"
    r"threads-fraction|device-empty)$",
    r"^opt/(fit-prior|encode|decode|sample|eval)/output-empty$",
    r"^ckpt/vae/config_(n_genes_(100|0|m1)|tokens_(0|1000000)|embed_15|latent_dim_(m8|4)|heads_m2|heads_cross_5|blocks_4|"
    r"input_1|layernorm_eps_(0.0|x)|max_genes_(0|1099511627776)|mlp_hidden_m1|beta_x)/",
    r"^ckpt/prior/config_(classes_(\[\]|\[0\])|tokens_0|width_0|heads_3|blocks_9|time_frequencies_m2|latent_dim_0)/",
    r"^ckpt/prior/.*/sample-condition$(?<!attributes_duplicate_categories/sample-condition)",
    r"^ckpt/(vae|prior|classifier)/(genes_string|genes_numbers|kind_null|fingerprint_number|attributes_numbers|label_number)/"
    r"(encode|decode|sample|apply)$",
    r"^stream/.*/decode-stdin$",
    r"^stdin/(fit-vae|fit-prior|encode|classify|eval)/garbage$",
    r"^out/(decode|fit-prior|classify|eval)/symlink-to-file$",
    r"^out/(fit-prior|classify|eval)/missing-dir$",
    r"^sig/(sample|simulate)/SIGHUP$",
    r"^h5ad/(inf_count|negative_count|non_integer_count|indptr_too_short|unsorted_indices|dense)/(encode|fit-vae|classify)$",
    r"^h5ad/(huge_count_1e38|huge_count_int64_2e40|X_uint16|X_bool|codes_long|codes_float|categories_integers|"
    r"empty_category_name|obs_index_integers|obs_index_empty_id|neginf_count|almost_integer_count)/encode$",
    r"^ckpt/(vae|prior|classifier)/(tensor_dtype_float16|tensor_dtype_unknown|tensor_shape_string|tensor_no_dtype|"
    r"tensors_not_list|tensor_bytes_1TiB|tensor_extra_unknown|tensor_duplicate|weights_inf|kind_missing)/(encode|decode|sample|apply)$",
    r"^resume/(vae-directory|vae-missing|vae-empty|vae-h5ad|vae-from-classifier|prior-other-shape)$",
    r"^model/(encode_--vae_(directory|missing|stream)|sample_--prior_(h5ad|classifier)|classify_--model_(missing|prior))$",
    r"^out/(fit-vae|decode)/own-null-device$",
    r"^out/(fit-vae|fit-prior|classify|eval)/stdout-full$",
    r"^stdin/(fit-vae|fit-prior|eval|classify)/h5ad-on-pipe$",
    r"^fifo/(fit-prior|classify)/",
    r"^kill9/fit-vae/resume-after-2.0s$",
    r"^opt/fit-vae/(embed-0|tokens-0|heads-0|max-genes-0|epochs-0|lr-negative|beta-negative|val-fraction-1.5|"
    r"max-steps-negative)$",
    r"^opt/sample/(n-negative|steps-0|rtol-nan|cfg-unknown-key|condition-no-value|strategy-unknown|like-and-n|like-stream|"
    r"conditions-empty-file)$",
    r"^opt/eval/(hvg-0|components-0|knn-0|w2-unknown|max-cells-1|same-file|other-genes|generated-where-unknown)$",
    r"^opt/decode/(library-size--1|library-size-nan|mean-to-mtx|genes-two|genes-file)$",
]))


QUICK_DEMOTE = re.compile(r"^(fifo/fit-vae/|sig/sample/SIGTERM|stdin/pipeline/sample-decode|base/(fit-vae|fit-prior|eval|classify|sample)$|"
                          r"out/fit-vae/target-is-directory|opt/eval/plot-missing-dir|ckpt/(prior|vae)/optimizer_garbage/|"
                          r"ckpt/prior/truncated|out/decode/existing-target|opt/decode/library-1e300-mean|model/encode_--vae_prior|"
                          r"ckpt/vae/version_2/encode|stream/lat_no_end_marker/decode)")


def classify_problem(p):
    if p.startswith(("crash", "hang")):
        return "crash"
    if p.startswith(("device", "input modified")):
        return "device"
    if p.startswith(("accepted", "silent", "output check")):
        return "silent"
    if p.startswith("memory"):
        return "memory"
    if p.startswith(("partial", "temp", "existing", "left")):
        return "partial"
    if p.startswith("jargon"):
        return "jargon"
    if p.startswith(("stderr", "prefix", "stdout", "message")):
        return "message"
    return "exitcode"


# ------------------------------------------------------------------ running


def snapshot_dir(d):
    snap = {}
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = os.path.join(root, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read() if st.st_size < (64 << 20) else f.read(1 << 20)
                snap[p] = ("f", st.st_size, hash(data))
            elif stat.S_ISLNK(st.st_mode):
                snap[p] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                snap[p] = ("d",)
            elif stat.S_ISCHR(st.st_mode):
                snap[p] = ("c", st.st_rdev)
            else:
                snap[p] = ("o", stat.S_IFMT(st.st_mode))
    return snap


def find_tmp(dirs):
    found = []
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for root, _, files in os.walk(d):
            for name in files:
                if TMP_RE.match(name):
                    found.append(os.path.join(root, name))
    return found


def run_case(ctx, c, idx):
    d = os.path.join(ctx.cases_dir, "%04d-%s" % (idx, re.sub(r"[^A-Za-z0-9_.-]+", "_", c.name)[:60]))
    os.makedirs(d)
    if c.setup:
        c.setup(ctx, d)
    before = snapshot_dir(d)
    watch = [d, ctx.fx] + [w.replace("{d}", d) for w in c.watch]
    tmp_before = set(find_tmp(watch))
    env = dict(ctx.env)
    env.update(c.env)
    env["D"] = d
    if c.shell is not None:
        argv = ["bash", "-c", c.shell]
        cmdline = c.shell
    elif c.argv is None:
        argv = None
        cmdline = "(%s)" % (c.note or c.name)
    else:
        argv = [ctx.scldm] + [a.replace("{d}", d) if isinstance(a, str) else a for a in c.argv]
        cmdline = " ".join(_q(a) for a in ["scldm"] + argv[1:])
    stdin = c.stdin(ctx) if callable(c.stdin) else c.stdin
    if c.runner:
        r = c.runner(ctx, c, d, env)
    else:
        r = execute(argv, d, env, stdin, c.timeout)
    after = snapshot_dir(d)
    err = r["stderr"].decode("utf-8", "replace")
    lines = [l for l in err.split("\n") if l != ""]
    rc = r["rc"]
    problems = []
    expect = tuple(c.expect)
    crashed = (rc < 0 or rc >= 128 or rc not in (0, 1, 2)) and not c.signal_ok
    if r.get("mem_killed_mb"):
        problems.append("memory: killed by the harness at %d MB RSS" % r["mem_killed_mb"])
    elif r["timed_out"] and not c.timeout_ok:
        problems.append("hang: timed out after %ss" % c.timeout)
    elif crashed:
        problems.append("crash: exit status %s%s" % (rc, " (signal %d)" % -rc if rc < 0 else ""))
    elif rc not in expect and not c.timeout_ok:
        if rc == 0:
            problems.append("accepted: exit 0, expected %s" % "/".join(map(str, expect)))
        elif 0 in expect and len(expect) == 1:
            problems.append("rejected valid input: exit %d" % rc)
        else:
            problems.append("exit %d, expected %s" % (rc, "/".join(map(str, expect))))
    jar = sorted({m.group(0) for rx in JARGON_RE for m in [rx.search(err)] if m})
    if jar:
        problems.append("jargon: " + ", ".join(jar))
    prefix = "scldm %s: " % c.sub if c.sub else "scldm"
    failed = rc != 0
    if failed and not c.timeout_ok and not c.signal_ok:
        if len(lines) != 1 and not c.multiline_ok:
            problems.append("stderr has %d lines" % len(lines))
        if lines and not all(l.startswith(prefix) for l in lines[-1:]) and not c.any_prefix:
            problems.append("prefix: stderr does not start with '%s'" % prefix)
        if not lines:
            problems.append("stderr empty on failure")
    out_txt = r["stdout"][:4096].decode("utf-8", "replace")
    if ".tmp-" in err:
        problems.append("stderr names the hidden temporary file instead of the output")
    if b"\0" in r["stdout"][:4096]:
        out_txt = ""
    if rc == 0 and re.search(r"(?<![A-Za-z_])[-+]?(nan|inf)(?![A-Za-z_])", err + out_txt, re.I):
        problems.append("silent: NaN/inf printed in the report: %r" % re.search(r".{0,40}(?<![A-Za-z_])[-+]?(nan|inf)(?![A-Za-z_]).{0,20}", err + out_txt, re.I).group(0))
    if re.search(r"^scldm [a-z-]*: ", out_txt, re.M) and not c.stdout_msg_ok:
        problems.append("stdout carries a message: %r" % out_txt.split("\n")[0][:100])
    # outputs
    tmp_after = set(find_tmp(watch))
    new_tmp = sorted(tmp_after - tmp_before)
    if new_tmp and not c.tmp_ok:
        problems.append("temp file left: " + ", ".join(os.path.relpath(p, ctx.root) for p in new_tmp))
    if failed and not c.outputs_ok:
        # A training run keeps NAME.last.pt for --resume, also when it fails at its end.
        training = c.sub in ("fit-vae", "fit-prior")
        created = sorted(p for p in after if p not in before and not TMP_RE.match(os.path.basename(p))
                         and not (training and p.endswith(".last.pt")))
        if created:
            problems.append("partial output: created " + ", ".join(os.path.relpath(p, d) for p in created))
        changed = sorted(p for p in before if p in after and before[p] != after[p] and p not in c.may_change)
        removed = sorted(p for p in before if p not in after)
        if changed or removed:
            problems.append("existing target modified: " + ", ".join(os.path.relpath(p, d) for p in changed + removed))
    for p in c.devices:
        p = p.replace("{d}", d)
        try:
            st = os.lstat(p)
            if not stat.S_ISCHR(st.st_mode):
                problems.append("device node replaced by a regular file: " + os.path.relpath(p, d))
        except OSError:
            problems.append("device node removed: " + os.path.relpath(p, d))
    # inputs
    changed_fx = ctx.check_fixtures()
    if changed_fx:
        problems.append("input modified: " + ", ".join(changed_fx))
    if c.max_rss_mb and r["maxrss_kb"] > c.max_rss_mb * 1024 and not r.get("rss_checked"):
        problems.append("memory: peak RSS %d MB > %d MB" % (r["maxrss_kb"] // 1024, c.max_rss_mb))
    if c.check and not r["timed_out"]:
        try:
            extra = c.check(ctx, d, r) or []
        except Exception as e:  # the check itself could not read the output
            extra = ["output check: %s: %s" % (type(e).__name__, str(e)[:200])]
        problems += extra
    if r.get("problems"):
        problems += r["problems"]
    res = {
        "name": c.name, "group": c.group, "command": cmdline, "expect": list(expect), "rc": rc,
        "timed_out": r["timed_out"], "stderr_lines": len(lines), "stderr": err[-2000:],
        "prefix_ok": bool(lines) and lines[-1].startswith(prefix), "jargon": jar, "temp_files": new_tmp,
        "stdout_bytes": r["stdout_bytes"], "maxrss_mb": r["maxrss_kb"] // 1024, "time_s": r["time_s"],
        "problems": problems, "classes": sorted({classify_problem(p) for p in problems}), "note": c.note,
        "dir": d,
    }
    if not ctx.keep and not problems:
        _rmtree(d)
    return res


def _q(a):
    a = str(a)
    return a if re.fullmatch(r"[A-Za-z0-9_./=:,@%+-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def _rmtree(d):
    subprocess.run(["chattr", "-R", "-i", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ fixtures


def build_fixtures(ctx):
    S = ctx.scldm
    fx = ctx.fx
    os.makedirs(fx, exist_ok=True)

    def sh(*argv, cwd=fx):
        r = subprocess.run([S] + list(argv), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise SystemExit("fixture failed: scldm %s\n%s" % (" ".join(argv), r.stderr.decode(errors="replace")))
        return r.stdout

    t0 = time.time()
    sh("simulate", "-n", "200", "--genes", "100", "-o", "sim.h5ad")
    sh("simulate", "-n", "100", "--genes", "80", "--seed", "3", "-o", "sim80.h5ad")
    for name in ("pbmc_small.h5ad",):
        src = os.path.join(ctx.shared, name)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(fx, name))
    import anndata
    import pandas as pd
    a = anndata.read_h5ad(os.path.join(fx, "sim.h5ad"))
    small = a[:40].copy()
    small.write_h5ad(os.path.join(fx, "small.h5ad"))
    small[:1].copy().write_h5ad(os.path.join(fx, "one.h5ad"))
    small[:2].copy().write_h5ad(os.path.join(fx, "two.h5ad"))
    ctx.small_X = small.X.toarray()
    ctx.small_obs = small.obs.copy()
    ctx.genes = list(small.var_names)
    # labels unknown to the prior / classifier, same genes
    u = small.copy()
    u.obs["cell_type"] = pd.Categorical(["Alien"] * 20 + ["Martian"] * 20)
    u.write_h5ad(os.path.join(fx, "unknown_labels.h5ad"))
    u2 = small.copy()
    u2.obs = u2.obs.drop(columns=["cell_type"])
    u2.write_h5ad(os.path.join(fx, "no_celltype.h5ad"))
    sh("convert", "small.h5ad", "-O", "stream", "-o", "counts.scs")
    sh("fit-vae", "sim.h5ad", "--preset", "tiny", "--max-steps", "2", "-b", "64", "-q", "-o", "vae.pt")
    sh("fit-vae", "sim.h5ad", "--preset", "tiny", "--max-steps", "1", "-b", "64", "-q", "--seed", "9", "-o", "vae_seed9.pt")
    sh("fit-vae", "sim80.h5ad", "--preset", "tiny", "--max-steps", "1", "-b", "64", "-q", "-o", "vae80.pt")
    sh("fit-vae", "sim.h5ad", "--preset", "tiny", "--latent-dim", "4", "--max-steps", "1", "-b", "64", "-q", "-o", "vae_ld4.pt")
    sh("encode", "sim.h5ad", "--vae", "vae.pt", "-o", "lat.lat")
    sh("encode", "small.h5ad", "--vae", "vae.pt", "-o", "lats.lat")
    sh("encode", "small.h5ad", "--vae", "vae_seed9.pt", "-o", "lats_other.lat")
    sh("encode", "small.h5ad", "--vae", "vae_ld4.pt", "-o", "lats_ld4.lat")
    sh("fit-prior", "lat.lat", "--preset", "tiny", "--max-steps", "2", "--condition", "cell_type", "-q", "-o", "prior.pt")
    sh("fit-prior", "lat.lat", "--preset", "tiny", "--max-steps", "2", "--condition", "cell_type", "--condition",
       "condition", "-q", "-o", "prior2.pt")
    sh("fit-prior", "lats_ld4.lat", "--preset", "tiny", "--max-steps", "2", "-q", "-o", "prior_ld4.pt")
    sh("classify", "--train", "lat.lat", "--label", "cell_type", "-q", "-o", "clf.pt")
    sh("sample", "--prior", "prior.pt", "-n", "20", "--steps", "2", "--condition", "cell_type=B", "-q", "-o", "gen.lat")
    sh("decode", "gen.lat", "--vae", "vae.pt", "-q", "-o", "gen.h5ad")
    with open(os.path.join(fx, "cond.tsv"), "w") as f:
        f.write("cell_type\nB\nT\nNK\n")
    os.makedirs(os.path.join(fx, "adir.h5ad"), exist_ok=True)
    # h5ad, stream and checkpoint variants
    cases_h5ad.build(ctx)
    cases_misc.build(ctx)
    cases_streams.build(ctx)
    cases_models.build(ctx)
    ctx.fixture_time = round(time.time() - t0, 1)


# ------------------------------------------------------------------ report


def summarise(results, out):
    n_fail = sum(1 for r in results if r["problems"])
    w = out.write
    w("\n%-5s %-44s %-7s %-4s %-5s %-6s %s\n" % ("#", "case", "expect", "rc", "lines", "time", "problems"))
    for i, r in enumerate(results):
        if r["problems"] or VERBOSE:
            w("%-5d %-44s %-7s %-4s %-5d %-6.2f %s\n" % (i, r["name"][:44], "/".join(map(str, r["expect"])), r["rc"],
                                                         r["stderr_lines"], r["time_s"], "; ".join(r["problems"])[:160]))
    w("\n%d cases, %d pass, %d fail\n" % (len(results), len(results) - n_fail, n_fail))
    for key, title in CLASSES:
        rs = [r for r in results if key in r["classes"]]
        if rs:
            w("  %-9s %4d  %s\n" % (key, len(rs), title))
    groups = {}
    for r in results:
        g = groups.setdefault(r["group"], [0, 0])
        g[0] += 1
        g[1] += bool(r["problems"])
    w("\nby group: " + ", ".join("%s %d/%d" % (g, v[1], v[0]) for g, v in sorted(groups.items())) + " (failing/total)\n")


VERBOSE = False


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scldm", default=os.environ.get("SCLDM", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "scldm")),
                    help="binary under test")
    ap.add_argument("--quick", action="store_true", help="a representative subset (about 2 minutes)")
    ap.add_argument("--full", action="store_true", help="also the redundant variants (about 20 minutes)")
    ap.add_argument("--filter", help="only cases whose name or group matches this regex")
    ap.add_argument("--report", default=os.path.join(tempfile.gettempdir(), "scldm-adversarial-report.json"))
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.environ.get("SCLDM_SHARED", os.path.join(here, "..", "..", "..", "shared", "data")))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory and every case folder")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case, not only failures")
    args = ap.parse_args()
    VERBOSE = args.verbose
    warnings.filterwarnings("ignore")
    scldm = os.path.abspath(args.scldm)
    if not os.access(scldm, os.X_OK):
        print("run.py: %s: not an executable" % scldm, file=sys.stderr)
        return 2
    root = tempfile.mkdtemp(prefix="scldm-adv-")
    ctx = Ctx(scldm=scldm, root=root, shared=args.shared, keep=args.keep, quick=args.quick)
    t0 = time.time()
    try:
        print("building fixtures in %s ..." % root, file=sys.stderr)
        build_fixtures(ctx)
        ctx.freeze_fixtures()
        cases = []
        for mod in (cases_misc, cases_h5ad, cases_streams, cases_models):
            cases += mod.cases(ctx)
        names = set()
        for c in cases:
            base, k = c.name, 2
            while c.name in names:
                c.name = "%s~%d" % (base, k)
                k += 1
            names.add(c.name)
        for c in cases:  # keep the default run near 10 minutes: these variants only run with --full
            if c.tier == "default" and DEMOTE.search(c.name):
                c.tier = "full"
            if c.tier == "quick" and QUICK_DEMOTE.search(c.name):  # and --quick near 2 minutes
                c.tier = "default"
        if args.quick:
            cases = [c for c in cases if c.tier == "quick"]
        elif not args.full:
            cases = [c for c in cases if c.tier != "full"]
        if args.filter:
            rx = re.compile(args.filter)
            cases = [c for c in cases if rx.search(c.name) or rx.search(c.group)]
        if args.list:
            for c in cases:
                print("%-12s %-50s %s" % (c.group, c.name, "/".join(map(str, c.expect))))
            return 0
        print("fixtures: %.1fs; running %d cases" % (ctx.fixture_time, len(cases)), file=sys.stderr)
        results = []
        for i, c in enumerate(cases):
            r = run_case(ctx, c, i)
            results.append(r)
            if VERBOSE or r["problems"]:
                print("[%d/%d] %s %s: %s" % (i + 1, len(cases), "FAIL" if r["problems"] else "ok", c.name,
                                             "; ".join(r["problems"])[:200]), file=sys.stderr)
        summarise(results, sys.stdout)
        report = {
            "scldm": scldm, "mode": "quick" if args.quick else "full" if args.full else "default", "cases": len(results),
            "failing": sum(1 for r in results if r["problems"]), "seconds": round(time.time() - t0, 1),
            "fixture_seconds": ctx.fixture_time, "classes": dict(CLASSES), "results": results,
        }
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
        print("report: %s (%.0f s)" % (args.report, time.time() - t0))
        return 1 if report["failing"] else 0
    finally:
        if not args.keep:
            _rmtree(root)
        else:
            print("kept %s" % root, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
