// Benchmark helpers for the prior (scldm-model(7)):
//   bench_prior solvers PRIOR.pt [CELLS]   solver x steps against a tight dopri5 reference
//   bench_prior gaussian PRIOR.pt N OUT    latents drawn from N(0, I) (a VAE without the learned
//                                          prior) with the prior's library sizes, as a latent stream
//   bench_prior stats A.lat [B.lat]       per latent token: mean and SD over cells and the token's
//                                          dimensions, and their spread (is N(0, I) the latents' scale?)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "io/stream.hpp"
#include "spec/library.hpp"
#include "sample/sampler.hpp"
#include "model/batch.hpp"
#include "train/latents.hpp"
#include "util/output.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int solvers(const std::string& path, int64_t cells) {
  LoadedPrior prior = load_prior(path, torch::kCPU);
  // Unconditional cells: the field every solver integrates is the same.
  std::vector<std::vector<int32_t>> req(size_t(cells), std::vector<int32_t>(prior.description.attributes.size(), -1));
  SampleOptions ref_opt;
  ref_opt.solver.solver = "dopri5";
  ref_opt.solver.atol = ref_opt.solver.rtol = 1e-8;
  std::vector<double> lib;
  auto reference = sample_latents(prior, req, 0, ref_opt, lib);
  printf("solver\tsetting\tevals_per_cell\tseconds\tcells_per_s\trms_to_reference\tmax_abs\n");
  auto run = [&](const std::string& name, int64_t steps, double tol) {
    SampleOptions o;
    o.solver.solver = name;
    o.solver.steps = steps;
    o.solver.atol = o.solver.rtol = tol;
    SolveStats stats;
    auto t0 = std::chrono::steady_clock::now();
    auto z = sample_latents(prior, req, 0, o, lib, &stats);
    double s = seconds_since(t0);
    double rms = (z - reference).pow(2).mean().sqrt().item<double>();
    double mx = (z - reference).abs().max().item<double>();
    char setting[32];
    if (name == "dopri5") snprintf(setting, sizeof setting, "tol %.0e", tol);
    else snprintf(setting, sizeof setting, "%lld steps", (long long)steps);
    printf("%s\t%s\t%.1f\t%.2f\t%.0f\t%.3e\t%.3e\n", name.c_str(), setting, double(stats.evaluations) / double(cells), s,
           double(cells) / s, rms, mx);
    fflush(stdout);
  };
  for (int64_t steps : {5, 10, 20, 50, 100}) run("euler", steps, 0);
  for (int64_t steps : {5, 10, 20, 50, 100}) run("heun", steps, 0);
  for (double tol : {1e-3, 1e-4, 1e-5, 1e-6}) run("dopri5", 10, tol);
  return 0;
}

int gaussian(const std::string& path, int64_t n, const std::string& output) {
  LoadedPrior prior = load_prior(path, torch::kCPU);
  const auto& d = prior.description;
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = d.config.tokens;
  h.dim = d.config.latent_dim;
  h.provenance = {{"vae_fingerprint", d.vae_fingerprint}, {"vae_path", d.vae_path}, {"note", "N(0, I) baseline"}};
  OutputFile out(output, true);
  StreamWriter w(out.fd(), out.path(), h);
  LibraryGroup all = library_lookup(d.library, d.attributes, std::vector<int32_t>(d.attributes.size(), -1));
  LatentBlock b;
  b.clear(0);
  for (int64_t i = 0; i < n; ++i) {
    auto gen = at::detail::createCPUGenerator(mix_seed(0, uint64_t(i)));
    auto z = torch::randn({h.tokens, h.dim}, gen);
    double eps = torch::randn({1}, gen).item<double>();
    b.ids.push_back("gauss" + std::to_string(i + 1));
    b.library_size.push_back(std::max(1.0, std::round(std::exp(all.mean + all.sd * eps))));
    b.values.insert(b.values.end(), z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
  }
  w.write(b);
  w.finish();
  out.commit();
  return 0;
}

int stats(const std::vector<std::string>& paths) {
  printf("file\ttoken\tmean\tsd\tsd_of_dim_means\tmin_dim_sd\tmax_dim_sd\n");
  for (const auto& path : paths) {
    StreamReader in(path);
    auto z = read_latents(in, {}).z.to(torch::kDouble);  // [cells, tokens, dim]
    const int64_t tokens = z.size(1);
    auto dim_mean = z.mean(0), dim_sd = z.std(0);  // [tokens, dim]
    for (int64_t t = 0; t <= tokens; ++t) {  // the last row: every token together
      auto sel = t < tokens ? z.select(1, t) : z.reshape({z.size(0), -1});
      auto m = t < tokens ? dim_mean[t] : dim_mean.flatten();
      auto s = t < tokens ? dim_sd[t] : dim_sd.flatten();
      printf("%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", path.c_str(), t < tokens ? std::to_string(t).c_str() : "all",
             sel.mean().item<double>(), sel.std().item<double>(), m.std().item<double>(), s.min().item<double>(),
             s.max().item<double>());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc >= 3 && strcmp(argv[1], "solvers") == 0) return solvers(argv[2], argc > 3 ? atoll(argv[3]) : 256);
  if (argc == 5 && strcmp(argv[1], "gaussian") == 0) return gaussian(argv[2], atoll(argv[3]), argv[4]);
  if (argc >= 3 && argc <= 4 && strcmp(argv[1], "stats") == 0) return stats({argv + 2, argv + argc});
  fprintf(stderr, "usage: bench_prior solvers PRIOR.pt [CELLS] | gaussian PRIOR.pt N OUT.lat | stats A.lat [B.lat]\n");
  return 2;
}
