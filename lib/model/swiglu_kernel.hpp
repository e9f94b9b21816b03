// The element-wise loops of swiglu_head() (model/swiglu_head.hpp) and of the
// transformer blocks' SwiGLU (model/residual_mlp.hpp) on the CPU,
// free of LibTorch: one pass over a block's hidden activations instead of a
// dozen tensor operations. Every sum runs in a fixed order with no fused
// multiply-add, so the bytes do not depend on the vector width of the CPU.
#pragma once
#include <cstdint>

namespace scldm::swiglu_kernel {

// A block of n rows of hidden activations [a | b], each row 2h wide with a
// and b its halves, and the head vector v [h].
struct Block {
  const float* ab;
  int64_t n, h;
  const float* v;
};

// r[i] = sum_j silu(a[i, j]) b[i, j] v[j].
void forward(const Block& x, float* r);

// For the rows' gradient g [n]: dab [n, 2h] = (g v b silu'(a), g v silu(a)),
// written; dv[j] += sum_i g[i] silu(a[i, j]) b[i, j], rows in order.
void backward(const Block& x, const float* g, float* dab, float* dv);

// Without a head (the transformer blocks' SwiGLU): s [n, h] = silu(a) b.
void gate(const float* ab, int64_t n, int64_t h, float* s);

// For s's gradient ds [n, h]: dab [n, 2h] = (ds b silu'(a), ds silu(a)), written.
void gate_backward(const float* ab, const float* ds, int64_t n, int64_t h, float* dab);

}  // namespace scldm::swiglu_kernel
