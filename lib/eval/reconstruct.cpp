#include "eval/reconstruct.hpp"

#include "model/cell_blocks.hpp"
#include "model/encode.hpp"
#include "train/batch.hpp"

namespace scldm {

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
