"""Options (malformed, out of range, repeated, conflicting), output targets
(missing and read-only folders, directories, symlinks, devices, long names,
existing files that must survive), standard input, pipes and FIFOs, signals,
kill -9 and --resume, and results that must be right when the exit is 0."""
import json
import os
import re
import signal
import stat
import subprocess
import time

import numpy as np

import formats as F
from common import Case, alive, execute, h5ad_check, json_check, stream_check, text_nonempty, tsv_check, vmrss_mb


# ---------------------------------------------------------------- fixtures of this module


def build(ctx):
    import anndata
    import pandas as pd
    import scipy.sparse as sp
    P = ctx.p
    a = anndata.read_h5ad(P("small.h5ad"))
    # NaN in the very last cell: the writer has started when the error comes
    b = a.copy()
    X = b.X.toarray()
    X[-1, -1] = np.nan
    b.X = sp.csr_matrix(X)
    b.write_h5ad(P("nan_last.h5ad"))
    # hostile names: cell ids, categories; genes kept (the VAE knows them)
    n = a.copy()
    ids = list(n.obs_names)
    ids[0], ids[1], ids[2], ids[3] = "tab\there", "new\nline", 'quote"d,comma', "ünïcødé ✓"
    n.obs_names = ids
    ct = ["B", "B, condition=stim", "NK", "NA"]
    n.obs["cell_type"] = pd.Categorical([ct[i % 4] for i in range(n.n_obs)], categories=ct)
    n.obs["condition"] = pd.Categorical(["stim" if i % 3 else "ctrl" for i in range(n.n_obs)])
    n.obs["cell"] = pd.Categorical(["x"] * n.n_obs)  # collides with the TSV's "cell" column
    n.write_h5ad(P("names_cells.h5ad"))
    with_missing = n.copy()
    with_missing.obs_names = list(a.obs_names)  # plain ids: only the labels are under test here
    with_missing.obs = with_missing.obs.drop(columns=["cell"])
    with_missing.obs.loc[with_missing.obs_names[5], "cell_type"] = np.nan
    with_missing.write_h5ad(P("names_na.h5ad"))
    g = a.copy()
    genes = list(g.var_names)
    genes[0], genes[1], genes[2], genes[3] = "gene\twith tab", "gene\nnewline", "gene,comma", "gène ✓"
    g.var_names = genes
    g.write_h5ad(P("names_genes.h5ad"))
    ctx.run("encode", P("small.h5ad"), "--vae", P("vae.pt"), "--where", "cell_type=B", "-o", P("lats_B.lat"))
    r = ctx.run("encode", P("names_cells.h5ad"), "--vae", P("vae.pt"), "-o", P("names_cells.lat"))
    ctx.names_lat_ok = r.returncode == 0
    # a two-frame latent stream whose second frame has a NaN (after the writer started)
    data = open(P("lats.lat"), "rb").read()
    h, _ = F.read_stream_header(data)
    rng = np.random.default_rng(0)
    k = 300  # frame one decodes (and is written) before frame two fails
    ids = ["c%d" % i for i in range(k)]
    lab = [[i % 4 for i in range(k)], [i % 2 for i in range(k)]]
    lib = [1000.0] * k
    v1 = rng.standard_normal(k * 32).astype(np.float32)
    v2 = v1[:32 * 10].copy()
    v2[7] = np.nan
    fr = [(k, F.frame(k, F.latent_payload(ids, lab, lib, v1))),
          (10, F.frame(10, F.latent_payload(ids[:10], [l[:10] for l in lab], lib[:10], v2)))]
    with open(P("nan_second_frame.lat"), "wb") as f:
        f.write(F.stream_bytes(h, fr))
    # counts stream with the damage in the last frame, after >1 MiB
    r = ctx.run("simulate", "-n", "3000", "--genes", "100", "-o", P("big.scs"))
    big = open(P("big.scs"), "rb").read()
    with open(P("big_truncated.scs"), "wb") as f:
        f.write(big[:len(big) - 40])
    ctx.run("convert", P("big.scs"), "-o", P("big.h5ad"))
    # TSV label tables for sample --conditions
    tsvs = {
        "cond_unknown.tsv": "cell_type\nB\nAlien\n", "cond_badcol.tsv": "species\nB\n", "cond_empty.tsv": "",
        "cond_header_only.tsv": "cell_type\n", "cond_ragged.tsv": "cell_type\nB\tx\n", "cond_dupcol.tsv": "cell_type\tcell_type\nB\tT\n",
        "cond_crlf.tsv": "cell_type\r\nB\r\nT\r\n", "cond_bom.tsv": "\ufeffcell_type\nB\n", "cond_space.tsv": "cell_type\nB \n",
        "cond_two.tsv": "cell_type\tcondition\nB\tstim\n", "cond_missing_value.tsv": "cell_type\n\nB\n",
        "genes_ok.txt": "Gene00001\nGene00002\n", "genes_unknown.txt": "Gene00001\nNOPE\n", "genes_empty.txt": "",
    }
    for name, text in tsvs.items():
        with open(P(name), "w") as f:
            f.write(text)


# ---------------------------------------------------------------- helpers


def _h5(name, **kw):
    return lambda ctx, d, r: h5ad_check(os.path.join(d, name), **kw) if r["rc"] == 0 else []


def _st(name, n=None):
    return lambda ctx, d, r: stream_check(ctx, os.path.join(d, name), n) if r["rc"] == 0 else []


def _tsv(name, **kw):
    return lambda ctx, d, r: tsv_check(os.path.join(d, name), **kw) if r["rc"] == 0 else []


def _exists(name):
    return lambda ctx, d, r: text_nonempty(os.path.join(d, name)) if r["rc"] == 0 else []


def _json_out(name=None):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        text = open(os.path.join(d, name)).read() if name else r["stdout"].decode(errors="replace")
        return json_check(text, name or "stdout")[0]
    return chk


def _stream_counts_ok(name):
    """A counts stream: convert it to h5ad with the tool and check the values."""
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        q = os.path.join(d, "_check.h5ad")
        rr = ctx.run("convert", os.path.join(d, name), "-o", q)
        if rr.returncode != 0:
            return ["silent: output stream unreadable: " + rr.stderr.decode(errors="replace").strip()[:150]]
        probs = h5ad_check(q)
        os.unlink(q)
        return probs
    return chk


def _library_total(name, lib):
    """Decoded counts must add up to about the library size asked for (NB samples
    around means that sum to it), never wrap or clip."""
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import anndata
        p = os.path.join(d, name)
        if not name.endswith(".h5ad"):
            q = os.path.join(d, "_check.h5ad")
            rr = ctx.run("convert", p, "-o", q)
            if rr.returncode != 0:
                return ["silent: output stream unreadable: " + rr.stderr.decode(errors="replace").strip()[:150]]
            p = q
        probs = h5ad_check(p)
        x = anndata.read_h5ad(p).X
        x = x.toarray() if hasattr(x, "toarray") else np.asarray(x)
        tot = np.median(x.astype(np.float64).sum(1))
        if not (0.5 * lib <= tot <= 2 * lib):
            probs.append("silent: decoded cells total %.3g counts for --library-size %.3g (counts wrapped or clipped)" % (tot, lib))
        return probs
    return chk


def _mtx(prefix, n_cells=40, n_genes=100):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import scipy.io
        probs = []
        m = scipy.io.mmread(os.path.join(d, prefix + ".mtx"))
        if m.shape != (n_cells, n_genes):
            probs.append("silent: mtx shape %s, expected %s" % (m.shape, (n_cells, n_genes)))
        import pandas as pd
        # Quoted fields (names holding tabs or line ends); .cells.tsv has a header.
        gl = pd.read_csv(os.path.join(d, prefix + ".genes.tsv"), sep="\t", header=None, dtype=str, keep_default_na=False)
        if len(gl) != n_genes:
            probs.append("silent: %s.genes.tsv has %d lines for %d genes" % (prefix, len(gl), n_genes))
        cl = pd.read_csv(os.path.join(d, prefix + ".cells.tsv"), sep="\t", dtype=str, keep_default_na=False)
        if len(cl) != n_cells:
            probs.append("silent: %s.cells.tsv has %d rows for %d cells" % (prefix, len(cl), n_cells))
        return probs
    return chk


def _setup_files(**files):
    """files: name -> bytes | ('dir',) | ('link', target) | ('chr', major, minor) | ('ro_dir',)"""
    def setup(ctx, d):
        for name, spec in files.items():
            p = os.path.join(d, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if isinstance(spec, bytes):
                with open(p, "wb") as f:
                    f.write(spec)
            elif spec[0] == "dir":
                os.makedirs(p, exist_ok=True)
                with open(os.path.join(p, "keep"), "w") as f:
                    f.write("keep")
            elif spec[0] == "link":
                os.symlink(spec[1], p)
            elif spec[0] == "chr":
                os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(spec[1], spec[2]))
            elif spec[0] == "fifo":
                os.mkfifo(p)
            elif spec[0] == "ro_dir":
                os.makedirs(p, exist_ok=True)
                subprocess.run(["chattr", "+i", p], check=True)
            elif spec[0] == "copy":
                with open(spec[1], "rb") as src, open(p, "wb") as f:
                    f.write(src.read())
    return setup


PRECIOUS = b"precious bytes that must survive a failed run\n"


# ---------------------------------------------------------------- cases


