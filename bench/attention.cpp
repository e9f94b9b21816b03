// attend (model/attention.hpp) against attend_reference (LibTorch's operators)
// on the shapes the models use, one thread, min of 7 x 10 runs in us.
// Usage: bench_attention
#include <chrono>
#include <cstdio>

#include "model/attention.hpp"
#include "util/blas_kernel.hpp"

using namespace scldm;
using Clock = std::chrono::steady_clock;

namespace {

// [B, h, L, d] as the models make it: a head-split view of [B, L, h * d].
torch::Tensor heads_view(int64_t B, int64_t h, int64_t L, int64_t d) {
  return torch::randn({B, L, h * d}).view({B, L, h, d}).transpose(1, 2).requires_grad_(true);
}

template <class F>
double best_us(F f) {
  f();
  double best = 1e30;
  for (int trial = 0; trial < 7; ++trial) {
    auto t0 = Clock::now();
    for (int i = 0; i < 10; ++i) f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count() / 10 * 1e6);
  }
  return best;
}

struct Shape {
  const char* name;
  int64_t batch, query_batch, heads, lq, lk, d;
  bool masked;  // keys past a random length in [300, 1000) masked, as padding is
};

}  // namespace

int main(int, char** argv) {
  scldm::restart_with_faster_blas(argv);  // as scldm-model does
  at::set_num_threads(1);
  torch::manual_seed(0);
  const Shape shapes[] = {{"self 32x8 16x16 d4", 32, 32, 8, 16, 16, 4, false},
                          {"pooling 32x4 16x1000 d8 masked", 32, 1, 4, 16, 1000, 8, true},
                          {"pooling 32x4 16x650 d8", 32, 1, 4, 16, 650, 8, false},
                          {"genes 32x4 1287x16 d8", 32, 1, 4, 1287, 16, 8, false},
                          {"small: self 32x4 16x16 d8", 32, 32, 4, 16, 16, 8, false},
                          {"small: pooling 32x2 16x1000 d16 masked", 32, 1, 2, 16, 1000, 16, true},
                          {"small: genes 32x2 1287x16 d16", 32, 1, 2, 1287, 16, 16, false}};
  for (const Shape& s : shapes) {
    auto q = heads_view(s.query_batch, s.heads, s.lq, s.d);
    auto k = heads_view(s.batch, s.heads, s.lk, s.d), v = heads_view(s.batch, s.heads, s.lk, s.d);
    torch::Tensor mask;
    if (s.masked) mask = torch::arange(s.lk).unsqueeze(0) < torch::randint(300, 1000, {s.batch, 1});
    auto g = torch::randn({s.batch, s.heads, s.lq, s.d});
    for (bool kernel : {false, true}) {
      auto run = [&] { return kernel ? attend(q, k, v, mask) : attend_reference(q, k, v, mask); };
      double forward = best_us([&] {
        torch::NoGradGuard no_grad;
        run();
      });
      double both = best_us([&] { torch::autograd::grad({run()}, {q, k, v}, {g}); });
      printf("%-32s %-10s forward %9.1f us  forward+backward %9.1f us\n", s.name, kernel ? "attend" : "LibTorch",
             forward, both);
    }
  }
  return 0;
}
