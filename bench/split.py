#!/usr/bin/python3
"""Splits an h5ad file into a random train / test pair (80 / 20 by default,
seed 0): bench/split.py IN.h5ad TRAIN.h5ad TEST.h5ad [TEST_FRACTION]"""
import sys

import anndata
import numpy as np

a = anndata.read_h5ad(sys.argv[1])
fraction = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
test = np.random.default_rng(0).random(a.n_obs) < fraction
a[~test].copy().write_h5ad(sys.argv[2])
a[test].copy().write_h5ad(sys.argv[3])
print(f"{(~test).sum()} train, {test.sum()} test cells")
