// The gradient all-reduce of data-parallel training, alone: the base VAE's
// and the base DiT's gradients summed over the ranks as fit-vae / fit-prior
// sum them (sum_gradients: 25 MB buckets, then the flags), timed.
//   RANK=r WORLD_SIZE=W MASTER_ADDR=127.0.0.1 MASTER_PORT=P bench_allreduce GENES REPEATS
// (bench/distributed.sh starts the ranks.) Rank 0 prints one row per model.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "model/dit.hpp"
#include "model/vae.hpp"
#include "train/data_parallel.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;

namespace {

// Median seconds of `repeats` sums of these parameters' gradients.
double time_sum(DataParallel& group, const std::vector<torch::Tensor>& params, int repeats) {
  for (auto p : params) p.mutable_grad() = torch::randn_like(p);
  std::vector<double> seconds;
  for (int r = -2; r < repeats; ++r) {  // two warm-ups
    group.sum(std::vector<double>{0});  // start together
    auto t = std::chrono::steady_clock::now();
    sum_gradients(group, params);
    if (r >= 0) seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

void report(DataParallel& group, const char* name, const std::vector<torch::Tensor>& params, int repeats) {
  int64_t n = 0;
  for (auto& p : params) n += p.numel();
  const double s = time_sum(group, params, repeats);
  if (group.rank() == 0)
    printf("%s\t%d\t%lld\t%.2f\t%.3f\t%.2f\n", name, group.size(), (long long)n, double(n) * 4 / 1e6, s * 1e3,
           double(n) * 4 / 1e9 / s);
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc < 3) {
    fprintf(stderr, "usage: RANK=.. WORLD_SIZE=.. MASTER_PORT=.. bench_allreduce GENES REPEATS\n");
    return 2;
  }
  at::set_num_threads(1);
  const WorldSetup world = world_from_environment();
  DataParallel group(world, "gloo", std::chrono::seconds(60), torch::kCPU);
  VaeConfig vc = vae_preset("base");
  vc.n_genes = atoll(argv[1]);
  DitConfig dc = dit_preset("base");
  dc.classes = {8};
  torch::manual_seed(0);
  Vae vae(vc);
  Dit dit(dc, std::vector<std::string>{"cell_type"});
  if (group.rank() == 0) printf("model\tranks\tparameters\tMB\tms per all-reduce\tGB/s (payload)\n");
  report(group, "VAE base", vae->parameters(), atoi(argv[2]));
  report(group, "DiT base", dit->parameters(), atoi(argv[2]));
  return 0;
}
