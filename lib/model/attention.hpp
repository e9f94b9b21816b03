// Scaled dot-product attention with narrow heads, as one kernel on the CPU.
// The VAE's latent tokens (16) attend to each other with heads of 4
// dimensions: ATen's batched product makes each 16 x 16 x 4 product a
// separate BLAS call behind three tensor views, which took half of a training
// step. Here each (cell, head) pair is one pass of plain loops: the scores,
// the softmax and the weighted values, and in the backward pass their
// gradients from the saved probabilities. The arithmetic is fixed by the code
// (no BLAS kernel choice), so in float it gives the same bytes on every CPU
// and for any thread count, and a masked key adds nothing (not a zero term), so a
// cell's result does not depend on how far its batch is padded.
#pragma once
#include <torch/torch.h>

namespace scldm {

// softmax(q k' / sqrt(d)) v over the keys that key_mask keeps, per batch
// entry and head. q [Bq, h, Lq, d] with Bq = 1 (queries shared by the batch)
// or B; k, v [B, h, Lk, d]; key_mask [B, Lk] bool or undefined. A query with
// no key kept gets zeros. Returns [B, h, Lq, d]. Differentiable in q, k and v
// (once); CPU float and double with d <= 16 run the kernel, other devices,
// types and widths LibTorch's operators (the same function). The kernel's
// output is a view made inside an autograd function: change a copy of it,
// not it, in place.
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& key_mask = {});

// The same with keys and values packed as kv [B, Lk, 2 h d] (a linear
// layer's output, keys first): on the kernel's path kv's gradient is written
// whole, with no zero-filled halves to add.
torch::Tensor attend_packed(const torch::Tensor& q, const torch::Tensor& kv, int64_t heads,
                            const torch::Tensor& key_mask = {});

// The same function by LibTorch's operators (the reference and the GPU path).
torch::Tensor attend_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& key_mask = {});

}  // namespace scldm
