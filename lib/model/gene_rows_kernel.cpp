// Built as vector_math.hpp says (the same bytes from every clone).
#include "model/gene_rows_kernel.hpp"

#include "model/vector_math.hpp"

namespace scldm::gene_rows_kernel {
namespace {

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

SCLDM_INLINE void add_scaled_row(float a, const float* __restrict x, float* __restrict y, int64_t E) {
  for (int64_t t = 0; t < E; ++t) y[t] += a * x[t];
}

SCLDM_INLINE void norm_row(const float* __restrict centered, float rstd, const Params& p, float* __restrict y,
                           int64_t E) {
  for (int64_t t = 0; t < E; ++t) y[t] = centered[t] * rstd * p.norm_weight[t] + p.norm_bias[t];
}

// dy -> df for one row: LayerNorm's backward, x-hat = centered rstd,
// df = rstd (dyw - mean(dyw) - x-hat mean(dyw x-hat)), dyw = dy w; plus g head.
SCLDM_INLINE void row_backward(const Params& p, float g, const float* __restrict xhat, float rstd,
                               const float* __restrict dy, float* __restrict dyw, float* __restrict df, int64_t E) {
  for (int64_t t = 0; t < E; ++t) dyw[t] = dy[t] * p.norm_weight[t];
  const float a1 = row_sum(dyw, nullptr, E) / float(E), a2 = row_sum(dyw, xhat, E) / float(E);
  for (int64_t t = 0; t < E; ++t) df[t] = rstd * (dyw[t] - a1 - xhat[t] * a2) + g * p.head[t];
}

SCLDM_INLINE void accumulate_norm(const float* __restrict dy, const float* __restrict xhat, float* __restrict dw,
                                  float* __restrict db, int64_t E) {
  for (int64_t t = 0; t < E; ++t) dw[t] += dy[t] * xhat[t], db[t] += dy[t];
}

}  // namespace

SCLDM_VECTOR_CLONES void residual_norm(const Block& x, const Params& p, const float* queries, float* f, float* y) {
  const int64_t E = x.E;
  float centered[kMaxWidth];
  for (int64_t i = 0; i < x.n; ++i) {
    float* fi = f + i * E;
    add_row(queries + ((x.first_gene + i) % x.genes) * E, fi, E);
    const Moments m = moments(fi, centered, E, p.eps);
    norm_row(centered, m.rstd, p, y + i * E, E);
  }
}

SCLDM_VECTOR_CLONES void head_logits(const Block& x, const Params& p, const float* f, const float* r, float* logits) {
  for (int64_t i = 0; i < x.n; ++i) logits[i] = row_sum(f + i * x.E, p.head, x.E) + r[i] + p.head_bias;
}

SCLDM_VECTOR_CLONES void backward(const Block& x, const Params& p, const float* g, const float* f, const float* dy,
                                  float* df, const Sums& s) {
  const int64_t E = x.E;
  float xhat[kMaxWidth], dyw[kMaxWidth];
  for (int64_t i = 0; i < x.n; ++i) {
    const float *fi = f + i * E, *dyi = dy + i * E;
    float* dfi = df + i * E;
    const Moments m = moments(fi, xhat, E, p.eps);
    for (int64_t t = 0; t < E; ++t) xhat[t] *= m.rstd;
    accumulate_norm(dyi, xhat, s.norm_weight, s.norm_bias, E);
    add_scaled_row(g[i], fi, s.head, E);
    s.head_bias[0] += g[i];
    row_backward(p, g[i], xhat, m.rstd, dyi, dyw, dfi, E);
    add_row(dfi, s.queries + ((x.first_gene + i) % x.genes) * E, E);
  }
}

}  // namespace scldm::gene_rows_kernel
