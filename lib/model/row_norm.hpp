// LayerNorm over one row of a CPU kernel (gene_rows_kernel.cpp,
// mlp_kernel.cpp): sums over the row in kLanes partial sums added in a fixed
// tree, no fused multiply-add (vector_math.hpp). Include it from those files only.
#pragma once
#include <cstdint>

#include "model/vector_math.hpp"

namespace scldm::row_norm {
namespace {  // each kernel file's own copy, built with its flags

using vector_math::kLanes;

// sum_t x[t] y[t] (y null: sum_t x[t]) in kLanes partial sums and a fixed tree.
SCLDM_INLINE float row_sum(const float* x, const float* y, int64_t E) {
  float lanes[kLanes] = {};
  int64_t t0 = 0;
  for (; t0 + kLanes <= E; t0 += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lanes[l] += y ? x[t0 + l] * y[t0 + l] : x[t0 + l];
  for (int64_t l = 0; l < E - t0; ++l) lanes[l] += y ? x[t0 + l] * y[t0 + l] : x[t0 + l];
  return vector_math::lane_tree(lanes);
}

// A row's mean and 1 / sqrt(variance + eps), the variance about the mean.
struct Moments {
  float mean, rstd;
};

SCLDM_INLINE Moments moments(const float* f, float* centered, int64_t E, float eps) {
  const float mean = row_sum(f, nullptr, E) / float(E);
  for (int64_t t = 0; t < E; ++t) centered[t] = f[t] - mean;
  const float var = row_sum(centered, centered, E) / float(E);
  return {mean, 1.0f / __builtin_sqrtf(var + eps)};
}

SCLDM_INLINE void add_row(const float* __restrict x, float* __restrict y, int64_t E) {
  for (int64_t t = 0; t < E; ++t) y[t] += x[t];
}

// y = centered rstd w + b.
SCLDM_INLINE void norm_row(const float* __restrict centered, float rstd, const float* __restrict w,
                           const float* __restrict b, float* __restrict y, int64_t E) {
  for (int64_t t = 0; t < E; ++t) y[t] = centered[t] * rstd * w[t] + b[t];
}

// dy -> dx for one row, x-hat = centered rstd:
// dx = rstd (dyw - mean(dyw) - x-hat mean(dyw x-hat)), dyw = dy w.
SCLDM_INLINE void norm_row_backward(const float* __restrict w, const float* __restrict xhat, float rstd,
                                    const float* __restrict dy, float* __restrict dyw, float* __restrict dx, int64_t E) {
  for (int64_t t = 0; t < E; ++t) dyw[t] = dy[t] * w[t];
  const float a1 = row_sum(dyw, nullptr, E) / float(E), a2 = row_sum(dyw, xhat, E) / float(E);
  for (int64_t t = 0; t < E; ++t) dx[t] = rstd * (dyw[t] - a1 - xhat[t] * a2);
}

// The weight's and bias's gradients, rows added in order.
SCLDM_INLINE void accumulate_norm(const float* __restrict dy, const float* __restrict xhat, float* __restrict dw,
                                  float* __restrict db, int64_t E) {
  for (int64_t t = 0; t < E; ++t) dw[t] += dy[t] * xhat[t], db[t] += dy[t];
}

}  // namespace
}  // namespace scldm::row_norm
