// LayerNorm over rows on the CPU for residual_mlp() (model/residual_mlp.hpp),
// free of LibTorch: sums over a row in 16 lanes added in a fixed tree, sums
// over rows in row order, no fused multiply-add (the same bytes at every
// vector width).
#pragma once
#include <cstdint>

namespace scldm::mlp_kernel {

// The widest rows the kernel takes (its per-row scratch is on the stack).
inline constexpr int64_t kMaxWidth = 1024;

struct Norm {
  const float *weight, *bias;  // [E]
  float eps;
};

// y [n, E] = LayerNorm(x).
void norm_rows(int64_t n, int64_t E, const Norm& p, const float* x, float* y);

// For y's gradient dy [n, E] and a gradient arriving at x directly (the
// residual's) gx [n, E]: dx = gx + LayerNorm's backward, written; the
// weight's and bias's gradients added to dw, db.
void norm_rows_backward(int64_t n, int64_t E, const Norm& p, const float* x, const float* dy, const float* gx,
                        float* dx, float* dw, float* db);

}  // namespace scldm::mlp_kernel
