#!/usr/bin/python3
"""POT's exact W2 (ot.emd2) on the points bench_eval wrote: pot_w2.py DIR DIM"""
import sys
import time

import numpy as np
import ot

d, dim = sys.argv[1], int(sys.argv[2])
x = np.fromfile(f"{d}/x.f64").reshape(-1, dim)
y = np.fromfile(f"{d}/y.f64").reshape(-1, dim)
t0 = time.time()
M = ot.dist(x, y)  # squared Euclidean
w2 = np.sqrt(ot.emd2(np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y)), M, numItermax=10**8))
print(f"w2 exact (POT {ot.__version__} emd2)  {w2:.6g}\t{time.time() - t0:.2f} s")
