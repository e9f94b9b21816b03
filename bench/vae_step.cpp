// Training-step profile of the VAE: where a step's time goes, cells/s, the
// model's FLOPs per cell and the fraction of this machine's matmul peak.
// Usage: bench_vae DATA.h5ad [PRESET] [STEPS] [THREADS] [BATCH]
#include <ATen/autocast_mode.h>

#include <torch/csrc/autograd/profiler.h>

#include <chrono>
#include <memory>
#include <cstdio>
#include <ctime>

#include "io/h5ad_reader.hpp"
#include "model/vae.hpp"
#include "model/batch.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Multiply-adds x 2 of the forward pass for one cell with L expressed genes.
double forward_flops(const VaeConfig& c, double L) {
  double E = double(c.embed), m = double(c.tokens), D = double(c.latent_dim), G = double(c.n_genes), H = double(c.hidden());
  double mlp = 3 * E * H;                      // per token
  double self_block = m * (4 * E * E + 2 * m * E + mlp);
  double enc_ca = L * 2 * E * E + m * (2 * E * E + 2 * L * E + mlp);
  double dec_ca = G * (2 * E * E + 2 * m * E + mlp + E) + m * 2 * E * E;
  return 2 * (enc_ca + 2 * double(c.blocks) * self_block + m * E * D * 2 + dec_ca);
}

double matmul_peak(int n) {
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::matmul(a, b);
  auto t0 = Clock::now();
  int reps = 5;
  for (int i = 0; i < reps; ++i) torch::matmul(a, b);
  return 2.0 * n * n * n * reps / seconds(t0, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc < 2) {
    fprintf(stderr, "usage: bench_vae DATA.h5ad [PRESET] [STEPS] [THREADS] [BATCH] [bf16]\n");
    return 2;
  }
  std::string preset = argc > 2 ? argv[2] : "base";
  int steps = argc > 3 ? atoi(argv[3]) : 10;
  int threads = argc > 4 ? atoi(argv[4]) : 1;
  int64_t batch = argc > 5 ? atoll(argv[5]) : 128;
  bool bf16 = argc > 6 && std::string(argv[6]) == "bf16";
  at::set_num_threads(threads);
  H5adReader reader(argv[1]);
  CountSource& src = reader;
  CellSet cells = load_cells(src, {}, true);
  VaeConfig c = vae_preset(preset);
  c.n_genes = int64_t(cells.vocabulary.size());
  torch::manual_seed(0);
  Vae model(c);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3).betas({0.9, 0.95}));
  // SCLDM_PROFILE=trace.json writes a Chrome trace of the measured steps.
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
  double t_batch = 0, t_enc = 0, t_dec = 0, t_loss = 0, t_back = 0, t_opt = 0, genes = 0;
  size_t n = cells.size();
  std::clock_t cpu_start = 0;
  for (int s = -1; s < steps; ++s) {  // step -1 warms up
    if (s == 0) cpu_start = std::clock();
    if (s == 0 && getenv("SCLDM_PROFILE")) profile = std::make_unique<torch::autograd::profiler::RecordProfile>(getenv("SCLDM_PROFILE"));
    std::vector<size_t> which;
    for (int64_t i = 0; i < batch; ++i) which.push_back(size_t((uint64_t(s + 1) * 7919 + uint64_t(i) * 104729) % n));
    auto t0 = Clock::now();
    auto eb = encoder_batch(cells, which, c.max_genes, 0, torch::kCPU);
    auto lib = library_sizes(cells, which, torch::kCPU);
    auto x = dense_counts(cells, which, c.n_genes, torch::kCPU);
    auto t1 = Clock::now();
    torch::Tensor z, loss;
    Decoded d;
    if (bf16) at::autocast::set_cpu_enabled(true);  // forward in bfloat16 where autocast allows
    z = model->encode(eb).first;
    auto t2 = Clock::now();
    d = model->decode(z, lib);
    auto t3 = Clock::now();
    loss = -nb_log_prob(x, d.mu.to(torch::kFloat32), d.theta.to(torch::kFloat32)).sum(1).mean();
    auto t4 = Clock::now();
    if (bf16) at::autocast::set_cpu_enabled(false);
    opt.zero_grad();
    loss.backward();
    auto t5 = Clock::now();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 10.0);
    opt.step();
    auto t6 = Clock::now();
    if (s < 0) continue;
    t_batch += seconds(t0, t1), t_enc += seconds(t1, t2), t_dec += seconds(t2, t3), t_loss += seconds(t3, t4);
    t_back += seconds(t4, t5), t_opt += seconds(t5, t6);
    for (size_t w : which) genes += double(std::min<size_t>(cells.expressed(w), size_t(c.max_genes)));
    if (s == steps - 1) printf("final loss %.2f\n", loss.item<double>());
  }
  profile.reset();
  double cpu_total = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  double total = t_batch + t_enc + t_dec + t_loss + t_back + t_opt;
  double cells_done = double(steps * batch);
  double flops = 3 * forward_flops(c, genes / cells_done);  // forward + backward ~ 3x forward
  double peak = matmul_peak(1024);
  printf("preset %s, %d threads, batch %lld, %s, %d steps: %.3f s/step, %.0f cells/s\n", preset.c_str(), threads,
         (long long)batch, bf16 ? "bf16 autocast" : "float32", steps, total / steps, cells_done / total);
  printf("  CPU time %.3f s/step (all threads)\n", cpu_total / steps);
  printf("  batch %.0f%%  encode %.0f%%  decode %.0f%%  loss %.0f%%  backward %.0f%%  optimizer %.0f%%\n",
         100 * t_batch / total, 100 * t_enc / total, 100 * t_dec / total, 100 * t_loss / total, 100 * t_back / total,
         100 * t_opt / total);
  printf("  %.1f MFLOP per cell per training step (mean %.0f expressed genes); %.1f GFLOP/s achieved; "
         "matmul peak %.1f GFLOP/s (1024^2, %d threads): %.0f%%\n",
         flops / 1e6, genes / cells_done, flops * cells_done / total / 1e9, peak / 1e9, threads,
         100 * flops * cells_done / total / peak);
  return 0;
}
