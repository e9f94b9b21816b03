// One part of a VAE training step as fit-vae runs it on the CPU (32 cells, one
// thread), stage by stage: the encoder's forward and backward pass, the
// decoder's and the likelihood's. The same cells every step and the best of N
// steps, so that a 5 % change shows through a noisy machine's spread.
// Usage: bench_vae_part DATA.h5ad [PRESET] [STEPS]
#include <chrono>
#include <cstdio>

#include "io/h5ad_reader.hpp"
#include "model/batch.hpp"
#include "model/vae.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count() * 1e3; }

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc < 2) {
    fprintf(stderr, "usage: bench_vae_part DATA.h5ad [PRESET] [STEPS]\n");
    return 2;
  }
  at::set_num_threads(1);
  H5adReader reader(argv[1]);
  CellSet cells = load_cells(reader, {}, true);
  VaeConfig c = vae_preset(argc > 2 ? argv[2] : "base");
  const int steps = argc > 3 ? atoi(argv[3]) : 30;
  c.n_genes = int64_t(cells.vocabulary.size());
  torch::manual_seed(0);
  Vae model(c);
  std::vector<size_t> which;
  for (size_t i = 0; i < 32; ++i) which.push_back(i * 104729 % cells.size());
  auto batch = encoder_batch(cells, which, c.max_genes, 0, torch::kCPU);
  auto library = library_sizes(cells, which, torch::kCPU);
  auto counts = dense_counts(cells, which, c.n_genes, torch::kCPU);
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  for (int s = -2; s < steps; ++s) {  // two warm-up steps
    auto t = Clock::now();
    auto z = model->encode(batch).first;
    const double encode = ms_since(t);
    t = Clock::now();
    z.backward(torch::ones_like(z));
    const double encode_back = ms_since(t);
    auto latent = z.detach().requires_grad_(true);
    t = Clock::now();
    auto loss = -cell_log_likelihood(counts, model->decode(latent, library), {}).mean();
    const double decode = ms_since(t);
    t = Clock::now();
    loss.backward();
    const double decode_back = ms_since(t);
    const double now[4] = {encode, encode_back, decode, decode_back};
    for (int k = 0; s >= 0 && k < 4; ++k) best[k] = std::min(best[k], now[k]);
  }
  printf("one part (32 cells, 1 thread), best of %d steps, ms: encoder forward %.1f, backward %.1f; decoder and "
         "likelihood forward %.1f, backward %.1f; sum %.1f\n",
         steps, best[0], best[1], best[2], best[3], best[0] + best[1] + best[2] + best[3]);
  return 0;
}
