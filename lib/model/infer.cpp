#include "model/infer.hpp"

#include "model/batch.hpp"
#include "model/cell_blocks.hpp"

namespace scldm {

torch::Tensor encode_cells(LoadedVae& vae, const CellSet& cells, const std::vector<size_t>& which, const EncodeOptions& opt) {
  // Blocks of fixed size aligned to the position in `which`, each padded to
  // its longest cell: the same cells in the same order give the same bytes
  // for any batch size and thread count (lib/model/cell_blocks.hpp).
  const int64_t n = int64_t(which.size()), block = cell_block_size(opt.device);
  auto out = torch::empty({n, vae.config.tokens, vae.config.latent_dim});
  for_each_cell_block(0, n, opt.device, [&](int64_t begin) {
    const int64_t real = std::min(block, n - begin);
    std::vector<size_t> rows(size_t(block), kPlaceholderCell);
    for (int64_t k = 0; k < real; ++k) rows[size_t(k)] = which[size_t(begin + k)];
    auto z = vae.model->encode(encoder_batch(cells, rows, vae.config.max_genes, opt.seed, opt.device, 0, vae.model->encoder_genes)).first;
    out.narrow(0, begin, real).copy_(z.narrow(0, 0, real).to(torch::kCPU));
  });
  return out;
}

torch::Tensor sample_nb_cell(const torch::Tensor& mu, const torch::Tensor& theta, uint64_t seed) {
  // In float64, so that counts stay exact integers whatever their size.
  auto gen = at::detail::createCPUGenerator(seed);
  auto m = mu.to(torch::kCPU, torch::kFloat64), t = theta.to(torch::kCPU, torch::kFloat64);
  auto rate = at::_standard_gamma(t, gen) * (m / t);  // Gamma(theta, mu/theta), then Poisson
  return at::poisson(rate, gen);
}

}  // namespace scldm
