// The gene side's SwiGLU and head as one product per row: for rows y [N, E]
//   r[n] = sum_j v[j] * silu(y W1')[n, j] * (y W2')[n, j],   v = W3' head,
// the head's share of f + W3 s (its other share, head . f, the caller adds).
// The hidden activations ([N, hidden], the largest tensors of a training
// step) are made a block of rows at a time, so they stay in cache, and are
// never stored: the backward pass makes each block's again (two products)
// instead of reading three [N, hidden] tensors back from memory.
#pragma once
#include <torch/torch.h>

namespace scldm {

// Rows per block on the CPU (a block's [rows, 2 hidden] activations fit the
// cache); a GPU takes 64 times more (fewer, larger kernels). Fixed per device,
// so a row's arithmetic does not depend on N.
inline constexpr int64_t kSwigluRows = 1024;
inline int64_t swiglu_block_rows(const torch::Device& device) { return device.is_cpu() ? kSwigluRows : 64 * kSwigluRows; }

// y [N, E], w1 and w2 [hidden, E], v [hidden] -> r [N]; differentiable in all four.
torch::Tensor swiglu_head(const torch::Tensor& y, const torch::Tensor& w1, const torch::Tensor& w2,
                          const torch::Tensor& v);

}  // namespace scldm
