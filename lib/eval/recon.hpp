// Reconstruction metrics of MODEL.md §5 on dense cells x genes counts:
// PCC per gene across cells and MSE, both on log1p(CP10k), and the fraction
// of entries whose zero / non-zero state the reconstruction gets right.
#pragma once
#include <cstddef>

namespace scldm {

struct ReconMetrics {
  double pcc = 0;        // mean over genes with variance on both sides (NaN-mean)
  double mse = 0;
  double zero_accuracy = 0;
};

// real and recon are row-major [n_cells, n_genes] counts.
ReconMetrics recon_metrics(const float* real, const float* recon, size_t n_cells, size_t n_genes);

}  // namespace scldm
