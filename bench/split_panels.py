#!/usr/bin/python3
"""Prepares h5ad files whose gene panels differ, for training one VAE on
several files.

  split_panels.py panels IN.h5ad OUTDIR [--keep 0.7] [--test 0.2] [--seed 0]
      Simulated panels from one file: a seeded test fraction of the cells, the
      training cells in two random halves A and B, and two independently drawn
      random gene panels (each a `keep` fraction, input gene order). Writes
      full_train, full_test (all genes), A_train / B_train (their half, their
      panel), A_test / B_test (all test cells, one panel), A0_train / B0_train
      (A_train / B_train cells with all genes, those outside the panel zero:
      the "missing = zero" baseline), and panels.tsv (name, n_cells, n_genes).

  split_panels.py pair A.h5ad B.h5ad OUTDIR [--test 0.2] [--seed 0] [--max-cells N]
      Two real files (different studies, different genes): each optionally
      subsampled to at most N cells, then split into train / test with its own
      genes unchanged: OUTDIR/{stem}_train.h5ad and {stem}_test.h5ad. Adds the
      obs column cell_type_common (B, Monocyte, NK, T, other).

X of every output is integer counts as CSR float32. The counts are taken from
X when it holds whole non-negative numbers, else from layers/counts, else from
raw/X; whichever it was is written as X. Obs columns are kept, var keeps the
gene names and its simple (numeric, bool, string) columns."""
import argparse
import os
import re
import sys
import time

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp

# Cell type column per file stem; other files try FALLBACK_COLUMNS in order.
CELL_TYPE_COLUMN = {"kang_ctrl_muscat": "cell_type", "kang_stim_muscat": "cell_type",
                    "pbmc_sorted_scminer": "cell_type", "pbmc3k_decoupler": "cell_type"}
FALLBACK_COLUMNS = ["cell_type", "celltype", "cell_types", "CellType", "cell_ontology_class",
                    "cell_type_sorted", "annotation", "labels"]
# First match wins: monocytes before T (CD14 / FCGR3A), NK before T. B and T
# are matched case-sensitively (but "b cell", "t-cell") so that a lone "b" /
# "t" in a name is no hit; "NKT" is no NK (and goes to "other").
COMMON = [("Monocyte", r"(?i)mono|CD14|FCGR3A"),
          ("B", r"^B$|^B[ _-]|(?i:\bB[ _-]?cells?\b)|\bB$|CD19"),
          ("NK", r"(?i)\bNK\b|CD56|natural killer"),
          ("T", r"CD4|CD8|(?i:\bT[ _-]?cells?\b)|\bT\b|Treg|(?i:\bT ?reg)")]
COMMON_NAMES = [c for c, _ in COMMON] + ["other"]


def log(*args):
    print(*args, file=sys.stderr)


def is_counts(x):
    d = x.data if sp.issparse(x) else np.asarray(x)
    return d.size == 0 or (d.min() >= 0 and np.all(d == np.round(d)))


def read_counts(path):
    """The file as a lean AnnData: integer counts as CSR float32 X, obs,
    simple var columns, uns."""
    a = anndata.read_h5ad(path)
    var, where = a.var, "X"
    if a.X is not None and is_counts(a.X):
        x = a.X
    elif "counts" in a.layers:
        x, where = a.layers["counts"], "layers/counts"
    elif a.raw is not None:
        x, var, where = a.raw.X, a.raw.var, "raw/X"
    else:
        sys.exit(f"{path}: no integer counts in X, layers/counts or raw/X")
    if where != "X" and not is_counts(x):
        sys.exit(f"{path}: {where} is not integer counts")
    x = sp.csr_matrix(x, dtype=np.float32)
    x.sort_indices()
    x.eliminate_zeros()
    keep = [c for c in var.columns if isinstance(var[c].dtype, pd.CategoricalDtype)
            or var[c].dtype.kind in "biuf"
            or (var[c].dtype == object and all(isinstance(v, str) for v in var[c]))]
    out = anndata.AnnData(X=x, obs=a.obs.copy(), var=var[keep].copy(), uns=dict(a.uns))
    return out, where


def write(a, outdir, name, rows):
    a.X = sp.csr_matrix(a.X, dtype=np.float32)
    a.write_h5ad(os.path.join(outdir, name + ".h5ad"))
    rows.append((name, a.n_obs, a.n_vars))
    log(f"  {name}: {a.n_obs} cells x {a.n_vars} genes")


