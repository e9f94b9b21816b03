#include "model/reconstruction.hpp"

#include <cmath>
#include <vector>

#include "model/cell_blocks.hpp"
#include "model/batch.hpp"
#include "model/infer.hpp"

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

ReconstructionResult evaluate_reconstruction(Vae& model, const CellSet& data, const std::vector<size_t>& val,
                                             int64_t /*batch*/, uint64_t seed, const torch::Device& device) {
  ReconstructionResult r;
  if (val.empty()) return r;
  const bool was_training = model->is_training();
  model->eval();
  const int64_t G = model->config.n_genes, n = int64_t(val.size()), block = cell_block_size(device);
  std::vector<float> real(size_t(n * G)), recon(size_t(n * G));
  std::vector<double> nll(static_cast<size_t>(n));
  // Fixed blocks aligned to the position in `val` (lib/model/cell_blocks.hpp).
  for_each_cell_block(0, n, device, [&](int64_t begin) {
    const int64_t k = std::min(block, n - begin);
    std::vector<size_t> which(val.begin() + begin, val.begin() + begin + k), rows = which;
    rows.resize(size_t(block), kPlaceholderCell);
    auto z = model->encode(encoder_batch(data, rows, model->config.max_genes, seed, device)).first.narrow(0, 0, k);
    auto dec = model->decode(z, library_sizes(data, which, device));
    auto x = dense_counts(data, which, G, device);
    auto cell_nll = (-nb_log_prob(x, dec.mu, dec.theta).sum(1)).to(torch::kCPU, torch::kFloat64).contiguous();
    auto xc = x.to(torch::kCPU).contiguous();
    std::copy(xc.data_ptr<float>(), xc.data_ptr<float>() + xc.numel(), real.begin() + begin * G);
    for (int64_t b = 0; b < k; ++b) {
      nll[size_t(begin + b)] = cell_nll.data_ptr<double>()[b];
      auto s = sample_nb_cell(dec.mu[b], dec.theta, mix_seed(seed ^ 0xEA1, which[size_t(b)])).to(torch::kFloat32).contiguous();
      std::copy(s.data_ptr<float>(), s.data_ptr<float>() + G, recon.begin() + (begin + b) * G);
    }
  });
  model->train(was_training);
  r.cells = val.size();
  double total = 0;
  for (double v : nll) total += v;
  r.nll = total / double(n);
  r.recon = recon_metrics(real.data(), recon.data(), val.size(), size_t(G));
  return r;
}

}  // namespace scldm
