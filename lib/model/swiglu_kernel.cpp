// Built as vector_math.hpp says (the same bytes from every clone).
#include "model/swiglu_kernel.hpp"

#include "model/vector_math.hpp"

namespace scldm::swiglu_kernel {
namespace {

using vector_math::exp_of;
using vector_math::kLanes;

// sigmoid(a) = 1 / (1 + exp(-a)): exp_of clamps, so a large |a| gives 0 or 1.
SCLDM_INLINE float sigmoid_of(float a) { return 1.0f / (1.0f + exp_of(-a)); }

SCLDM_INLINE float term(float a, float b, float v) { return a * sigmoid_of(a) * b * v; }

// One row's gradients; silu'(a) = sig (1 + a (1 - sig)). Restrict-qualified
// parameters: GCC vectorizes the loop only when told nothing aliases.
SCLDM_INLINE void row_backward(const float* __restrict a, const float* __restrict b, const float* __restrict v,
                               float g, float* __restrict da, float* __restrict db, float* __restrict dv, int64_t h) {
  for (int64_t j = 0; j < h; ++j) {
    const float sig = sigmoid_of(a[j]), s = a[j] * sig, gv = g * v[j];
    da[j] = gv * b[j] * (sig * (1.0f + a[j] * (1.0f - sig)));
    db[j] = gv * s;
    dv[j] += g * (s * b[j]);
  }
}

SCLDM_INLINE void gate_row(const float* __restrict a, const float* __restrict b, float* __restrict s, int64_t h) {
  for (int64_t j = 0; j < h; ++j) s[j] = a[j] * sigmoid_of(a[j]) * b[j];
}

SCLDM_INLINE void gate_row_backward(const float* __restrict a, const float* __restrict b, const float* __restrict ds,
                                    float* __restrict da, float* __restrict db, int64_t h) {
  for (int64_t j = 0; j < h; ++j) {
    const float sig = sigmoid_of(a[j]);
    da[j] = ds[j] * b[j] * (sig * (1.0f + a[j] * (1.0f - sig)));
    db[j] = ds[j] * (a[j] * sig);
  }
}

}  // namespace

// A row's sum in kLanes partial sums (lane l takes j = l, l + kLanes, ...)
// added in a fixed tree.
SCLDM_VECTOR_CLONES void forward(const Block& x, float* r) {
  const int64_t h = x.h;
  for (int64_t i = 0; i < x.n; ++i) {
    const float *a = x.ab + i * 2 * h, *b = a + h;
    float lanes[kLanes] = {};
    int64_t j0 = 0;
    for (; j0 + kLanes <= h; j0 += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) lanes[l] += term(a[j0 + l], b[j0 + l], x.v[j0 + l]);
    for (int64_t l = 0; l < h - j0; ++l) lanes[l] += term(a[j0 + l], b[j0 + l], x.v[j0 + l]);
    r[i] = vector_math::lane_tree(lanes);
  }
}

SCLDM_VECTOR_CLONES void backward(const Block& x, const float* g, float* dab, float* dv) {
  const int64_t h = x.h;
  for (int64_t i = 0; i < x.n; ++i) {
    const float* a = x.ab + i * 2 * h;
    float* da = dab + i * 2 * h;
    row_backward(a, a + h, x.v, g[i], da, da + h, dv, h);
  }
}

SCLDM_VECTOR_CLONES void gate(const float* ab, int64_t n, int64_t h, float* s) {
  for (int64_t i = 0; i < n; ++i) gate_row(ab + i * 2 * h, ab + i * 2 * h + h, s + i * h, h);
}

SCLDM_VECTOR_CLONES void gate_backward(const float* ab, const float* ds, int64_t n, int64_t h, float* dab) {
  for (int64_t i = 0; i < n; ++i) {
    const float* a = ab + i * 2 * h;
    gate_row_backward(a, a + h, ds + i * h, dab + i * 2 * h, dab + i * 2 * h + h, h);
  }
}

}  // namespace scldm::swiglu_kernel
