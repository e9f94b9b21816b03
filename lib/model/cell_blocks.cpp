#include "model/cell_blocks.hpp"

#include <ATen/Parallel.h>

#ifndef _OPENMP
#error "cell_blocks.cpp must be compiled with OpenMP: at::parallel_for would otherwise not run blocks in parallel regions"
#endif

namespace scldm {

int64_t cell_block_size(const torch::Device& device) { return device.is_cuda() ? 256 : 16; }

void for_each_single_threaded(int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  const int threads = at::get_num_threads();
  const bool grad = torch::GradMode::is_enabled();
  auto run = [&](int64_t b, int64_t e) {
    torch::AutoGradMode mode(grad);  // grad mode is per thread: the caller's in each worker
    for (int64_t k = b; k < e; ++k) fn(k);
  };
  if (n > 1 && threads > 1) {
    // Inside a parallel region LibTorch and OpenBLAS run single-threaded, so
    // each call's arithmetic is the same for any -@.
    at::parallel_for(0, n, 1, run);
    return;
  }
  // One call (or one thread) runs here, on this thread alone.
  if (threads == 1) return run(0, n);
  at::set_num_threads(1);
  try {
    run(0, n);
  } catch (...) {
    at::set_num_threads(threads);
    throw;
  }
  at::set_num_threads(threads);
}

void for_each_cell_block(int64_t first, int64_t n, const torch::Device& device, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t size = cell_block_size(device);
  const int64_t begin = first / size, end = (first + n + size - 1) / size;
  torch::NoGradGuard no_grad;
  if (device.is_cuda()) {
    for (int64_t k = begin; k < end; ++k) fn(k * size);
    return;
  }
  for_each_single_threaded(end - begin, [&](int64_t k) { fn((begin + k) * size); });
}

}  // namespace scldm
