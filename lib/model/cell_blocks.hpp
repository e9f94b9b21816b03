// Fixed-shape blocks of cells for inference (and, through
// for_each_single_threaded, the parts of a training step). BLAS kernels round a row of a
// matrix product differently depending on how many rows share the call, the
// row's position in it and how many threads split it (OpenBLAS's Haswell,
// SkylakeX and Prescott kernels do; which kernel runs depends on the CPU).
// So every model call at inference covers exactly one block of
// cell_block_size() consecutive cell positions, aligned to the cell's index
// (positions outside the cells asked for are filled with placeholders), and
// runs single-threaded; blocks run in parallel. A cell's bytes then depend on
// its inputs, its position and its block companions only, never on the batch
// size, the thread count or where a call starts.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>

namespace scldm {

// Cells per block: small on the CPU (blocks run in parallel), larger on a GPU.
int64_t cell_block_size(const torch::Device& device);

// Cells that streaming commands read and run at a time: whole blocks (4,096
// cells on the CPU), so that chunks keep every cell's block companions.
inline size_t cell_chunk_size(const torch::Device& device) { return size_t(cell_block_size(device)) * 256; }

// Calls fn(begin) once for every block [begin, begin + cell_block_size())
// that overlaps the positions [first, first + n); blocks run in parallel on
// the CPU (each single-threaded), one after the other on a GPU. fn runs
// without gradients.
void for_each_cell_block(int64_t first, int64_t n, const torch::Device& device, const std::function<void(int64_t begin)>& fn);

// Calls fn(k) for k in [0, n) on the CPU's threads, each call on one thread
// with single-threaded kernels, so that a call's arithmetic does not depend on
// -@ (fn may run concurrently; grad mode is the caller's).
void for_each_single_threaded(int64_t n, const std::function<void(int64_t)>& fn);

}  // namespace scldm
