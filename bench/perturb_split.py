#!/usr/bin/python3
"""Holds out one cell_type x condition pair of an h5ad: writes the training
cells (all but the pair), the held-out pair, and the same cell type under the
other condition (the nearest seen condition, a baseline).
Usage: perturb_split.py IN.h5ad OUTDIR CELL_TYPE CONDITION OTHER_CONDITION"""
import sys

import anndata

a = anndata.read_h5ad(sys.argv[1])
out, ct, cond, other = sys.argv[2:6]
pair = (a.obs.cell_type == ct) & (a.obs.condition == cond)
a[~pair].copy().write_h5ad(f"{out}/train.h5ad")
a[pair].copy().write_h5ad(f"{out}/heldout.h5ad")
a[(a.obs.cell_type == ct) & (a.obs.condition == other)].copy().write_h5ad(f"{out}/nearest.h5ad")
print(f"{(~pair).sum()} training cells, {pair.sum()} held out ({ct}, {cond})")
