#include "model/reconstruction.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/cell_blocks.hpp"
#include "model/batch.hpp"
#include "model/infer.hpp"
#include "util/indices.hpp"

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

ReconAccumulator::ReconAccumulator(size_t n_genes)
    : g_(n_genes), n_(n_genes, 0), mean_a_(n_genes), mean_b_(n_genes), m2_a_(n_genes), m2_b_(n_genes), c_ab_(n_genes) {}

void ReconAccumulator::add(const float* real, const float* recon, size_t cells, const uint8_t* measured) {
  if (cells == 0) return;
  auto a = log_cp10k(real, cells, g_), b = log_cp10k(recon, cells, g_);
  auto counts = [&](size_t i, size_t j) { return !measured || measured[i * g_ + j]; };
  for (size_t j = 0; j < g_; ++j) {
    size_t k = 0;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < cells; ++i)
      if (counts(i, j)) ma += a[i * g_ + j], mb += b[i * g_ + j], ++k;
    if (k == 0) continue;
    ma /= double(k);
    mb /= double(k);
    double saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < cells; ++i) {
      if (!counts(i, j)) continue;
      const double da = a[i * g_ + j] - ma, db = b[i * g_ + j] - mb;
      saa += da * da, sbb += db * db, sab += da * db;
      se_ += (a[i * g_ + j] - b[i * g_ + j]) * (a[i * g_ + j] - b[i * g_ + j]);
      zero_right_ += (real[i * g_ + j] == 0) == (recon[i * g_ + j] == 0);
    }
    merge_gene(j, k, ma, mb, saa, sbb, sab);
    entries_ += k;
  }
}

// Chan et al.'s merge of k cells' means and centred sums of gene j into the running ones.
void ReconAccumulator::merge_gene(size_t j, uint64_t k, double ma, double mb, double saa, double sbb, double sab) {
  const double n = double(n_[j]), N = double(n_[j] + k), w = n * double(k) / N;
  const double delta_a = ma - mean_a_[j], delta_b = mb - mean_b_[j];
  mean_a_[j] += delta_a * double(k) / N;
  mean_b_[j] += delta_b * double(k) / N;
  m2_a_[j] += saa + delta_a * delta_a * w;
  m2_b_[j] += sbb + delta_b * delta_b * w;
  c_ab_[j] += sab + delta_a * delta_b * w;
  n_[j] += k;
}

std::vector<double> ReconAccumulator::state() const {
  std::vector<double> s{double(entries_), se_, double(zero_right_)};
  for (size_t j = 0; j < g_; ++j) s.insert(s.end(), {double(n_[j]), mean_a_[j], mean_b_[j], m2_a_[j], m2_b_[j], c_ab_[j]});
  return s;
}

void ReconAccumulator::merge(const std::vector<double>& s) {
  if (s.size() != 3 + 6 * g_) throw std::invalid_argument("ReconAccumulator::merge: a state of another gene count");
  entries_ += uint64_t(s[0]);
  se_ += s[1];
  zero_right_ += uint64_t(s[2]);
  for (size_t j = 0; j < g_; ++j) {
    const double* g = s.data() + 3 + 6 * j;
    if (g[0] > 0) merge_gene(j, uint64_t(g[0]), g[1], g[2], g[3], g[4], g[5]);
  }
}

ReconMetrics ReconAccumulator::result() const {
  ReconMetrics m;
  double pcc_sum = 0;
  size_t pcc_n = 0;
  for (size_t j = 0; j < g_; ++j)
    if (m2_a_[j] > 0 && m2_b_[j] > 0) {
      pcc_sum += c_ab_[j] / std::sqrt(m2_a_[j] * m2_b_[j]);
      ++pcc_n;
    }
  const double entries = double(entries_);
  m.pcc = pcc_n ? pcc_sum / double(pcc_n) : NAN;
  m.mse = se_ / entries;
  m.zero_accuracy = double(zero_right_) / entries;
  return m;
}

ReconMetrics recon_metrics(const float* real, const float* recon, size_t n, size_t g) {
  ReconAccumulator acc(g);
  acc.add(real, recon, n);
  return acc.result();
}