def cases(ctx):
    P = ctx.p
    S, L, G, VAE, PRIOR, CLF = P("small.h5ad"), P("lats.lat"), P("gen.h5ad"), P("vae.pt"), P("prior.pt"), P("clf.pt")
    out = []

    def add(name, group, sub, argv=None, **kw):
        out.append(Case(name, group, sub, argv, **kw))

    # ---- the base of every command, valid: each must pass
    bases = {
        "fit-vae": (["fit-vae", S, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"], "out.pt"),
        "encode": (["encode", S, "--vae", VAE, "-o", "out.lat"], "out.lat"),
        "decode": (["decode", L, "--vae", VAE, "-o", "out.h5ad"], "out.h5ad"),
        "fit-prior": (["fit-prior", L, "--preset", "tiny", "--max-steps", "1", "--condition", "cell_type", "-q", "-o", "out.pt"], "out.pt"),
        "sample": (["sample", "--prior", PRIOR, "-n", "5", "--steps", "2", "-o", "out.lat"], "out.lat"),
        "eval": (["eval", "--real", S, "--generated", G, "-o", "out.txt"], "out.txt"),
        "classify": (["classify", "--model", CLF, L, "-o", "out.tsv"], "out.tsv"),
        "simulate": (["simulate", "-n", "20", "--genes", "10", "-o", "out.h5ad"], "out.h5ad"),
        "info": (["info", S, "-o", "out.txt"], "out.txt"),
        "convert": (["convert", S, "-o", "out.h5ad"], "out.h5ad"),
        "version": (["version", "-o", "out.txt"], "out.txt"),
    }
    for sub, (argv, o) in bases.items():
        add("base/%s" % sub, "base", sub, argv, expect=(0,), check=_exists(o), quick=True)
        add("help/%s" % sub, "base", sub, [sub, "--help"], expect=(0,),
            check=lambda ctx, d, r: [] if r["stdout_bytes"] > 0 else ["silent: --help printed nothing on stdout"])

    # ---- generic options on every command
    generic = [
        ("seed-not-int", ["--seed", "abc"], (2,)), ("seed-float", ["--seed", "1e3"], (2,)),
        ("seed-overflow", ["--seed", "99999999999999999999999"], (2,)), ("seed-empty", ["--seed", ""], (2,)),
        ("threads-not-int", ["-@", "abc"], (2,)), ("threads-negative", ["-@", "-1"], (2,)),
        ("threads-fraction", ["-@", "1.5"], (2,)), ("threads-huge", ["-@", "100000"], (0, 2)),
        ("device-unknown", ["--device", "gpu"], (2,)), ("device-bad-index", ["--device", "cuda:x"], (2,)),
        ("device-empty", ["--device", ""], (2,)), ("device-cuda-absent", ["--device", "cuda:7"], (1, 2)),
        ("unknown-option", ["--bogus"], (2,)), ("output-missing-value", ["-o"], (2,)), ("output-empty", ["-o", ""], (1, 2)),
        ("output-repeated", ["-o", "other.out"], (2,)), ("seed-repeated", ["--seed", "1", "--seed", "2"], (2,)),
        ("extra-positional", ["surplus-arg"], (2,)), ("long-option-equals", ["--seed=5"], (0, 2)),
        ("quiet-and-verbose", ["-q", "-v"], (0, 2)), ("dash-dash-option-file", ["--", "--help"], (1, 2)),
    ]
    for sub, (argv, o) in bases.items():
        for name, extra, exp in generic:
            if name == "output-missing-value":
                a = [x for x in argv]
                a = a[:a.index("-o")] + a[a.index("-o") + 2:] + ["-o"]
            elif name == "output-empty":
                a = argv[:argv.index("-o")] + argv[argv.index("-o") + 2:] + ["-o", ""]
            else:
                a = argv + extra
            if name == "device-cuda-absent" and sub in ("simulate", "info", "convert", "version"):
                exp = (0, 1, 2)  # these commands use no device
            heavy_pass = name in ("threads-huge", "quiet-and-verbose") and sub in ("fit-vae", "fit-prior", "encode", "decode",
                                                                                    "sample", "eval", "classify")
            add("opt/%s/%s" % (sub, name), "options-generic", sub, a, expect=exp, tier="full" if heavy_pass else None,
                quick=name in ("seed-not-int", "unknown-option") and sub in ("sample", "convert"))

    # ---- options of each command
    def FV(*a, steps=True, data=S):
        return ["fit-vae", data, "--preset", "tiny"] + (["--max-steps", "1"] if steps else []) + ["-q", "-o", "out.pt"] + list(a)
    spec = [
        ("fit-vae", "max-steps-0", FV("--max-steps", "0", "--epochs", "1", steps=False), (2,)),
        ("fit-vae", "max-steps-negative", FV("--max-steps", "-1", steps=False), (2,)),
        ("fit-vae", "epochs-0", FV("--epochs", "0"), (2,)), ("fit-vae", "epochs-negative", FV("--epochs", "-3"), (2,)),
        ("fit-vae", "batch-0", FV("-b", "0"), (2,)), ("fit-vae", "batch-negative", FV("-b", "-5"), (2,)),
        ("fit-vae", "batch-huge", FV("-b", "100000"), (0,)),
        ("fit-vae", "lr-nan", FV("--lr", "nan"), (2,)), ("fit-vae", "lr-inf", FV("--lr", "inf"), (2,)),
        ("fit-vae", "lr-negative", FV("--lr", "-1"), (2,)), ("fit-vae", "lr-overflow", FV("--lr", "1e400"), (2,)),
        ("fit-vae", "lr-junk", FV("--lr", "0.1x"), (2,)),
        ("fit-vae", "val-fraction-1.5", FV("--val-fraction", "1.5"), (2,)), ("fit-vae", "val-fraction-1", FV("--val-fraction", "1"), (1, 2)),
        ("fit-vae", "val-fraction-negative", FV("--val-fraction", "-0.1"), (2,)), ("fit-vae", "val-fraction-nan", FV("--val-fraction", "nan"), (2,)),
        ("fit-vae", "beta-negative", FV("--beta", "-1"), (2,)), ("fit-vae", "beta-nan", FV("--beta", "nan"), (2,)),
        ("fit-vae", "input-unknown", FV("--input", "foo"), (2,)), ("fit-vae", "preset-unknown", FV("--preset", "huge"), (2,)),
        ("fit-vae", "embed-0", FV("--embed-dim", "0"), (2,)), ("fit-vae", "embed-negative", FV("--embed-dim", "-16"), (2,)),
        ("fit-vae", "embed-huge", FV("--embed-dim", "1000000000"), (1, 2)), ("fit-vae", "tokens-0", FV("--latent-tokens", "0"), (2,)),
        ("fit-vae", "latent-dim-0", FV("--latent-dim", "0"), (2,)), ("fit-vae", "heads-0", FV("--heads", "0"), (2,)),
        ("fit-vae", "heads-not-dividing", FV("--heads", "3"), (1, 2)), ("fit-vae", "cross-heads-0", FV("--cross-heads", "0"), (2,)),
        ("fit-vae", "blocks-negative", FV("--blocks", "-1"), (2,)), ("fit-vae", "max-genes-0", FV("--max-genes", "0"), (2,)),
        ("fit-vae", "max-genes-negative", FV("--max-genes", "-1"), (2,)),
        ("fit-vae", "checkpoint-every-0", FV("--checkpoint-every", "0"), (0,)),  # 0: never (the default)
        ("fit-vae", "checkpoint-every-negative", FV("--checkpoint-every", "-1"), (2,)),
        ("fit-vae", "log-missing-dir", FV("--log", "nodir/log.tsv"), (1,)),
        ("fit-vae", "log-is-output", FV("--log", "out.pt"), (1, 2)),
        ("fit-vae", "where-unknown-value", FV("--where", "cell_type=Nope"), (1,)),
        ("fit-vae", "where-unknown-key", FV("--where", "species=B"), (1,)),
        ("fit-vae", "where-no-equals", FV("--where", "cell_type"), (2,)), ("fit-vae", "where-empty-key", FV("--where", "=B"), (2,)),
        ("fit-vae", "where-two-keys", FV("--where", "cell_type=B", "--where", "condition=stim"), (0,)),
        ("fit-vae", "preset-and-size", FV("--preset", "tiny", "--embed-dim", "8"), (0, 2)),
    ]
    for sub, name, argv, exp in spec:
        add("opt/%s/%s" % (sub, name), "options", sub, argv, expect=exp,
            check=_whole_checkpoints(["out.pt"]) if name == "log-is-output" else None,
            quick=name in ("lr-nan", "where-unknown-value", "embed-huge"),
            note="--embed-dim 1e9 must be refused before allocating" if name == "embed-huge" else "")

    def EN(*a, o="out.lat"):
        return ["encode", S, "--vae", VAE, "-o", o] + list(a)
    add("opt/encode/labels-unknown", "options", "encode", EN("--labels", "species"), expect=(1, 2))
    add("opt/encode/labels-empty", "options", "encode", EN("--labels", ""), expect=(0, 1, 2))
    add("opt/encode/labels-duplicate", "options", "encode", EN("--labels", "cell_type,cell_type"), expect=(0, 1, 2),
        check=_no_dup_labels("out.lat"))
    add("opt/encode/batch-0", "options", "encode", EN("-b", "0"), expect=(2,))
    add("opt/encode/where-unknown-value", "options", "encode", EN("--where", "cell_type=Nope"), expect=(1,), quick=True)
    add("opt/encode/where-unknown-key", "options", "encode", EN("--where", "species=B"), expect=(1,))
    add("opt/encode/h5ad-output", "options", "encode", EN(o="out.h5ad"), expect=(0,), check=_h5("out.h5ad", obsm="X_scldm", n_obs=40))
    add("opt/encode/allow-non-integer-on-nan", "options", "encode",
        ["encode", P("h5/nan_count.h5ad"), "--allow-non-integer", "--vae", VAE, "-o", "out.lat"], expect=(1,))
    add("opt/encode/allow-non-integer", "options", "encode",
        ["encode", P("h5/non_integer_count.h5ad"), "--allow-non-integer", "--vae", VAE, "-o", "out.lat"], expect=(0,))

    def DE(*a, o="out.h5ad"):
        return ["decode", L, "--vae", VAE, "-o", o] + list(a)
    for val, exp in (("0", (0, 2)), ("-1", (2,)), ("nan", (2,)), ("inf", (2,)), ("abc", (2,)), ("1e12", (0, 1, 2)), ("1e30", (0, 1, 2)),
                     ("1e300", (0, 1, 2))):
        add("opt/decode/library-size-%s" % val, "options", "decode", DE("--library-size", val), expect=exp,
            check=_library_total("out.h5ad", float(val)) if val in ("1e12", "1e30", "1e300") else _h5("out.h5ad"),
            quick=val in ("1e30", "1e12"),
            note="huge library sizes must give exact counts or an error, never clipped / non-finite values")
        if val in ("1e12", "1e30"):
            add("opt/decode/library-size-%s-stream" % val, "options", "decode", DE("--library-size", val, o="out.scs"),
                expect=(0, 1, 2), check=_library_total("out.scs", float(val)), quick=val == "1e12",
                note="a uint32 stream cannot hold these counts: refuse rather than clip")
            add("opt/decode/library-size-%s-mean" % val, "options", "decode", DE("--library-size", val, "--mean"),
                expect=(0, 1, 2), check=_h5("out.h5ad", counts=False))
    add("opt/decode/mean-to-stream", "options", "decode", DE("--mean", o="out.scs"), expect=(1, 2))
    add("opt/decode/mean-to-mtx", "options", "decode", DE("--mean", o="out.mtx"), expect=(1, 2))
    add("opt/decode/mean-h5ad", "options", "decode", DE("--mean"), expect=(0,), check=_h5("out.h5ad", counts=False))
    add("opt/decode/mean-tsv", "options", "decode", DE("--mean", o="out.tsv"), expect=(0,),
        check=_tsv("out.tsv", n_rows=40))
    add("opt/decode/library-1e300-mean", "options", "decode", DE("--mean", "--library-size", "1e300"), expect=(0, 1, 2),
        check=_h5("out.h5ad", counts=False), quick=True, note="float32 output overflows")
    add("opt/decode/genes-two", "options", "decode", DE("--genes", "Gene00001,Gene00002"), expect=(0,), check=_h5("out.h5ad", n_vars=2))
    add("opt/decode/genes-unknown", "options", "decode", DE("--genes", "NOPE"), expect=(1,), quick=True)
    add("opt/decode/genes-some-unknown", "options", "decode", DE("--genes", "Gene00001,NOPE"), expect=(1,))
    add("opt/decode/genes-empty", "options", "decode", DE("--genes", ""), expect=(1, 2))
    add("opt/decode/genes-duplicate", "options", "decode", DE("--genes", "Gene00001,Gene00001"), expect=(1, 2),
        check=_h5("out.h5ad", n_vars=1), note="duplicate gene names in the output")
    add("opt/decode/genes-file", "options", "decode", DE("--genes", P("genes_ok.txt")), expect=(0,), check=_h5("out.h5ad", n_vars=2))
    add("opt/decode/genes-file-unknown", "options", "decode", DE("--genes", P("genes_unknown.txt")), expect=(1,))
    add("opt/decode/genes-file-empty", "options", "decode", DE("--genes", P("genes_empty.txt")), expect=(1, 2))
    add("opt/decode/genes-directory", "options", "decode", DE("--genes", P("adir.h5ad")), expect=(1, 2))
    add("opt/decode/mtx", "options", "decode", DE(o="out.mtx"), expect=(0,), check=_mtx("out"))
    add("opt/decode/tsv", "options", "decode", DE(o="out.tsv"), expect=(0,), check=_tsv("out.tsv", n_rows=40))
    add("opt/decode/batch-0", "options", "decode", DE("-b", "0"), expect=(2,))

    def FP(*a, data=L, cond=True):
        return ["fit-prior", data, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"] + \
            (["--condition", "cell_type"] if cond else []) + list(a)
    for name, argv, exp in (
            ("condition-unknown", FP("--condition", "species", cond=False), (1, 2)),
            ("condition-empty", FP("--condition", "", cond=False), (1, 2)),
            ("condition-repeated", FP("--condition", "cell_type"), (1, 2)),
            ("condition-with-value", FP("--condition", "cell_type=B", cond=False), (1, 2)),
            ("strategy-unknown", FP("--strategy", "foo"), (2,)),
            ("cfg-dropout-1.5", FP("--cfg-dropout", "1.5"), (2,)), ("cfg-dropout-negative", FP("--cfg-dropout", "-0.1"), (2,)),
            ("cfg-dropout-nan", FP("--cfg-dropout", "nan"), (2,)),
            ("ema-decay-1.5", FP("--ema-decay", "1.5"), (2,)), ("ema-decay-negative", FP("--ema-decay", "-1"), (2,)),
            ("ema-decay-nan", FP("--ema-decay", "nan"), (2,)),
            ("width-0", FP("--width", "0"), (2,)), ("width-not-dividing", FP("--width", "33"), (1, 2)),
            ("heads-0", FP("--heads", "0"), (2,)), ("val-fraction-1", FP("--val-fraction", "1"), (1, 2)),
            ("where-unknown-value", FP("--where", "cell_type=Nope"), (1, 2)),
            ("h5ad-without-vae", FP(data=S), (1, 2)),
            ("h5ad-with-vae", FP("--vae", VAE, data=S), (0,)),
            ("lr-nan", FP("--lr", "nan"), (2,)),
    ):
        add("opt/fit-prior/%s" % name, "options", "fit-prior", argv, expect=exp,
            quick=name in ("condition-unknown", "cfg-dropout-nan"))

    def SA(*a, n=True, prior=PRIOR):
        return ["sample", "--prior", prior, "--steps", "2", "-o", "out.lat"] + (["-n", "5"] if n else []) + list(a)
    for name, argv, exp, chk, q in (
            ("n-0", SA("-n", "0", n=False), (0, 2), _st("out.lat", 0), False),
            ("n-negative", SA("-n", "-1", n=False), (2,), None, False),
            ("n-float", SA("-n", "1e3", n=False), (2,), None, False),
            ("n-overflow", SA("-n", "99999999999999999999", n=False), (2,), None, False),
            ("steps-0", SA("--steps", "0"), (2,), None, False),
            ("steps-negative", SA("--steps", "-1"), (2,), None, False),
            ("solver-unknown", SA("--solver", "rk4"), (2,), None, False),
            ("solver-euler", SA("--solver", "euler"), (0,), _st("out.lat", 5), False),
            ("solver-dopri5", SA("--solver", "dopri5", "--atol", "1e-2", "--rtol", "1e-2"), (0,), _st("out.lat", 5), False),
            ("atol-0-dopri5", SA("--solver", "dopri5", "--atol", "0", "--rtol", "0"), (0, 1, 2), _st("out.lat", 5), False),
            ("atol-negative", SA("--solver", "dopri5", "--atol", "-1"), (2,), None, False),
            ("rtol-nan", SA("--solver", "dopri5", "--rtol", "nan"), (2,), None, False),
            ("cfg-nan", SA("--cfg", "nan"), (2,), None, True),
            ("cfg-inf", SA("--cfg", "inf"), (2,), None, False),
            ("cfg-1e30", SA("--cfg", "1e30", "--condition", "cell_type=B"), (0, 1, 2), _st("out.lat", 5), True),
            ("cfg-minus-1e30", SA("--cfg", "-1e30", "--condition", "cell_type=B"), (0, 1, 2), _st("out.lat", 5), False),
            ("cfg-1e38-per-key", SA("--cfg", "cell_type=1e38", "--condition", "cell_type=B"), (0, 1, 2), _st("out.lat", 5), False),
            ("cfg-unknown-key", SA("--cfg", "species=2"), (1, 2), None, False),
            ("cfg-bad-number", SA("--cfg", "cell_type=abc"), (2,), None, False),
            ("cfg-empty-key", SA("--cfg", "=2"), (2,), None, False),
            ("cfg-repeated-overall", SA("--cfg", "2", "--cfg", "3"), (1, 2), None, False),
            ("condition-unknown-value", SA("--condition", "cell_type=Nope"), (1, 2), None, True),
            ("condition-unknown-key", SA("--condition", "species=B"), (1, 2), None, False),
            ("condition-no-value", SA("--condition", "cell_type"), (2,), None, False),
            ("condition-empty-value", SA("--condition", "cell_type="), (1, 2), None, False),
            ("condition-conflicting", SA("--condition", "cell_type=B", "--condition", "cell_type=T"), (1, 2), None, False),
            ("condition-not-in-prior", SA("--condition", "condition=stim"), (1, 2), None, False),
            ("condition-on-unconditional-prior", SA("--condition", "cell_type=B", prior=P("prior_ld4.pt")), (1, 2), None, False),
            ("strategy-unknown", SA("--strategy", "foo"), (2,), None, False),
            ("like-unknown-labels", SA("--like", P("unknown_labels.h5ad"), n=False), (1,), None, True),
            ("like-without-label", SA("--like", P("no_celltype.h5ad"), n=False), (0, 1), _st("out.lat", 40), False),
            ("like-and-conditions", SA("--like", S, "--conditions", P("cond.tsv"), n=False), (1, 2), None, False),
            ("like-and-n", SA("--like", S, n=True), (0, 1, 2), None, False),
            ("like-missing-file", SA("--like", P("nope.h5ad"), n=False), (1,), None, False),
            ("like-stream", SA("--like", L, n=False), (0, 1), _st("out.lat", 40), False),
            ("conditions-valid", SA("--conditions", P("cond.tsv"), n=False), (0,), _st("out.lat", 3), False),
            ("conditions-unknown-value", SA("--conditions", P("cond_unknown.tsv"), n=False), (1,), None, True),
            ("conditions-unknown-column", SA("--conditions", P("cond_badcol.tsv"), n=False), (1,), None, False),
            ("conditions-empty-file", SA("--conditions", P("cond_empty.tsv"), n=False), (1,), None, False),
            ("conditions-header-only", SA("--conditions", P("cond_header_only.tsv"), n=False), (0, 1), _st("out.lat", 0), False),
            ("conditions-ragged", SA("--conditions", P("cond_ragged.tsv"), n=False), (1,), None, False),
            ("conditions-duplicate-column", SA("--conditions", P("cond_dupcol.tsv"), n=False), (1,), None, False),
            ("conditions-crlf", SA("--conditions", P("cond_crlf.tsv"), n=False), (0, 1), _labels_clean("out.lat"), False),
            ("conditions-bom", SA("--conditions", P("cond_bom.tsv"), n=False), (0, 1), _st("out.lat", 1), False),
            ("conditions-trailing-space", SA("--conditions", P("cond_space.tsv"), n=False), (1,), None, False),
            ("conditions-column-not-in-prior", SA("--conditions", P("cond_two.tsv"), n=False), (1,), None, False),
            ("conditions-empty-value", SA("--conditions", P("cond_missing_value.tsv"), n=False), (0, 1), _st("out.lat"), False),
            ("conditions-directory", SA("--conditions", P("adir.h5ad"), n=False), (1,), None, False),
            ("batch-0", SA("-b", "0"), (2,), None, False),
    ):
        add("opt/sample/%s" % name, "options", "sample", argv, expect=exp, check=chk, quick=q)

    def EV(*a, real=S, gen=G, o="out.json"):
        return ["eval", "--real", real, "--generated", gen, "--json", "-o", o] + list(a)
    for name, argv, exp in (
            ("hvg-0", EV("--hvg", "0"), (2,)), ("hvg-negative", EV("--hvg", "-1"), (2,)), ("hvg-huge", EV("--hvg", "100000"), (0, 2)),
            ("components-0", EV("--components", "0"), (2,)), ("components-huge", EV("--components", "1000"), (0, 1, 2)),
            ("max-cells-0", EV("--max-cells", "0"), (2,)), ("max-cells-1", EV("--max-cells", "1"), (0, 1, 2)),
            ("knn-0", EV("--knn", "0"), (2,)), ("knn-huge", EV("--knn", "1000"), (0, 1, 2)),
            ("w2-unknown", EV("--w2", "foo"), (2,)), ("w2-sinkhorn", EV("--w2", "sinkhorn"), (0,)),
            ("by-unknown", EV("--by", "species"), (1, 2)), ("by-cell-type", EV("--by", "cell_type"), (0, 1)),
            ("one-cell-each", EV(real=P("one.h5ad"), gen=P("one.h5ad")), (0, 1)),
            ("one-real-cell", EV(real=P("one.h5ad")), (0, 1)),
            ("one-generated-cell", EV(gen=P("one.h5ad")), (0, 1)),
            ("two-cells-each", EV(real=P("two.h5ad"), gen=P("two.h5ad")), (0, 1)),
            ("same-file", EV(gen=S), (0,)),
            ("other-genes", EV(real=P("sim80.h5ad")), (0, 1)),
            ("real-and-generated-stdin", ["eval", "--real", "-", "--generated", "-", "-o", "o.txt"], (1, 2)),
            ("missing-real", ["eval", "--generated", G, "-o", "o.txt"], (2,)),
            ("missing-generated", ["eval", "--real", S, "-o", "o.txt"], (2,)),
            ("generated-where-unknown", EV("--where", "cell_type=Nope"), (1,)),
    ):
        add("opt/eval/%s" % name, "options", "eval", argv, expect=exp, check=_json_out("out.json"),
            quick=name in ("one-cell-each", "hvg-0"))
    add("opt/eval/plot-missing-dir", "options", "eval", EV("--plot", "nodir/p.svg"), expect=(1,), quick=True,
        note="neither the report nor the plot may appear")
    add("opt/eval/plot-directory", "options", "eval", EV("--plot", "pdir"), expect=(1,), setup=_setup_files(pdir=("dir",)))
    add("opt/eval/plot-svg", "options", "eval", EV("--plot", "p.svg"), expect=(0,), check=_svg_ok("p.svg"))
    add("opt/eval/plot-same-as-output", "options", "eval", EV("--plot", "out.json"), expect=(1, 2))

    def CT(*a, label=True):
        return ["classify", "--train", L] + (["--label", "cell_type"] if label else []) + ["-q", "-o", "out.pt"] + list(a)
    for name, argv, exp in (
            ("train-no-label", CT(label=False), (2,)), ("train-label-unknown", CT("--label", "species", label=False), (1, 2)),
            ("train-label-numeric", ["classify", "--train", S, "--vae", VAE, "--label", "library_size", "-o", "out.pt"], (1, 2)),
            ("train-test-fraction-0", CT("--test-fraction", "0"), (0, 2)), ("train-test-fraction-1", CT("--test-fraction", "1"), (1, 2)),
            ("train-test-fraction-1.5", CT("--test-fraction", "1.5"), (2,)), ("train-test-fraction-nan", CT("--test-fraction", "nan"), (2,)),
            ("train-model-unknown", CT("--model", "forest"), (2,)), ("train-mlp", CT("--model", "mlp", "--test-fraction", "0.5"), (0,)),
            ("train-and-apply-model", CT("--model", CLF), (1, 2)),
            ("train-one-cell", ["classify", "--train", P("one.h5ad"), "--vae", VAE, "--label", "cell_type", "-o", "out.pt"], (1,)),
            ("train-one-class", ["classify", "--train", P("lats_B.lat"), "--label", "cell_type", "-o", "out.pt"], (1,)),
            ("train-counts-with-vae", ["classify", "--train", S, "--vae", VAE, "--label", "cell_type", "-q", "-o", "out.pt"], (0,)),
            ("train-counts-without-vae", ["classify", "--train", S, "--label", "cell_type", "-o", "out.pt"], (1, 2)),
            ("apply-no-data", ["classify", "--model", CLF, "-o", "out.tsv"], (1, 2)),
            ("apply-neither-train-nor-model", ["classify", L, "-o", "out.tsv"], (1, 2)),
            ("apply-unknown-labels", ["classify", "--model", CLF, P("unknown_labels.h5ad"), "--vae", VAE, "-o", "out.tsv"], (0,)),
    ):
        chk = _tsv("out.tsv", n_rows=40) if name == "apply-unknown-labels" else None
        add("opt/classify/%s" % name, "options", "classify", argv, expect=exp, check=chk, quick=name == "train-label-unknown")
    add("opt/classify/apply-predictions", "options", "classify", ["classify", "--model", CLF, L, "-o", "out.tsv"], expect=(0,),
        check=_pred_ok("out.tsv", 40, ["B", "T", "NK", "Mono"]))

    def SI(*a, n=True, g=True, o="out.h5ad"):
        return ["simulate", "-o", o] + (["-n", "20"] if n else []) + (["--genes", "10"] if g else []) + list(a)
    for name, argv, exp, chk in (
            ("n-0", SI("-n", "0", n=False), (0, 2), _h5("out.h5ad", n_obs=0)),
            ("n-negative", SI("-n", "-1", n=False), (2,), None), ("n-float", SI("-n", "1e3", n=False), (2,), None),
            ("genes-0", SI("--genes", "0", g=False), (2,), None), ("genes-1", SI("--genes", "1", g=False), (0,), _h5("out.h5ad", n_vars=1)),
            ("cell-types-duplicate", SI("--cell-types", "A,A"), (1, 2), None),
            ("cell-types-empty", SI("--cell-types", ""), (2,), None), ("cell-types-empty-name", SI("--cell-types", "A,,B"), (2,), None),
            ("cell-types-comma", SI("--cell-types", ","), (2,), None), ("cell-types-one", SI("--cell-types", "A"), (0,), _h5("out.h5ad")),
            ("cell-types-many", SI("--cell-types", ",".join("t%d" % i for i in range(300))), (0,), _h5("out.h5ad")),
            ("cell-types-with-equals", SI("--cell-types", "a=b,c"), (0, 2), _h5("out.h5ad")),
            ("conditions-duplicate", SI("--conditions", "ctrl,ctrl"), (1, 2), None),
            ("conditions-three", SI("--conditions", "a,b,c"), (2,), None), ("conditions-empty", SI("--conditions", ""), (2,), None),
            ("conditions-one", SI("--conditions", "ctrl"), (0,), _h5("out.h5ad")),
            ("library-0", SI("--library-size", "0"), (0, 2), _h5("out.h5ad")), ("library-negative", SI("--library-size", "-1"), (2,), None),
            ("library-nan", SI("--library-size", "nan"), (2,), None), ("library-inf", SI("--library-size", "inf"), (2,), None),
            ("library-1e12", SI("--library-size", "1e12"), (0, 1, 2), _h5("out.h5ad")),
            ("library-1e12-stream", SI("--library-size", "1e12", o="out.scs"), (0, 1, 2), _stream_counts_ok("out.scs")),
            ("library-1e30", SI("--library-size", "1e30"), (0, 1, 2), _h5("out.h5ad")),
            ("type-de-2", SI("--type-de", "2"), (2,), None), ("type-de-negative", SI("--type-de", "-0.5"), (2,), None),
            ("type-de-nan", SI("--type-de", "nan"), (2,), None), ("stim-de-1.5", SI("--stim-de", "1.5"), (2,), None),
            ("bcv-negative", SI("--bcv", "-1"), (2,), None), ("bcv-nan", SI("--bcv", "nan"), (2,), None),
            ("bcv-huge", SI("--bcv", "1e10"), (0, 1, 2), _h5("out.h5ad")),
            ("mtx", SI(o="out.mtx"), (0,), _mtx("out", 20, 10)), ("tsv", SI(o="out.tsv"), (0,), _tsv("out.tsv", n_rows=20)),
            ("unknown-extension", SI(o="out.xyz"), (0,), _st("out.xyz", 20)),
    ):
        add("opt/simulate/%s" % name, "options", "simulate", argv, expect=exp, check=chk,
            quick=name in ("cell-types-duplicate", "library-1e12", "library-1e12-stream"))

    def CV(*a, o="out.h5ad", src=S):
        return ["convert", src, "-o", o] + list(a)
    n_b = int((ctx.small_obs["cell_type"].astype(str) == "B").sum())
    for name, argv, exp, chk in (
            ("format-unknown", CV("-O", "foo"), (2,), None),
            ("mtx-to-stdout", CV("-O", "mtx", o="-"), (0,), None),  # the matrix alone, with a warning
            ("h5ad-to-stdout", ["convert", S, "-O", "h5ad", "-o", "-"], (0, 1, 2), None),
            ("level-99", CV("--level", "99", o="out.scs"), (2,), None),
            ("level-very-negative", CV("--level", "-1000000", o="out.scs"), (0, 2), _st("out.scs", 40)),
            ("subsample-0", CV("--subsample", "0"), (0, 1, 2), _h5("out.h5ad", n_obs=0)),
            ("subsample-1.5", CV("--subsample", "1.5"), (2,), None), ("subsample-negative", CV("--subsample", "-0.1"), (2,), None),
            ("subsample-nan", CV("--subsample", "nan"), (2,), None),
            ("rest-without-subsample", CV("--rest"), (2,), None),
            ("positional-and-o", ["convert", S, "a.h5ad", "-o", "b.h5ad"], (2,), None),
            ("three-positionals", ["convert", S, "a.h5ad", "b.h5ad"], (2,), None),
            ("positional-out", ["convert", S, "pos.h5ad"], (0,), _h5("pos.h5ad", n_obs=40)),
            ("where-unknown-value", CV("--where", "cell_type=Nope"), (1,), None),
            ("where-unknown-key", CV("--where", "species=B"), (1,), None),
            ("where-known", CV("--where", "cell_type=B"), (0,), _h5("out.h5ad", n_obs=n_b)),
            ("where-value-with-equals", CV("--where", "cell_type=B=C"), (1,), None),
            ("tsv", CV(o="out.tsv"), (0,), _tsv("out.tsv", n_rows=40)),
            ("mtx", CV(o="out.mtx"), (0,), _mtx("out")),
            ("latent-to-mtx", CV(o="out.mtx", src=L), (1, 2), None),
            ("latent-to-h5ad", CV(o="out.h5ad", src=L), (0, 1, 2), _h5("out.h5ad", counts=False)),
            ("stream-named-h5ad", CV("-O", "stream"), (0, 1, 2), None),
            ("checkpoint-input", CV(src=VAE), (1,), None),
    ):
        add("opt/convert/%s" % name, "options", "convert", argv, expect=exp, check=chk,
            quick=name in ("where-unknown-value", "positional-and-o", "mtx"))
    add("opt/info/json-all-fixtures", "options", "info",
        None, shell='for f in small.h5ad lats.lat counts.scs vae.pt prior.pt clf.pt; do "$S" info --json "$FX/$f" > "$D/$f.json" || exit 1; done',
        expect=(0,), check=_all_json(["small.h5ad", "lats.lat", "counts.scs", "vae.pt", "prior.pt", "clf.pt"]))
    add("opt/info/where-unknown-value", "options", "info", ["info", S, "--where", "cell_type=Nope"], expect=(1,), quick=True)
    add("opt/info/two-files", "options", "info", ["info", S, L], expect=(2,))
    add("opt/version/extra-arg", "options", "version", ["version", "extra"], expect=(2,))
    add("opt/top/unknown-command", "options", None, ["frobnicate"], expect=(2,), quick=True)
    add("opt/top/empty-command", "options", None, [""], expect=(2,))

    # ---- output targets
    targets = {
        "convert": (lambda o, bad=False: ["convert", P("h5/nan_count.h5ad") if bad else S, "-o", o], ".h5ad"),
        "convert-stream": (lambda o, bad=False: ["convert", P("h5/nan_count.h5ad") if bad else S, "-O", "stream", "-o", o], ".scs"),
        "simulate": (lambda o, bad=False: ["simulate", "-n", "20", "--genes", "10"] + (["--bcv", "-1"] if bad else []) + ["-o", o], ".h5ad"),
        "encode": (lambda o, bad=False: ["encode", P("h5/nan_count.h5ad") if bad else S, "--vae", VAE, "-o", o], ".lat"),
        "decode": (lambda o, bad=False: ["decode", P("streams/lat_value_nan.lat") if bad else L, "--vae", VAE, "-o", o], ".h5ad"),
        "sample": (lambda o, bad=False: ["sample", "--prior", PRIOR, "-n", "5", "--steps", "2"] +
                   (["--condition", "cell_type=Nope"] if bad else []) + ["-o", o], ".lat"),
        "fit-vae": (lambda o, bad=False: ["fit-vae", P("h5/nan_count.h5ad") if bad else S, "--preset", "tiny", "--max-steps", "1", "-q", "-o", o], ".pt"),
        "fit-prior": (lambda o, bad=False: ["fit-prior", P("streams/lat_value_nan.lat") if bad else L, "--preset", "tiny",
                                            "--max-steps", "1", "-q", "-o", o], ".pt"),
        "classify": (lambda o, bad=False: ["classify", "--model", CLF, P("streams/lat_value_nan.lat") if bad else L, "-o", o], ".tsv"),
        "eval": (lambda o, bad=False: ["eval", "--real", S, "--generated", P("h5/nan_count.h5ad") if bad else G, "-o", o], ".txt"),
        "info": (lambda o, bad=False: ["info", P("nope.h5ad") if bad else S, "-o", o], ".txt"),
        "version": (lambda o, bad=False: ["version"] + (["--bogus"] if bad else []) + ["-o", o], ".txt"),
    }
    model_cmds = {"encode", "decode", "sample", "fit-vae", "fit-prior", "classify", "eval"}
    for cmd, (mk, ext) in targets.items():
        sub = cmd.split("-stream")[0]
        g = "outputs"
        o = "out" + ext
        heavy = cmd in model_cmds
        add("out/%s/missing-dir" % cmd, g, sub, mk("nodir/" + o), expect=(1,), quick=cmd in ("convert", "encode"))
        hv = "full" if heavy else None
        add("out/%s/read-only-dir" % cmd, g, sub, mk("ro/" + o), expect=(1,), setup=_setup_files(ro=("ro_dir",)), tier=hv)
        add("out/%s/target-is-directory" % cmd, g, sub, mk(o), expect=(1,), setup=_setup_files(**{o: ("dir",)}),
            quick=cmd == "fit-vae")
        add("out/%s/existing-target-survives-error" % cmd, g, sub, mk(o, bad=True), expect=(1, 2),
            setup=_setup_files(**{o: PRECIOUS}), quick=cmd in ("convert", "decode"))
        add("out/%s/parent-is-file" % cmd, g, sub, mk("afile/" + o), expect=(1,), setup=_setup_files(afile=b"x"), tier=hv)
        add("out/%s/trailing-slash" % cmd, g, sub, mk(o + "/"), expect=(1, 2), tier=hv)
        add("out/%s/own-full-device" % cmd, g, sub, mk("fulldev"), expect=(1,), setup=_setup_files(fulldev=("chr", 1, 7)),
            devices=["{d}/fulldev"], quick=cmd in ("convert", "sample"),
            tier=None if cmd in ("convert", "sample", "classify", "version", "info", "simulate") else "full",
            note="-o onto a character device must write to it (here: ENOSPC), never replace the node")
        add("out/%s/own-null-device" % cmd, g, sub, mk("nulldev"), expect=(0,), setup=_setup_files(nulldev=("chr", 1, 3)),
            devices=["{d}/nulldev"], quick=cmd in ("convert", "encode", "fit-vae"),
            tier=None if cmd in ("convert", "encode", "fit-vae", "decode", "version", "info", "simulate") else "full",
            note="as root, -o /dev/null must not replace /dev/null with a regular file")
        add("out/%s/stdout-full" % cmd, g, sub, None, shell='"$S" %s > "$D/fulldev"' % " ".join(_sh(a) for a in mk("-")),
            expect=(1, 2) if cmd in ("fit-vae", "fit-prior") else (1,), setup=_setup_files(fulldev=("chr", 1, 7)),
            devices=["{d}/fulldev"], quick=cmd in ("sample", "version"))
        add("out/%s/stdout-closed" % cmd, g, sub, None, shell='"$S" %s >&-' % " ".join(_sh(a) for a in mk("-")),
            expect=(1, 2) if cmd in ("fit-vae", "fit-prior") else (1,), tier=hv)
        add("out/%s/symlink-to-file" % cmd, g, sub, mk("link" + ext), expect=(0,),
            setup=_setup_files(**{"target" + ext: PRECIOUS, "link" + ext: ("link", "target" + ext)}),
            check=_through_link("link" + ext, "target" + ext), may_change=set(), outputs_ok=False,
            quick=cmd == "convert")
        add("out/%s/symlink-survives-error" % cmd, g, sub, mk("link" + ext, bad=True), expect=(1, 2),
            setup=_setup_files(**{"target" + ext: PRECIOUS, "link" + ext: ("link", "target" + ext)}), tier=hv)
        add("out/%s/dangling-symlink" % cmd, g, sub, mk("dangling" + ext), expect=(0, 1),
            setup=_setup_files(**{"dangling" + ext: ("link", "nowhere/x" + ext)}), tier=hv)
        add("out/%s/long-name" % cmd, g, sub, mk("n" * (250 - len(ext)) + ext), expect=(0,),
            note="a 250-byte name is valid; the hidden temporary name must not push it past NAME_MAX",
            quick=cmd == "convert", tier=hv if cmd != "encode" else None)
        if not heavy:
            add("out/%s/name-too-long" % cmd, g, sub, mk("n" * 300 + ext), expect=(1,))
    # multi-file outputs
    add("out/fit-vae/last-is-directory", "outputs", "fit-vae",
        ["fit-vae", S, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"], expect=(1,),
        setup=_setup_files(**{"out.last.pt": ("dir",)}), quick=True, note="best and last checkpoints appear together or not at all")
    add("out/fit-prior/last-is-directory", "outputs", "fit-prior",
        ["fit-prior", L, "--preset", "tiny", "--max-steps", "1", "-q", "-o", "out.pt"], expect=(1,),
        setup=_setup_files(**{"out.last.pt": ("dir",)}))
    add("out/convert/mtx-genes-is-directory", "outputs", "convert", ["convert", S, "-o", "out.mtx"], expect=(1,),
        setup=_setup_files(**{"out.genes.tsv": ("dir",)}), quick=True, note="PREFIX.mtx and its .tsv files appear together")
    add("out/convert/mtx-existing-survive-error", "outputs", "convert", ["convert", P("h5/nan_count.h5ad"), "-o", "out.mtx"],
        expect=(1,), setup=_setup_files(**{"out.mtx": PRECIOUS, "out.genes.tsv": PRECIOUS, "out.cells.tsv": PRECIOUS}))
    add("out/decode/mtx-cells-is-directory", "outputs", "decode", ["decode", L, "--vae", VAE, "-o", "out.mtx"], expect=(1,),
        setup=_setup_files(**{"out.cells.tsv": ("dir",)}))
    add("out/eval/plot-fails-report-absent", "outputs", "eval",
        ["eval", "--real", S, "--generated", G, "--plot", "pdir/x/p.svg", "-o", "out.txt"], expect=(1,))
    add("out/fit-vae/log-survives-error", "outputs", "fit-vae",
        ["fit-vae", P("h5/nan_count.h5ad"), "--preset", "tiny", "--max-steps", "1", "--log", "log.tsv", "-o", "out.pt"],
        expect=(1,), setup=_setup_files(**{"log.tsv": PRECIOUS}))
    # the output is the input
    add("out/convert/in-place", "outputs", "convert", ["convert", "in.h5ad", "-o", "in.h5ad"], expect=(0, 1),
        setup=_setup_files(**{"in.h5ad": ("copy", S)}), outputs_ok=True, may_change=set(),
        check=_still_valid_h5("in.h5ad", 40), quick=True)
    add("out/convert/in-place-stream", "outputs", "convert", ["convert", "in.scs", "-o", "in.scs"], expect=(0, 1),
        setup=_setup_files(**{"in.scs": ("copy", P("counts.scs"))}), check=_still_valid_stream("in.scs", 40))
    add("out/encode/over-its-vae", "outputs", "encode", ["encode", S, "--vae", "v.pt", "-o", "v.pt"], expect=(0, 1),
        setup=_setup_files(**{"v.pt": ("copy", VAE)}), note="-o names the model being read")
    add("out/fit-vae/over-its-data", "outputs", "fit-vae", ["fit-vae", "d.h5ad", "--preset", "tiny", "--max-steps", "1", "-q", "-o", "d.h5ad"],
        expect=(0, 1), setup=_setup_files(**{"d.h5ad": ("copy", S)}))
    add("out/default-output-fit-vae", "outputs", "fit-vae", ["fit-vae", S, "--preset", "tiny", "--max-steps", "1", "-q"],
        expect=(0,), check=_exists("vae.pt"))

    # ---- standard input, pipes, FIFOs, devices as input
    g = "stdin"
    for sub, argv in (("info", ["info", "-"]), ("convert", ["convert", "-", "-o", "out.h5ad"]),
                      ("decode", ["decode", "--vae", VAE, "-o", "out.h5ad"]), ("encode", ["encode", "-", "--vae", VAE, "-o", "out.lat"]),
                      ("fit-prior", ["fit-prior", "-", "--preset", "tiny", "--max-steps", "1", "-o", "out.pt"]),
                      ("classify", ["classify", "--model", CLF, "-", "-o", "out.tsv"]),
                      ("fit-vae", ["fit-vae", "-", "--preset", "tiny", "--max-steps", "1", "-o", "out.pt"]),
                      ("eval", ["eval", "--real", S, "--generated", "-", "-o", "out.txt"])):
        add("stdin/%s/empty" % sub, g, sub, argv, stdin=b"", expect=(1,), quick=sub in ("info", "decode"))
        add("stdin/%s/garbage" % sub, g, sub, argv, stdin=bytes(range(256)) * 20, expect=(1,))
        add("stdin/%s/h5ad-on-pipe" % sub, g, sub, argv, stdin=lambda ctx: open(ctx.p("small.h5ad"), "rb").read(),
            expect=(0, 1) if sub in ("info", "convert", "encode", "fit-vae", "eval", "classify") else (1, 2))
        half = "counts.scs" if sub in ("convert", "encode", "fit-vae", "eval") else "lats.lat"
        add("stdin/%s/half-stream" % sub, g, sub, argv, stdin=(lambda h: lambda ctx: _half(ctx.p(h)))(half), expect=(1,))
    add("stdin/decode/latents-ok", g, "decode", ["decode", "--vae", VAE, "-o", "out.h5ad"], stdin=lambda ctx: open(ctx.p("lats.lat"), "rb").read(),
        expect=(0,), check=_h5("out.h5ad", n_obs=40))
    add("stdin/encode/counts-ok", g, "encode", ["encode", "-", "--vae", VAE, "-o", "out.lat"],
        stdin=lambda ctx: open(ctx.p("counts.scs"), "rb").read(), expect=(0,), check=_st("out.lat", 40))
    add("stdin/fit-prior/latents-ok", g, "fit-prior", ["fit-prior", "-", "--preset", "tiny", "--max-steps", "2", "-q", "-o", "out.pt"],
        stdin=lambda ctx: open(ctx.p("lat.lat"), "rb").read(), expect=(0,), note="several epochs over a pipe")
    add("stdin/fit-vae/counts-ok", g, "fit-vae", ["fit-vae", "-", "--preset", "tiny", "--epochs", "2", "-q", "-o", "out.pt"],
        stdin=lambda ctx: open(ctx.p("counts.scs"), "rb").read(), expect=(0,), note="several epochs over a pipe")
    add("stdin/pipeline/sample-decode", g, "decode", None,
        shell='"$S" sample --prior "$FX/prior.pt" -n 7 --steps 2 | "$S" decode --vae "$FX/vae.pt" -o "$D/out.h5ad"',
        expect=(0,), check=_h5("out.h5ad", n_obs=7), quick=True)
    add("stdin/pipeline/failing-sample-decode", g, "decode", None,
        shell='"$S" sample --prior "$FX/prior.pt" -n 7 --condition cell_type=Nope | "$S" decode --vae "$FX/vae.pt" -o "$D/out.h5ad"',
        expect=(1,), multiline_ok=True, note="the sample error and decode's empty-input error: two tools, two lines")
    add("stdin/pipeline/truncated", g, "decode", None,
        shell='head -c 3000 "$FX/lats.lat" | "$S" decode --vae "$FX/vae.pt" -o "$D/out.h5ad"', expect=(1,))
    add("stdin/pipeline/sigpipe", g, "sample", None,
        shell='"$S" sample --prior "$FX/prior.pt" -n 5000 --steps 1 -o - | head -c 100 > "$D/head.bin"; s=${PIPESTATUS[0]}; rm -f "$D/head.bin"; exit $s',
        expect=(0, 1, 141), signal_ok=True, outputs_ok=True, timeout=60)
    for sub, argv, exp in (
            ("info", 'info <(cat "$FX/small.h5ad")', (0, 1)), ("info", 'info <(cat "$FX/lats.lat")', (0,)),
            ("convert", 'convert <(cat "$FX/counts.scs") -o "$D/out.h5ad"', (0,)),
            ("convert", 'convert <(cat "$FX/small.h5ad") -o "$D/out.h5ad"', (0, 1)),
            ("encode", 'encode <(cat "$FX/small.h5ad") --vae "$FX/vae.pt" -o "$D/out.lat"', (0, 1)),
            ("encode", 'encode "$FX/small.h5ad" --vae <(cat "$FX/vae.pt") -o "$D/out.lat"', (0, 1)),
            ("decode", 'decode <(cat "$FX/lats.lat") --vae "$FX/vae.pt" -o "$D/out.h5ad"', (0,)),
            ("fit-vae", 'fit-vae <(cat "$FX/small.h5ad") --preset tiny --epochs 3 -q -o "$D/out.pt"', (0, 1)),
            ("fit-vae", 'fit-vae <(cat "$FX/counts.scs") --preset tiny --epochs 3 -q -o "$D/out.pt"', (0, 1)),
            ("fit-prior", 'fit-prior <(cat "$FX/lats.lat") --preset tiny --epochs 3 -q -o "$D/out.pt"', (0, 1)),
            ("eval", 'eval --real <(cat "$FX/small.h5ad") --generated "$FX/gen.h5ad" -o "$D/out.txt"', (0, 1)),
            ("sample", 'sample --prior <(cat "$FX/prior.pt") -n 3 --steps 2 -o "$D/out.lat"', (0, 1)),
            ("sample", 'sample --prior "$FX/prior.pt" --conditions <(printf "cell_type\\nB\\n") --steps 2 -o "$D/out.lat"', (0,)),
            ("classify", 'classify --model <(cat "$FX/clf.pt") "$FX/lats.lat" -o "$D/out.tsv"', (0, 1)),
            ("classify", 'classify --train <(cat "$FX/lats.lat") --label cell_type -q -o "$D/out.pt"', (0, 1)),
            ("decode", 'decode "$FX/lats.lat" --vae "$FX/vae.pt" --genes <(printf "Gene00001\\n") -o "$D/out.h5ad"', (0,)),
    ):
        add("fifo/%s/%s" % (sub, re.sub(r"[^a-z0-9]+", "_", argv.split("<(cat ")[1][:30] if "<(cat" in argv else argv[:30])), "fifo", sub, None,
            shell='"$S" ' + argv, expect=exp, quick=sub in ("fit-vae", "convert"))
    for sub, argv in (("info", ["info", "nulldev"]), ("convert", ["convert", "nulldev", "-o", "out.h5ad"]),
                      ("decode", ["decode", "nulldev", "--vae", VAE, "-o", "out.h5ad"]),
                      ("encode", ["encode", S, "--vae", "nulldev", "-o", "out.lat"]),
                      ("sample", ["sample", "--prior", "nulldev", "-o", "out.lat"])):
        add("devin/%s/null-device" % sub, "stdin", sub, argv, expect=(1,), setup=_setup_files(nulldev=("chr", 1, 3)),
            devices=["{d}/nulldev"])
    add("devin/info/fifo-nobody-writes", "stdin", "info", ["info", "fifo"], expect=(1,), timeout=10,
        setup=lambda ctx, d: subprocess.Popen(["bash", "-c", 'exec 3<>"%s/fifo"; sleep 3; exec 3>&-' % d]) if os.mkfifo(os.path.join(d, "fifo")) is None else None,
        timeout_ok=False, note="a FIFO that opens but never gets data: may wait; must not crash")
    # --help and version to a full device; messages on stdout
    for sub in list(bases) + [None]:
        shell = '"$S" %s--help > "$D/fulldev"' % (sub + " " if sub else "")
        add("devout/help-to-full/%s" % (sub or "top"), "devices", sub, None, shell=shell, expect=(1,),
            setup=_setup_files(fulldev=("chr", 1, 7)), devices=["{d}/fulldev"], quick=sub in ("version", "sample"),
            note="a write error on stdout must be reported, exit 1")
    add("devout/version-to-full", "devices", "version", None, shell='"$S" version > "$D/fulldev"', expect=(1,),
        setup=_setup_files(fulldev=("chr", 1, 7)), devices=["{d}/fulldev"])
    add("devout/info-to-full", "devices", "info", None, shell='"$S" info --json "$FX/vae.pt" > "$D/fulldev"', expect=(1,),
        setup=_setup_files(fulldev=("chr", 1, 7)), devices=["{d}/fulldev"])
    add("devout/eval-report-to-full", "devices", "eval", None,
        shell='"$S" eval --real "$FX/small.h5ad" --generated "$FX/gen.h5ad" > "$D/fulldev"', expect=(1,),
        setup=_setup_files(fulldev=("chr", 1, 7)), devices=["{d}/fulldev"])
    add("devout/classify-report-to-full", "devices", "classify", None,
        shell='"$S" classify --train "$FX/lats.lat" --label cell_type -o "$D/c.pt" > "$D/fulldev"', expect=(1,),
        setup=_setup_files(fulldev=("chr", 1, 7)), devices=["{d}/fulldev"],
        note="the held-out report goes to stdout; a write error must fail the command and leave no c.pt")
    add("devout/messages-not-on-stdout", "devices", "fit-vae", None,
        shell='"$S" fit-vae "$FX/small.h5ad" --preset tiny --max-steps 1 -o "$D/o.pt" 2> "$D/err.txt"; s=$?; rm -f "$D/o.pt" "$D/o.last.pt" "$D/err.txt"; exit $s',
        expect=(0,), check=lambda ctx, d, r: ["stdout carries messages: %r" % r["stdout"][:80]] if r["stdout_bytes"] else [])

    # ---- signals, kill -9 and resume
    g = "signals"
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        nm = signal.Signals(sig).name
        add("sig/fit-vae/%s" % nm, g, "fit-vae", ["fit-vae", P("sim.h5ad"), "--preset", "tiny", "--max-steps", "100000", "-b", "16",
                                                  "-o", "out.pt"],
            runner=_signal_runner(sig, 2.5), signal_ok=True, expect=(1, 130, 143, 129, -2, -15, -1), outputs_ok=True,
            check=_whole_checkpoints(["out.pt", "out.last.pt"]),
            quick=sig == signal.SIGINT, note="an interrupted run leaves no temporary file")
        add("sig/sample/%s" % nm, g, "sample", ["sample", "--prior", PRIOR, "-n", "200000", "--steps", "50", "-o", "out.lat"],
            runner=_signal_runner(sig, 2.0), signal_ok=True, expect=(1, 130, 143, 129, -2, -15, -1), quick=sig == signal.SIGTERM)
        add("sig/simulate/%s" % nm, g, "simulate", ["simulate", "-n", "3000000", "--genes", "200", "-o", "out.h5ad"],
            runner=_signal_runner(sig, 1.0), signal_ok=True, expect=(1, 130, 143, 129, -2, -15, -1))
    add("sig/convert/SIGINT-mtx", g, "convert", ["convert", P("big.scs"), "-o", "out.mtx"],
        runner=_signal_runner(signal.SIGINT, 0.15), signal_ok=True, expect=(0, 1, 130, -2))
    for k, extra in enumerate((0.0, 0.7, 2.0)):
        add("kill9/fit-vae/resume-after-%.1fs" % extra, g, "fit-vae", None, runner=_kill9_resume("fit-vae", extra),
            expect=(0,), tmp_ok=True, timeout=120, quick=k == 0,
            note="kill -9 once the .last.pt appears; resume from it must work")
    add("kill9/fit-prior/resume", g, "fit-prior", None, runner=_kill9_resume("fit-prior", 0.5), expect=(0,), tmp_ok=True, timeout=120)
    R = "resume"

    def RV(ck, *a, data=S, preset=True):
        return ["fit-vae", data, "--resume", ck, "--max-steps", "4", "-q", "-o", "out.pt"] + \
            (["--preset", "tiny", "-b", "64"] if preset else []) + list(a)

    def RP(data, ck, *a, cond=True):
        return ["fit-prior", data, "--resume", ck, "--max-steps", "4", "-q", "-o", "out.pt", "--preset", "tiny"] + \
            (["--condition", "cell_type"] if cond else []) + list(a)
    for name, argv, exp in (
            ("vae-last-ok", RV(P("vae.last.pt")), (0,)),
            ("vae-without-restating-options", RV(P("vae.last.pt"), preset=False), (0,)),
            ("vae-truncated", RV(P("ckpt/vae-truncated_at_%d.pt" % (os.path.getsize(P("vae.pt")) // 2))), (1,)),
            ("vae-from-prior", RV(PRIOR), (1,)), ("vae-from-classifier", RV(CLF), (1,)),
            ("vae-other-genes", RV(P("vae80.pt")), (1,)), ("vae-other-size", RV(P("vae_ld4.pt"), "--latent-dim", "4"), (1,)),  # NAME.pt holds no optimizer state
            ("vae-conflicting-size", RV(VAE, "--latent-dim", "4"), (1, 2)),
            ("vae-conflicting-preset", RV(VAE, "--preset", "small", preset=False), (1, 2)),
            ("vae-directory", RV(P("adir.h5ad")), (1,)), ("vae-missing", RV(P("nope.pt")), (1,)),
            ("vae-empty", RV(P("ckpt/vae-empty.pt")), (1,)),
            ("vae-h5ad", RV(S), (1,)),
            ("vae-max-steps-below-step", ["fit-vae", S, "--resume", VAE, "--max-steps", "1", "--preset", "tiny", "-b", "64", "-q", "-o", "out.pt"], (0, 1, 2)),
            ("vae-counts-stream-data", RV(P("vae.last.pt"), data=P("counts.scs")), (0,)),
            ("prior-ok", RP(P("lat.lat"), P("prior.last.pt")), (0,)),
            ("prior-without-restating-options", ["fit-prior", P("lat.lat"), "--resume", P("prior.last.pt"), "--max-steps", "4", "-q", "-o", "out.pt"], (0,)),
            ("prior-from-vae", RP(P("lat.lat"), VAE), (1,)),
            ("prior-other-condition", RP(P("lat.lat"), PRIOR, "--condition", "condition", cond=False), (1, 2)),
            ("prior-latents-of-other-vae", RP(P("lats_other.lat"), PRIOR), (1,)),
            ("prior-other-shape", RP(P("lats_ld4.lat"), PRIOR), (1,)),
            ("prior-conflicting-width", RP(P("lat.lat"), PRIOR, "--width", "64"), (1, 2)),
    ):
        add("resume/%s" % name, R, "fit-prior" if name.startswith("prior") else "fit-vae", argv, expect=exp,
            quick=name in ("vae-from-prior", "vae-other-genes", "prior-latents-of-other-vae"))

    # ---- memory: must stream, not allocate first
    g = "memory"
    add("mem/sample-n-huge-stdout", g, "sample", ["sample", "--prior", PRIOR, "-n", "1000000000", "--steps", "1", "-o", "-"],
        runner=_mem_runner(4.0, 1024, need_stdout=True), expect=(0, 1, -9, 137), signal_ok=True, timeout_ok=True, quick=True,
        max_rss_mb=0, note="sample -n 1e9 must start writing without allocating for all cells")
    add("mem/sample-n-huge-file", g, "sample", ["sample", "--prior", PRIOR, "-n", "1000000000", "--steps", "1", "-o", "out.lat"],
        runner=_mem_runner(4.0, 1024, need_tmp=True), expect=(0, 1, -9, 137), signal_ok=True, timeout_ok=True, tmp_ok=True,
        outputs_ok=True, max_rss_mb=0)
    add("mem/simulate-n-huge", g, "simulate", ["simulate", "-n", "1000000000", "--genes", "100", "-o", "-"],
        runner=_mem_runner(5.0, 1024, need_stdout=True), expect=(0, 1, -9, 137), signal_ok=True, timeout_ok=True, max_rss_mb=0)
    add("mem/decode-big-library", g, "decode", ["decode", L, "--vae", VAE, "--library-size", "1e9", "-o", "out.h5ad"],
        expect=(0, 1), check=_h5("out.h5ad"), max_rss_mb=700)
    add("mem/encode-batch-huge", g, "encode", ["encode", S, "--vae", VAE, "-b", "2000000000", "-o", "out.lat"], expect=(0, 2),
        max_rss_mb=700, note="-b larger than the data must not allocate for -b cells")
    add("mem/decode-batch-huge", g, "decode", ["decode", L, "--vae", VAE, "-b", "2000000000", "-o", "out.h5ad"], expect=(0, 2),
        max_rss_mb=700)
    add("mem/sample-batch-huge", g, "sample", ["sample", "--prior", PRIOR, "-n", "3", "--steps", "2", "-b", "2000000000", "-o", "out.lat"],
        expect=(0, 2), max_rss_mb=700, quick=True)
    add("mem/fit-vae-max-genes-huge", g, "fit-vae", ["fit-vae", S, "--preset", "tiny", "--max-steps", "1", "--max-genes", "2000000000", "-q", "-o", "out.pt"],
        expect=(0, 2), max_rss_mb=700)
    add("mem/eval-hvg-knn-huge", g, "eval", ["eval", "--real", S, "--generated", G, "--knn", "2000000000", "--hvg", "2000000000",
                                             "--components", "2000000000", "-o", "out.txt"], expect=(0, 1, 2), max_rss_mb=700)

    # ---- results that must be right with exit 0
    g = "semantics"
    NC = P("names_cells.h5ad")
    add("sem/names/convert-tsv", g, "convert", ["convert", NC, "-o", "out.tsv"], expect=(0, 1),
        check=_tsv("out.tsv", n_rows=40, header_unique=False),  # the user's obs column 'cell' stays as named
        quick=True, note="cell ids with tab / newline / quotes; an obs column named 'cell'")
    add("sem/names/convert-mtx", g, "convert", ["convert", NC, "-o", "out.mtx"], expect=(0, 1), check=_mtx("out"))
    add("sem/names/convert-h5ad", g, "convert", ["convert", NC, "-o", "out.h5ad"], expect=(0,),
        check=_h5("out.h5ad", n_obs=40, obs_names=_obs_names(ctx, NC)))
    add("sem/names/convert-stream-roundtrip", g, "convert", None,
        shell='"$S" convert "$FX/names_cells.h5ad" -o "$D/a.scs" && "$S" convert "$D/a.scs" -o "$D/out.h5ad"',
        expect=(0,), check=_h5("out.h5ad", n_obs=40, obs_names=_obs_names(ctx, NC)))
    add("sem/names/genes-tsv", g, "convert", ["convert", P("names_genes.h5ad"), "-o", "out.tsv"], expect=(0, 1),
        check=_tsv("out.tsv", n_rows=40, n_cols=1 + 2 + 100 + 0), note="gene names with tab / newline / comma")
    add("sem/names/genes-mtx", g, "convert", ["convert", P("names_genes.h5ad"), "-o", "out.mtx"], expect=(0, 1), check=_mtx("out"))
    add("sem/names/na-category-vs-missing", g, "convert", ["convert", P("names_na.h5ad"), "-o", "out.tsv"], expect=(0, 1),
        check=_na_distinct("out.tsv"), note="a category literally named NA and a missing label must stay distinct")
    add("sem/names/library-group-collision", g, "fit-prior",
        ["fit-prior", P("names_cells.lat"), "--preset", "tiny", "--max-steps", "1", "--condition", "cell_type", "--condition", "condition",
         "-q", "-o", "out.pt"], expect=(0, 1), check=_library_groups("out.pt", NC),
        note="category 'B, condition=stim' makes the library key of one group equal to another's")
    add("sem/names/sample-condition-with-comma", g, "sample", None,
        shell='"$S" fit-prior "$FX/names_cells.lat" --preset tiny --max-steps 1 --condition cell_type -q -o "$D/p.pt" && '
              '"$S" sample --prior "$D/p.pt" -n 3 --steps 2 --condition "cell_type=B, condition=stim" -o "$D/out.lat" && '
              '"$S" convert "$D/out.lat" -O tsv -o "$D/out.tsv"', expect=(0, 1), check=_label_value("out.tsv", "B, condition=stim"))
    add("sem/where/subsample-rest-partition", g, "convert", None,
        shell='"$S" convert "$FX/sim.h5ad" --subsample 0.3 -o "$D/a.h5ad" && "$S" convert "$FX/sim.h5ad" --subsample 0.3 --rest -o "$D/b.h5ad"',
        expect=(0,), check=_partition("a.h5ad", "b.h5ad", P("sim.h5ad")))
    add("sem/sample/label-combination-unseen", g, "sample",
        ["sample", "--prior", P("prior2.pt"), "-n", "3", "--steps", "2", "--condition", "cell_type=B", "--condition", "condition=stim",
         "-o", "out.lat"], expect=(0,), check=_st("out.lat", 3))
    add("sem/sample/same-seed-same-bytes", g, "sample", None,
        shell='for b in 1 7; do "$S" sample --prior "$FX/prior.pt" -n 9 --steps 2 -b $b --seed 4 -o "$D/s$b.lat" -q || exit 1; done; '
              '"$S" convert "$D/s1.lat" -O tsv -o "$D/a.tsv" && "$S" convert "$D/s7.lat" -O tsv -o "$D/b.tsv" && cmp -s "$D/a.tsv" "$D/b.tsv"',
        expect=(0,), note="README: the same --seed gives the same bytes for any --batch-size")
    add("sem/decode/counts-integer-finite", g, "decode", ["decode", P("gen.lat"), "--vae", VAE, "-o", "out.h5ad"], expect=(0,),
        check=_h5("out.h5ad", n_obs=20))
    add("sem/decode/latents-huge-finite", g, "decode", ["decode", P("streams/lat_value_huge_finite.lat"), "--vae", VAE, "-o", "out.h5ad"],
        expect=(0, 1), check=_h5("out.h5ad"), quick=True)
    add("sem/decode/latents-huge-mean", g, "decode", ["decode", P("streams/lat_value_huge_finite.lat"), "--vae", VAE, "--mean", "-o", "out.h5ad"],
        expect=(0, 1), check=_h5("out.h5ad", counts=False))
    add("sem/encode/nan-in-last-cell", g, "encode", ["encode", P("nan_last.h5ad"), "--vae", VAE, "-o", "out.lat"], expect=(1,),
        setup=_setup_files(**{"out.lat": PRECIOUS}))
    add("sem/decode/nan-in-second-frame", g, "decode", ["decode", P("nan_second_frame.lat"), "--vae", VAE, "-o", "out.h5ad"], expect=(1,),
        setup=_setup_files(**{"out.h5ad": PRECIOUS}))
    add("sem/decode/nan-in-second-frame-stdout", g, "decode", None,
        shell='"$S" decode "$FX/nan_second_frame.lat" --vae "$FX/vae.pt" -b 64 -o - | wc -c > "$D/n"; s=${PIPESTATUS[0]}; rm "$D/n"; exit $s',
        expect=(1,))
    add("sem/convert/truncated-late", g, "convert", ["convert", P("big_truncated.scs"), "-o", "out.h5ad"], expect=(1,),
        setup=_setup_files(**{"out.h5ad": PRECIOUS}))
    add("sem/convert/truncated-late-mtx", g, "convert", ["convert", P("big_truncated.scs"), "-o", "out.mtx"], expect=(1,))
    add("sem/convert/truncated-late-tsv", g, "convert", ["convert", P("big_truncated.scs"), "-O", "tsv", "-o", "out.tsv"], expect=(1,))
    add("sem/convert/h5ad-roundtrip-exact", g, "convert", None,
        shell='"$S" convert "$FX/small.h5ad" -o "$D/a.scs" && "$S" convert "$D/a.scs" -o "$D/out.h5ad"', expect=(0,),
        check=_h5("out.h5ad", equal_to=ctx.small_X, n_obs=40))
    add("sem/classify/predictions-are-classes", g, "classify", ["classify", "--model", CLF, S, "--vae", VAE, "-o", "out.tsv"],
        expect=(0,), check=_pred_ok("out.tsv", 40, ["B", "T", "NK", "Mono"]))
    add("sem/eval/json-finite", g, "eval", ["eval", "--real", S, "--generated", G, "--json", "--by", "cell_type", "-o", "out.json"],
        expect=(0,), check=_json_out("out.json"))
    add("sem/info/json-finite-h5ad-nan", g, "info", ["info", "--json", P("h5/nan_count.h5ad")], expect=(0, 1),
        check=lambda ctx, d, r: (json_check(r["stdout"].decode(errors="replace"), "stdout")[0] if r["rc"] == 0 else []))
    add("sem/simulate/labels-distinct", g, "simulate", ["simulate", "-n", "50", "--genes", "10", "--cell-types", "A,A", "-o", "out.h5ad"],
        expect=(1, 2), quick=True, note="duplicate cell-type names must be refused, not merged")
    add("sem/encode/where-keeps-labels", g, "encode", ["encode", S, "--vae", VAE, "--where", "cell_type=B", "-o", "out.lat"], expect=(0,),
        check=_st("out.lat", n_b))
    return out


# ---------------------------------------------------------------- runners and checks


def _sh(a):
    return "'" + a.replace("'", "'\\''") + "'"


def _half(p):
    b = open(p, "rb").read()
    return b[:len(b) // 2]


def _signal_runner(sig, after):
    def runner(ctx, c, d, env):
        argv = [ctx.scldm] + c.argv

        def on_start(p, bufs):
            time.sleep(after)
            try:
                os.killpg(p.pid, sig) if sig != signal.SIGINT else os.kill(p.pid, sig)
            except OSError:
                pass
        return execute(argv, d, env, None, c.timeout, on_start=on_start)
    return runner


def _mem_runner(seconds, limit_mb, need_stdout=False, need_tmp=False):
    def runner(ctx, c, d, env):
        argv = [ctx.scldm] + c.argv
        info = {"peak": 0, "tmp": False}

        def on_start(p, bufs):
            t0 = time.time()
            while time.time() - t0 < seconds and alive(p.pid):
                info["peak"] = max(info["peak"], vmrss_mb(p.pid))
                if need_tmp and any(n.startswith(".") and ".tmp-" in n and os.path.getsize(os.path.join(d, n)) > 0 for n in os.listdir(d)):
                    info["tmp"] = True
                time.sleep(0.1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        r = execute(argv, d, env, None, c.timeout + seconds, on_start=on_start)
        probs = []
        if info["peak"] > limit_mb:
            probs.append("memory: RSS reached %d MB within %.0f s" % (info["peak"], seconds))
        if need_stdout and r["stdout_bytes"] == 0 and r["rc"] in (-9, 137):
            probs.append("memory: nothing written to stdout within %.0f s" % seconds)
        if need_tmp and not info["tmp"] and r["rc"] in (-9, 137):
            probs.append("memory: nothing written to the output within %.0f s" % seconds)
        r["problems"] = probs
        r["rss_checked"] = True
        r["maxrss_kb"] = info["peak"] * 1024
        if r["rc"] in (-9, 137):
            r["rc"] = 0  # killed by the harness, as planned
            r["stderr"] = b""
        for n in os.listdir(d):  # what kill -9 leaves behind is not the tool's fault
            try:
                os.unlink(os.path.join(d, n))
            except OSError:
                pass
        return r
    return runner


def _kill9_resume(cmd, extra):
    def runner(ctx, c, d, env):
        P = ctx.p
        if cmd == "fit-vae":
            opts = ["--preset", "tiny", "-b", "16"]
            argv = [ctx.scldm, "fit-vae", P("sim.h5ad"), "--max-steps", "100000", "--checkpoint-every", "1", "-q", "-o", "run.pt"] + opts
        else:
            opts = ["--preset", "tiny", "-b", "16", "--condition", "cell_type"]
            argv = [ctx.scldm, "fit-prior", P("lat.lat"), "--max-steps", "100000", "--checkpoint-every", "1", "-q", "-o", "run.pt"] + opts
        last = os.path.join(d, "run.last.pt")
        state = {"seen": False}

        def on_start(p, bufs):
            t0 = time.time()
            while time.time() - t0 < 40 and alive(p.pid):
                if os.path.exists(last):
                    state["seen"] = True
                    break
                time.sleep(0.02)
            time.sleep(extra)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        first = execute(argv, d, env, None, 60, on_start=on_start)
        probs = []
        if not state["seen"]:
            probs.append("silent: run.last.pt never appeared with --checkpoint-every 1 (rc %s)" % first["rc"])
            first["problems"] = probs
            return first
        info = subprocess.run([ctx.scldm, "info", "--json", last], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=d)
        step = 0
        if info.returncode != 0:
            probs.append("partial: after kill -9 run.last.pt is unreadable: %s" % info.stderr.decode(errors="replace").strip()[:150])
        else:
            step = json.loads(info.stdout).get("step", 0)
        data = P("sim.h5ad") if cmd == "fit-vae" else P("lat.lat")
        argv2 = [ctx.scldm, cmd, data, "--resume", last, "--max-steps", str(int(step) + 2), "-q", "-o", "res.pt"] + opts
        r = execute(argv2, d, env, None, 60)
        if r["rc"] == 0 and not os.path.exists(os.path.join(d, "res.pt")):
            probs.append("silent: resume exited 0 without writing res.pt")
        r["problems"] = probs
        return r
    return runner


def _whole_checkpoints(names):
    def chk(ctx, d, r):
        probs = []
        for n in names:
            p = os.path.join(d, n)
            if os.path.exists(p):
                rr = ctx.run("info", "--json", p)
                if rr.returncode != 0 or not json.loads(rr.stdout).get("valid", False):
                    probs.append("partial: %s left behind is not a valid checkpoint" % n)
        return probs
    return chk


def _through_link(link, target):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        lp = os.path.join(d, link)
        probs = []
        data = open(lp, "rb").read() if os.path.exists(lp) else b""
        if data == PRECIOUS or not data:
            probs.append("silent: nothing written through the symlink")
        return probs
    return chk


def _still_valid_h5(name, n):
    def chk(ctx, d, r):
        return h5ad_check(os.path.join(d, name), n_obs=n, equal_to=ctx.small_X)
    return chk


def _still_valid_stream(name, n):
    def chk(ctx, d, r):
        return stream_check(ctx, os.path.join(d, name), n)
    return chk


def _no_dup_labels(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        h, _ = F.read_stream_header(open(os.path.join(d, name), "rb").read())
        names = [l["name"] for l in h["labels"]]
        return ["silent: duplicate label columns %s in the output" % names] if len(set(names)) != len(names) else []
    return chk


def _labels_clean(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        data = open(os.path.join(d, name), "rb").read()
        h, _ = F.read_stream_header(data)
        probs = stream_check(ctx, os.path.join(d, name), 2)
        for l in h["labels"]:
            for cat in l["categories"]:
                if cat != cat.strip():
                    probs.append("silent: label %r (with CR/space) accepted" % cat)
        return probs
    return chk


def _svg_ok(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import xml.etree.ElementTree as ET
        try:
            ET.parse(os.path.join(d, name))
        except Exception as e:
            return ["output check: the SVG does not parse: %s" % e]
        return []
    return chk


def _all_json(files):
    def chk(ctx, d, r):
        probs = []
        for f in files:
            p = os.path.join(d, f + ".json")
            if os.path.exists(p):
                probs += json_check(open(p).read(), "info --json " + f)[0]
        return probs
    return chk


def _pred_ok(name, n, classes):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import pandas as pd
        probs = tsv_check(os.path.join(d, name), n_rows=n)
        df = pd.read_csv(os.path.join(d, name), sep="\t", dtype=str, keep_default_na=False)
        for col in df.columns[1:2]:
            bad = set(df[col]) - set(classes)
            if bad:
                probs.append("silent: predicted labels not among the classes: %s" % sorted(bad)[:3])
        num = df.iloc[:, 2:].apply(pd.to_numeric, errors="coerce")
        if len(num.columns) and not np.isfinite(num.to_numpy(dtype=float)).all():
            probs.append("silent: non-finite probabilities in the predictions")
        return probs
    return chk


def _obs_names(ctx, path):
    import anndata
    return list(anndata.read_h5ad(path).obs_names)


def _na_distinct(name):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import pandas as pd
        df = pd.read_csv(os.path.join(d, name), sep="\t", dtype=str, keep_default_na=False, quoting=3)
        if "cell_type" not in df.columns:
            return []
        v = list(df["cell_type"])
        # row 5 is missing, rows 3, 7, ... are the category "NA"
        if v[5] == v[3]:
            return ["silent: a missing label and the category 'NA' are written identically (%r)" % v[5]]
        return []
    return chk


def _library_groups(name, src):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import anndata
        a = anndata.read_h5ad(src)
        ct, co = a.obs["cell_type"].astype(str), a.obs["condition"].astype(str)
        want = 1 + ct.nunique() + co.nunique() + len(set(zip(ct, co)))
        ck = F.Ckpt.read(os.path.join(d, name))
        got = len(ck.meta["library"]["groups"])
        if got != want:
            return ["silent: %d library groups for %d label combinations: names with ', ' and '=' collide" % (got, want)]
        return []
    return chk


def _label_value(name, value):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import pandas as pd
        df = pd.read_csv(os.path.join(d, name), sep="\t", dtype=str, keep_default_na=False, quoting=3)
        if "cell_type" in df.columns and set(df["cell_type"]) != {value}:
            return ["silent: asked for cell_type=%r, got %s" % (value, sorted(set(df["cell_type"])))]
        return []
    return chk


def _partition(a, b, src):
    def chk(ctx, d, r):
        if r["rc"] != 0:
            return []
        import anndata
        x, y, s = anndata.read_h5ad(os.path.join(d, a)), anndata.read_h5ad(os.path.join(d, b)), anndata.read_h5ad(src)
        ids = list(x.obs_names) + list(y.obs_names)
        if sorted(ids) != sorted(s.obs_names):
            return ["silent: --subsample and --rest are not a partition (%d + %d of %d cells)" % (x.n_obs, y.n_obs, s.n_obs)]
        return []
    return chk
