#include "model/cell_blocks.hpp"

#include <ATen/Parallel.h>

#ifndef _OPENMP
#error "cell_blocks.cpp must be compiled with OpenMP: at::parallel_for would otherwise not run blocks in parallel regions"
#endif

namespace scldm {

int64_t cell_block_size(const torch::Device& device) { return device.is_cuda() ? 256 : 16; }

void for_each_cell_block(int64_t first, int64_t n, const torch::Device& device, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t size = cell_block_size(device);
  const int64_t begin = first / size, end = (first + n + size - 1) / size;
  auto run = [&](int64_t b, int64_t e) {
    // Grad mode is per thread: set it in each worker.
    torch::NoGradGuard no_grad;
    for (int64_t k = b; k < e; ++k) fn(k * size);
  };
  if (device.is_cuda()) return run(begin, end);
  const int threads = at::get_num_threads();
  if (end - begin > 1 && threads > 1) {
    // Inside a parallel region LibTorch and OpenBLAS run single-threaded, so
    // a block's arithmetic is the same for any -@.
    at::parallel_for(begin, end, 1, run);
    return;
  }
  // One block (or one thread) runs here, on this thread alone.
  at::set_num_threads(1);
  try {
    run(begin, end);
  } catch (...) {
    at::set_num_threads(threads);
    throw;
  }
  at::set_num_threads(threads);
}

}  // namespace scldm
