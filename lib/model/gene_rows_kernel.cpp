// Built as vector_math.hpp says (the same bytes from every clone).
#include "model/gene_rows_kernel.hpp"

#include "model/row_norm.hpp"

namespace scldm::gene_rows_kernel {
namespace {

using namespace row_norm;

SCLDM_INLINE void add_scaled_row(float a, const float* __restrict x, float* __restrict y, int64_t E) {
  for (int64_t t = 0; t < E; ++t) y[t] += a * x[t];
}

// dy -> df for one row: LayerNorm's backward plus g head.
SCLDM_INLINE void row_backward(const Params& p, float g, const float* __restrict xhat, float rstd,
                               const float* __restrict dy, float* __restrict dyw, float* __restrict df, int64_t E) {
  norm_row_backward(p.norm_weight, xhat, rstd, dy, dyw, df, E);
  for (int64_t t = 0; t < E; ++t) df[t] += g * p.head[t];
}

}  // namespace

SCLDM_VECTOR_CLONES void residual_norm(const Block& x, const Params& p, const float* queries, float* f, float* y) {
  const int64_t E = x.E;
  float centered[kMaxWidth];
  for (int64_t i = 0; i < x.n; ++i) {
    float* fi = f + i * E;
    add_row(queries + ((x.first_gene + i) % x.genes) * E, fi, E);
    const Moments m = moments(fi, centered, E, p.eps);
    norm_row(centered, m.rstd, p.norm_weight, p.norm_bias, y + i * E, E);
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
