// Exact optimal transport between two point clouds with uniform weights and
// squared Euclidean cost, solved by LEMON's network simplex (scldm-model(7), EVALUATION).
#pragma once
#include <cstddef>

namespace scldm {

// W2 = sqrt(min over couplings of E[|x - y|^2]); x is [n, dim], y [m, dim],
// row-major. Memory grows with n·m arcs (about 50 bytes each).
double exact_w2(const double* x, size_t n, const double* y, size_t m, size_t dim);

}  // namespace scldm
