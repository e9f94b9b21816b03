// Built as vector_math.hpp says (the same bytes from every clone).
#include "model/mlp_kernel.hpp"

#include "model/row_norm.hpp"

namespace scldm::mlp_kernel {

using namespace row_norm;

SCLDM_VECTOR_CLONES void norm_rows(int64_t n, int64_t E, const Norm& p, const float* x, float* y) {
  float centered[kMaxWidth];
  for (int64_t i = 0; i < n; ++i) {
    const Moments m = moments(x + i * E, centered, E, p.eps);
    norm_row(centered, m.rstd, p.weight, p.bias, y + i * E, E);
  }
}

SCLDM_VECTOR_CLONES void norm_rows_backward(int64_t n, int64_t E, const Norm& p, const float* x, const float* dy,
                                            const float* gx, float* dx, float* dw, float* db) {
  float xhat[kMaxWidth], dyw[kMaxWidth];
  for (int64_t i = 0; i < n; ++i) {
    const Moments m = moments(x + i * E, xhat, E, p.eps);
    for (int64_t t = 0; t < E; ++t) xhat[t] *= m.rstd;
    accumulate_norm(dy + i * E, xhat, dw, db, E);
    norm_row_backward(p.weight, xhat, m.rstd, dy + i * E, dyw, dx + i * E, E);
    add_row(gx + i * E, dx + i * E, E);
  }
}

}  // namespace scldm::mlp_kernel
