// Reconstruction quality of a trained VAE on held-out cells (scldm-model(7), EVALUATION),
// next to the best cell-independent NB baseline: mu = (gene's share of all
// training counts) x library size, per-gene theta fitted by maximum
// likelihood on the training cells.
// Usage: bench_vae_quality VAE.pt TRAIN.h5ad TEST.h5ad [THREADS]
#include <cmath>
#include <cstdio>

#include "model/reconstruction.hpp"
#include "bench/cells.hpp"
#include "io/h5ad_reader.hpp"
#include "model/infer.hpp"
#include "model/batch.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;

namespace {

// Dense counts [n, G] of a cell set.
std::vector<float> dense(const CellSet& c, size_t G) {
  std::vector<float> x(c.size() * G, 0);
  for (size_t i = 0; i < c.size(); ++i)
    for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) x[i * G + size_t(c.genes[k] - 1)] = c.counts[k];
  return x;
}

double nb_logpmf(double x, double mu, double theta) {
  const double eps = 1e-8;
  return theta * (std::log(theta + eps) - std::log(theta + mu + eps)) + x * (std::log(mu + eps) - std::log(theta + mu + eps)) +
         std::lgamma(x + theta) - std::lgamma(theta) - std::lgamma(x + 1);
}

// Golden-section search of log theta for one gene's likelihood.
double fit_theta(const std::vector<float>& x, const std::vector<double>& mu, size_t G, size_t g) {
  auto ll = [&](double lt) {
    double t = std::exp(lt), s = 0;
    for (size_t i = 0; i < mu.size() / G; ++i) s += nb_logpmf(x[i * G + g], mu[i * G + g], t);
    return s;
  };
  double a = -8, b = 8, r = (std::sqrt(5.0) - 1) / 2;
  double c = b - r * (b - a), d = a + r * (b - a);
  for (int it = 0; it < 60; ++it) {
    if (ll(c) > ll(d)) b = d;
    else a = c;
    c = b - r * (b - a);
    d = a + r * (b - a);
  }
  return std::exp((a + b) / 2);
}

void report(const char* name, double re, const ReconMetrics& m) {
  printf("| %s | %.1f | %.3f | %.3f | %.3f |\n", name, re, m.pcc, m.mse, m.zero_accuracy);
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc < 4) {
    fprintf(stderr, "usage: bench_vae_quality VAE.pt TRAIN.h5ad TEST.h5ad [THREADS]\n");
    return 2;
  }
  at::set_num_threads(argc > 4 ? atoi(argv[4]) : 1);
  LoadedVae vae = load_vae(argv[1], torch::kCPU);
  CellSet train = load_h5ad_cells(argv[2], vae.genes), test = load_h5ad_cells(argv[3], vae.genes);
  const size_t G = vae.genes.size(), n = test.size();
  auto x = dense(test, G);

  // The model: NB NLL per cell with the observed library size, and one sampled reconstruction.
  double re = 0;
  std::vector<float> recon(n * G);
  torch::NoGradGuard no_grad;
  for (size_t start = 0; start < n; start += 256) {
    std::vector<size_t> which;
    for (size_t i = start; i < std::min(n, start + 256); ++i) which.push_back(i);
    auto z = vae.model->encode(encoder_batch(test, which, vae.config.max_genes, 0, torch::kCPU)).first;
    auto d = vae.model->decode(z, library_sizes(test, which, torch::kCPU));
    auto xb = dense_counts(test, which, int64_t(G), torch::kCPU);
    re += -nb_log_prob(xb, d.mu, d.theta).sum().item<double>();
    for (size_t b = 0; b < which.size(); ++b) {
      auto s = sample_nb_cell(d.mu[int64_t(b)], d.theta, mix_seed(1, which[b])).to(torch::kFloat).contiguous();
      std::copy(s.data_ptr<float>(), s.data_ptr<float>() + G, recon.begin() + long(which[b] * G));
    }
  }
  printf("| model | RE (NB NLL per cell) | PCC | MSE | zero accuracy |\n|---|---|---|---|---|\n");
  report("scLDM VAE", re / double(n), recon_metrics(x.data(), recon.data(), n, G));

  // The baseline, fitted on the training cells.
  auto xt = dense(train, G);
  std::vector<double> share(G, 0);
  double total = 0;
  for (size_t i = 0; i < train.size(); ++i)
    for (size_t g = 0; g < G; ++g) share[g] += xt[i * G + g];
  for (double s : share) total += s;
  for (double& s : share) s /= total;
  std::vector<double> mu_train(train.size() * G), mu_test(n * G);
  for (size_t i = 0; i < train.size(); ++i)
    for (size_t g = 0; g < G; ++g) mu_train[i * G + g] = share[g] * train.library_size[i];
  for (size_t i = 0; i < n; ++i)
    for (size_t g = 0; g < G; ++g) mu_test[i * G + g] = share[g] * test.library_size[i];
  std::vector<double> theta(G);
  for (size_t g = 0; g < G; ++g) theta[g] = fit_theta(xt, mu_train, G, g);
  double re_base = 0;
  std::vector<float> base(n * G);
  for (size_t i = 0; i < n; ++i) {
    auto mu = torch::empty({int64_t(G)}), th = torch::empty({int64_t(G)});
    for (size_t g = 0; g < G; ++g) {
      re_base -= nb_logpmf(x[i * G + g], mu_test[i * G + g], theta[g]);
      mu[int64_t(g)] = float(mu_test[i * G + g]);
      th[int64_t(g)] = float(theta[g]);
    }
    auto s = sample_nb_cell(mu, th, mix_seed(1, i)).to(torch::kFloat).contiguous();
    std::copy(s.data_ptr<float>(), s.data_ptr<float>() + G, base.begin() + long(i * G));
  }
  report("NB baseline (gene share x L, per-gene theta)", re_base / double(n), recon_metrics(x.data(), base.data(), n, G));
  printf("(%zu test cells, %zu genes; %zu training cells for the baseline)\n", n, G, train.size());
  return 0;
}
