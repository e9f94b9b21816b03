#include "eval/recon.hpp"

#include <cmath>
#include <vector>

namespace scldm {
namespace {

std::vector<double> log_cp10k(const float* x, size_t n, size_t g) {
  std::vector<double> out(n * g);
  for (size_t i = 0; i < n; ++i) {
    double total = 0;
    for (size_t j = 0; j < g; ++j) total += x[i * g + j];
    double scale = total > 0 ? 1e4 / total : 0;
    for (size_t j = 0; j < g; ++j) out[i * g + j] = std::log1p(x[i * g + j] * scale);
  }
  return out;
}

}  // namespace

ReconMetrics recon_metrics(const float* real, const float* recon, size_t n, size_t g) {
  ReconMetrics m;
  auto a = log_cp10k(real, n, g), b = log_cp10k(recon, n, g);
  double pcc_sum = 0, se = 0;
  size_t pcc_n = 0, zero_right = 0;
  for (size_t j = 0; j < g; ++j) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; ++i) {
      ma += a[i * g + j];
      mb += b[i * g + j];
    }
    ma /= double(n);
    mb /= double(n);
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; ++i) {
      double da = a[i * g + j] - ma, db = b[i * g + j] - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
      se += (a[i * g + j] - b[i * g + j]) * (a[i * g + j] - b[i * g + j]);
      zero_right += (real[i * g + j] == 0) == (recon[i * g + j] == 0);
    }
    if (saa > 0 && sbb > 0) {
      pcc_sum += sab / std::sqrt(saa * sbb);
      ++pcc_n;
    }
  }
  m.pcc = pcc_n ? pcc_sum / double(pcc_n) : NAN;
  m.mse = se / double(n * g);
  m.zero_accuracy = double(zero_right) / double(n * g);
  return m;
}

}  // namespace scldm
