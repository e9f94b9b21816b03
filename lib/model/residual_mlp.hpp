// The second half of a transformer block, x + SwiGLU(LayerNorm(x)) with
// SwiGLU(y) = W3 (silu(W1 y) * (W2 y)), as one autograd function on the CPU
// in float: the LayerNorm and the gate run as single loops
// (mlp_kernel.hpp, swiglu_kernel.hpp), the products as two matrix products
// each way, and the backward pass is written out, instead of a dozen tensor
// operations and their autograd nodes on [cells x tokens, E] rows. Elsewhere
// (GPU, double) the same formula runs as tensor operations.
#pragma once
#include <torch/torch.h>

namespace scldm {

struct ResidualMlpWeights {
  torch::Tensor norm_weight, norm_bias;  // [E]
  double eps;
  torch::Tensor w1, w2, w3;  // [H, E], [H, E], [E, H]
};

// x [..., E] -> x + SwiGLU(LayerNorm(x)). Differentiable in x and every
// weight (once).
torch::Tensor residual_mlp(const torch::Tensor& x, const ResidualMlpWeights& w);

}  // namespace scldm