namespace {

// Cells [begin, begin + k) of `which` (one block): their real and sampled
// counts into real/recon (row-major), their NLL into nll, and with gene
// panels, which genes each measured into `measured`.
void reconstruct_block(Vae& model, const CellSet& data, const Indices& which_all, int64_t begin, int64_t k, uint64_t seed,
                       const torch::Device& device, float* real, float* recon, double* nll, uint8_t* measured) {
  const int64_t G = model->config.n_genes, block = cell_block_size(device);
  Indices which(which_all.begin() + begin, which_all.begin() + begin + k), rows = which;
  rows.resize(size_t(block), kPlaceholderCell);
  auto z = model->encode(encoder_batch(data, rows, model->config.max_genes, seed, device, 0, model->encoder_genes)).first.narrow(0, 0, k);
  const torch::Tensor mask = measured_genes(data, which, device);
  auto dec = model->decode(z, library_sizes(data, which, device), mask);
  auto x = dense_counts(data, which, G, device);
  auto cell_nll = (-cell_log_likelihood(x, dec, mask)).to(torch::kCPU, torch::kFloat64).contiguous();
  if (mask.defined()) {
    auto m = mask.to(torch::kCPU, torch::kUInt8).contiguous();
    std::copy(m.data_ptr<uint8_t>(), m.data_ptr<uint8_t>() + m.numel(), measured);
  }
  auto xc = x.to(torch::kCPU).contiguous();
  std::copy(xc.data_ptr<float>(), xc.data_ptr<float>() + xc.numel(), real);
  for (int64_t b = 0; b < k; ++b) {
    nll[b] = cell_nll.data_ptr<double>()[b];
    const uint64_t cell = data.position(which[size_t(b)]);
    auto s = sample_nb_cell(dec.mu[b], dec.theta, mix_seed(seed ^ 0xEA1, cell)).to(torch::kFloat32).contiguous();
    std::copy(s.data_ptr<float>(), s.data_ptr<float>() + G, recon + b * G);
  }
}

}  // namespace

ReconstructionPass::ReconstructionPass(Vae& model, uint64_t seed, const torch::Device& device)
    : model_(model), seed_(seed), device_(device), was_training_(model->is_training()),
      metrics_(size_t(model->config.n_genes)) {
  model_->eval();
}

ReconstructionPass::~ReconstructionPass() { model_->train(was_training_); }

void ReconstructionPass::add(const CellSet& data, const std::vector<size_t>& which) {
  const int64_t G = model_->config.n_genes, n = int64_t(which.size()), block = cell_block_size(device_);
  std::vector<double> nll(static_cast<size_t>(n));
  // Rounds of whole blocks (aligned to the position in `which`, see
  // lib/model/cell_blocks.hpp) bound the dense counts held at once; the
  // metrics accumulate block by block in order, whatever the thread count.
  const int64_t round = block * 16;
  std::vector<float> real(size_t(std::min(round, n) * G)), recon(real.size());
  std::vector<uint8_t> measured(data.panels ? real.size() : 0);
  for (int64_t start = 0; start < n; start += round) {
    const int64_t c = std::min(round, n - start);
    for_each_cell_block(start, c, device_, [&](int64_t begin) {
      const int64_t k = std::min(block, n - begin), row = (begin - start) * G;
      reconstruct_block(model_, data, which, begin, k, seed_, device_, real.data() + row, recon.data() + row, nll.data() + begin,
                        measured.empty() ? nullptr : measured.data() + row);
    });
    for (int64_t b = 0; b < c; b += block)
      metrics_.add(real.data() + b * G, recon.data() + b * G, size_t(std::min(block, c - b)),
                   measured.empty() ? nullptr : measured.data() + b * G);
  }
  for (double v : nll) nll_sum_ += v;
  cells_ += which.size();
}

std::vector<double> ReconstructionPass::state() const {
  std::vector<double> s{nll_sum_, double(cells_)};
  auto m = metrics_.state();
  s.insert(s.end(), m.begin(), m.end());
  return s;
}

void ReconstructionPass::merge(const std::vector<double>& s) {
  nll_sum_ += s.at(0);
  cells_ += size_t(s.at(1));
  metrics_.merge(std::vector<double>(s.begin() + 2, s.end()));
}

ReconstructionResult ReconstructionPass::result() const {
  ReconstructionResult r;
  if (cells_ == 0) return r;
  r.cells = cells_;
  r.nll = nll_sum_ / double(cells_);
  r.recon = metrics_.result();
  return r;
}

}  // namespace scldm