def panels(args):
    a, where = read_counts(args.input)
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(a.n_obs)
    n_test = int(round(args.test * a.n_obs))
    test, train = np.sort(perm[:n_test]), perm[n_test:]
    half = len(train) // 2
    cells = {"A": np.sort(train[:half]), "B": np.sort(train[half:])}
    n_keep = int(round(args.keep * a.n_vars))
    genes = {p: np.sort(rng.choice(a.n_vars, n_keep, replace=False)) for p in "AB"}

    os.makedirs(args.outdir, exist_ok=True)
    rows = []
    log(f"{args.input}: {a.n_obs} cells x {a.n_vars} genes (counts from {where})")
    write(a[np.sort(train)].copy(), args.outdir, "full_train", rows)
    write(a[test].copy(), args.outdir, "full_test", rows)
    for p in "AB":
        write(a[cells[p], genes[p]].copy(), args.outdir, f"{p}_train", rows)
    for p in "AB":
        write(a[test, genes[p]].copy(), args.outdir, f"{p}_test", rows)
    for p in "AB":
        z = a[cells[p]].copy()
        mask = np.zeros(a.n_vars, dtype=np.float32)
        mask[genes[p]] = 1
        z.X = sp.csr_matrix(z.X @ sp.diags(mask), dtype=np.float32)
        z.X.eliminate_zeros()
        z.X.sort_indices()
        write(z, args.outdir, f"{p}0_train", rows)
    with open(os.path.join(args.outdir, "panels.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(map(str, r)) + "\n")
    shared = np.intersect1d(genes["A"], genes["B"]).size
    neither = a.n_vars - np.union1d(genes["A"], genes["B"]).size
    log(f"panels: A {n_keep}, B {n_keep} of {a.n_vars} genes; shared by A and B {shared}, "
        f"in neither {neither}; cells: A {len(cells['A'])}, B {len(cells['B'])}, test {n_test}")


def cell_type_column(a, stem):
    col = CELL_TYPE_COLUMN.get(stem)
    if col in a.obs:
        return col
    return next((c for c in FALLBACK_COLUMNS if c in a.obs), None)


def common_type(label):
    for name, pattern in COMMON:
        if re.search(pattern, str(label)):
            return name
    return "other"


def pair(args):
    stems = [os.path.splitext(os.path.basename(p))[0] for p in (args.a, args.b)]
    if stems[0] == stems[1]:
        sys.exit(f"both inputs have the stem {stems[0]}")
    os.makedirs(args.outdir, exist_ok=True)
    gene_sets = []
    for path, stem in zip((args.a, args.b), stems):
        a, where = read_counts(path)
        n_in = a.n_obs
        rng = np.random.default_rng(args.seed)
        if args.max_cells and a.n_obs > args.max_cells:
            a = a[np.sort(rng.choice(a.n_obs, args.max_cells, replace=False))].copy()
        col = cell_type_column(a, stem)
        if col is None:
            log(f"  {stem}: no cell type column found; cell_type_common is all 'other'")
            labels = pd.Series("other", index=a.obs_names)
        else:
            mapping = {c: common_type(c) for c in a.obs[col].astype(str).unique()}
            labels = a.obs[col].astype(str).map(mapping)
            log(f"  {stem}: cell type column {col!r}: "
                + ", ".join(f"{k} -> {v}" for k, v in sorted(mapping.items())))
        a.obs["cell_type_common"] = pd.Categorical(labels, categories=COMMON_NAMES)
        perm = rng.permutation(a.n_obs)
        n_test = int(round(args.test * a.n_obs))
        test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
        log(f"{path}: {n_in} cells x {a.n_vars} genes (counts from {where}), {a.n_obs} used")
        rows = []
        write(a[train].copy(), args.outdir, f"{stem}_train", rows)
        write(a[test].copy(), args.outdir, f"{stem}_test", rows)
        log("    cell_type_common: " + ", ".join(
            f"{k} {v}" for k, v in a.obs.cell_type_common.value_counts().items()))
        gene_sets.append(set(a.var_names))
    log(f"genes: {stems[0]} {len(gene_sets[0])}, {stems[1]} {len(gene_sets[1])}, "
        f"shared {len(gene_sets[0] & gene_sets[1])}")


def main():
    t0 = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("panels", help="two simulated gene panels from one file")
    p.add_argument("input")
    p.add_argument("outdir")
    p.add_argument("--keep", type=float, default=0.7)
    p.add_argument("--test", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    q = sub.add_parser("pair", help="train / test splits of two real files")
    q.add_argument("a")
    q.add_argument("b")
    q.add_argument("outdir")
    q.add_argument("--test", type=float, default=0.2)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--max-cells", type=int, default=0)
    args = ap.parse_args()
    (panels if args.mode == "panels" else pair)(args)
    log(f"done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
