#!/usr/bin/python3
"""Writes K copies of an h5ad file's cells as one file (ids made unique),
for the million-cell measurements: bench/repeat_h5ad.py IN K OUT."""
import sys

import anndata
import scipy.sparse as sp

path, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = anndata.read_h5ad(path)
x = sp.csr_matrix(a.X)
obs = a.obs
big = anndata.AnnData(
    X=sp.vstack([x] * copies, format="csr"),
    obs=anndata.concat([anndata.AnnData(obs=obs)] * copies, index_unique="-", keys=[str(i) for i in range(copies)]).obs,
    var=a.var,
)
big.write_h5ad(out)
print(f"{out}: {big.n_obs} cells x {big.n_vars} genes, {big.X.nnz} stored values")
