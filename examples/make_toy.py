#!/usr/bin/python3
"""Makes examples/data/toy.h5ad: 300 cells x 100 genes of negative binomial
counts with three cell types and two conditions (type- and condition-specific
fold changes), so the README's first command runs without ../shared.
Deterministic; rerun to regenerate: /usr/bin/python3 examples/make_toy.py"""
import os

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp

rng = np.random.default_rng(2026)
n_cells, n_genes = 300, 100
types = np.array(["B", "T", "Mono"])[rng.integers(0, 3, n_cells)]
condition = np.array(["ctrl", "stim"])[rng.integers(0, 2, n_cells)]
base = rng.gamma(0.6, 1.0, n_genes)
base /= base.sum()
fold = {t: np.exp(rng.normal(0, 0.8, n_genes) * (rng.random(n_genes) < 0.2)) for t in ("B", "T", "Mono")}
stim = np.exp(rng.normal(0, 1.0, n_genes) * (rng.random(n_genes) < 0.1))
library = rng.lognormal(np.log(800), 0.4, n_cells)
X = np.zeros((n_cells, n_genes), dtype=np.float32)
for i in range(n_cells):
    p = base * fold[types[i]] * (stim if condition[i] == "stim" else 1.0)
    mu = library[i] * p / p.sum()
    theta = 2.0
    X[i] = rng.negative_binomial(theta, theta / (theta + mu))
obs = pd.DataFrame(
    {"cell_type": pd.Categorical(types), "condition": pd.Categorical(condition)},
    index=[f"toy{i:04d}" for i in range(n_cells)],
)
var = pd.DataFrame(index=[f"gene{j:03d}" for j in range(n_genes)])
a = anndata.AnnData(X=sp.csr_matrix(X), obs=obs, var=var, dtype=np.float32)
a.uns["source"] = {"name": "toy", "notes": "simulated by examples/make_toy.py (negative binomial, seed 2026)"}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "toy.h5ad")
a.write_h5ad(out)
print(out)
