#!/usr/bin/python3
"""Where a set of cells' Fréchet distance to the real ones lies (issue 16).

The space is eval's: log1p(CP10k) on the reference's genes, 30 principal
components fitted on the reference cells (all of them here; eval fits them
on every real cell too, then compares halves). For each other file:
- Fréchet = |mean difference|² + trace term (the covariances' part);
- each of the top 10 components' variance in that set over the
  reference's, and the mean ratio over components 11-30: below 1, the set
  is narrower than the reference along that axis;
- total variance over all genes, that set's over the reference's.
Counts give eval's view; means (`decode --mean`) compared with other means
show where the prior narrows what the decoder can express.
Usage: /usr/bin/python3 bench/frechet_parts.py REFERENCE.h5ad OTHER.h5ad...
"""
import sys

import anndata
import numpy as np
import scipy.linalg

from log_counts import counts, log_cp10k

COMPONENTS = 30


def main(reference_path, others):
    reference = anndata.read_h5ad(reference_path)
    genes = list(reference.var_names)
    r = log_cp10k(counts(reference[:, genes]))
    centre = r.mean(0)
    _, _, vt = np.linalg.svd(r - centre, full_matrices=False)
    axes = vt[:COMPONENTS].T
    pr = (r - centre) @ axes
    total_r = ((r - centre) ** 2).sum(1).mean()
    for path in others:
        x = log_cp10k(counts(anndata.read_h5ad(path)[:, genes]))
        px = (x - centre) @ axes
        cr, cx = np.cov(pr.T), np.cov(px.T)
        mean_term = float(((pr.mean(0) - px.mean(0)) ** 2).sum())
        cov_term = float(np.trace(cr + cx - 2 * scipy.linalg.sqrtm(cr @ cx).real))
        ratio = px.var(0) / pr.var(0)
        total = ((x - x.mean(0)) ** 2).sum(1).mean() / total_r
        print(f"{path}: {len(x)} cells; Fréchet {mean_term + cov_term:.2f} = mean {mean_term:.2f} + "
              f"covariance {cov_term:.2f}; variance ratio PC1-10 {' '.join(f'{v:.2f}' for v in ratio[:10])}, "
              f"PC11-30 {ratio[10:].mean():.2f}; total variance ratio {total:.2f}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__.split("Usage: ")[1].strip(), file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2:])
