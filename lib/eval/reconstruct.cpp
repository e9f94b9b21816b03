#include "eval/reconstruct.hpp"

#include "model/encode.hpp"
#include "train/batch.hpp"

namespace scldm {

ReconstructionResult evaluate_reconstruction(Vae& model, const CellSet& data, const std::vector<size_t>& val,
                                             int64_t batch, uint64_t seed, const torch::Device& device) {
  ReconstructionResult r;
  if (val.empty()) return r;
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  int64_t G = model->config.n_genes;
  std::vector<float> real, recon;
  double nll = 0;
  for (size_t start = 0; start < val.size(); start += size_t(batch)) {
    std::vector<size_t> which(val.begin() + long(start), val.begin() + long(std::min(val.size(), start + size_t(batch))));
    auto z = model->encode(encoder_batch(data, which, model->config.max_genes, seed, device)).first;
    auto dec = model->decode(z, library_sizes(data, which, device));
    auto x = dense_counts(data, which, G, device);
    nll += -nb_log_prob(x, dec.mu, dec.theta).sum().item<double>();
    auto sample = torch::empty_like(dec.mu, torch::kCPU);
    for (size_t b = 0; b < which.size(); ++b)
      sample[int64_t(b)].copy_(sample_nb_cell(dec.mu[int64_t(b)], dec.theta, mix_seed(seed ^ 0xEA1, which[b])));
    auto xc = x.to(torch::kCPU).contiguous();
    real.insert(real.end(), xc.data_ptr<float>(), xc.data_ptr<float>() + xc.numel());
    recon.insert(recon.end(), sample.data_ptr<float>(), sample.data_ptr<float>() + sample.numel());
  }
  model->train(was_training);
  r.cells = val.size();
  r.nll = nll / double(val.size());
  r.recon = recon_metrics(real.data(), recon.data(), val.size(), size_t(G));
  return r;
}

}  // namespace scldm
