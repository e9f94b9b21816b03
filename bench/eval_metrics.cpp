// Seconds per evaluation metric on up to N x N cells in the 30-PC space of
// the real cells, and the points written out for POT's emd2 (bench/pot_w2.py).
// Usage: bench_eval REAL.h5ad GENERATED.h5ad N POINTS_DIR
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>

#include "eval/generation.hpp"
#include "eval/metrics.hpp"
#include "eval/ot.hpp"
#include "bench/cells.hpp"
#include "io/h5ad_reader.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;

namespace {

void write_points(const std::string& path, const torch::Tensor& t) {
  std::ofstream f(path, std::ios::binary);
  auto c = t.contiguous();
  f.write(reinterpret_cast<const char*>(c.data_ptr<double>()), std::streamsize(c.numel() * 8));
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  if (argc != 5) {
    fprintf(stderr, "usage: bench_eval REAL.h5ad GENERATED.h5ad N POINTS_DIR\n");
    return 2;
  }
  at::set_num_threads(2);
  const size_t n = size_t(atoll(argv[3]));
  H5adReader probe(argv[1]);
  CellSet real = load_h5ad_cells(argv[1], probe.schema().genes), gen = load_h5ad_cells(argv[2], probe.schema().genes);
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&]() {
    auto t = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(t - t0).count();
    t0 = t;
    return s;
  };
  PcaSpace space = fit_pca(real, 2000, 30);
  printf("pca fit (%zu cells, %zu genes -> 30 PCs)\t%.2f s\n", real.size(), space.genes.size(), lap());
  std::vector<size_t> ri, gi;
  for (size_t i = 0; i < std::min(n, real.size()); ++i) ri.push_back(i);
  for (size_t i = 0; i < std::min(n, gen.size()); ++i) gi.push_back(i);
  auto x = project(space, real, ri), y = project(space, gen, gi);
  printf("projection\t%.2f s\n", lap());
  printf("points: %zu real x %zu generated\n", ri.size(), gi.size());
  write_points(std::string(argv[4]) + "/x.f64", x);
  write_points(std::string(argv[4]) + "/y.f64", y);
  lap();
  auto time = [&](const char* name, const std::function<double()>& f) {
    double v = f();
    printf("%-22s %12.6g\t%.2f s\n", name, v, lap());
    fflush(stdout);
  };
  time("w2 exact (LEMON)", [&] { return exact_w2(x.data_ptr<double>(), ri.size(), y.data_ptr<double>(), gi.size(), 30); });
  // Log-domain Sinkhorn does ~3 passes over n·m exponentials per sweep: on
  // this CPU it is slower than the exact solver at 10k x 10k, so time it on
  // 2,000 x 2,000 next to the exact value there.
  auto xs = x.narrow(0, 0, std::min<int64_t>(2000, x.size(0))).contiguous();
  auto ys = y.narrow(0, 0, std::min<int64_t>(2000, y.size(0))).contiguous();
  time("w2 exact, 2k x 2k", [&] { return exact_w2(xs.data_ptr<double>(), size_t(xs.size(0)), ys.data_ptr<double>(), size_t(ys.size(0)), 30); });
  time("w2 sinkhorn, 2k x 2k", [&] { return sinkhorn_w2(xs, ys); });
  time("mmd2", [&] { return mmd2_rbf(x, y, {0.01, 0.1, 1, 10, 100}); });
  time("frechet", [&] { return frechet_distance(x, y); });
  time("energy", [&] { return energy_distance(x, y); });
  time("1-nn accuracy", [&] { return one_nn_accuracy(x, y); });
  time("knn precision", [&] { return knn_precision_recall(x, y, 5).first; });
  return 0;
}
