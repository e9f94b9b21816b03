// swiglu_head: the blocked SwiGLU-and-head product with its own backward
// pass equals LibTorch's autograd of the same formula, across block edges.
#include <gtest/gtest.h>

#include "model/swiglu_head.hpp"

namespace scldm {
namespace {

double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

// Float runs the kernel (model/swiglu_kernel.hpp), double LibTorch's
// operators; hidden widths below, at and past the kernel's 16 lanes; large
// activations reach sigmoid's saturated ends.
void expect_equals_autograd(torch::ScalarType type, int64_t H, double scale, double tolerance) {
  const int64_t E = 8;
  auto o = torch::TensorOptions().dtype(type);
  for (int64_t rows : {int64_t(1), kSwigluRows, 2 * kSwigluRows + 37}) {
    auto y = (torch::randn({rows, E}, o) * scale).requires_grad_(true);
    auto w1 = (torch::randn({H, E}, o) * 0.5).requires_grad_(true);
    auto w2 = (torch::randn({H, E}, o) * 0.5).requires_grad_(true);
    auto v = torch::randn({H}, o).requires_grad_(true);
    auto g = torch::randn({rows}, o);
    auto reference = torch::mv(torch::silu(torch::mm(y, w1.t())) * torch::mm(y, w2.t()), v);
    auto expected = torch::autograd::grad({reference}, {y, w1, w2, v}, {g});
    auto r = swiglu_head(y, w1, w2, v);
    EXPECT_LT(relative_diff(r, reference), tolerance) << rows << " rows, hidden " << H;
    auto got = torch::autograd::grad({r}, {y, w1, w2, v}, {g});
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_LT(relative_diff(got[i], expected[i]), 10 * tolerance) << rows << " rows, hidden " << H << ", input " << i;
  }
}

TEST(SwigluHead, EqualsAutogradOfTheFormulaAcrossBlocks) {
  torch::manual_seed(3);
  for (int64_t H : {int64_t(12), int64_t(16), int64_t(88)}) {
    expect_equals_autograd(torch::kFloat, H, 1, 1e-6);
    expect_equals_autograd(torch::kDouble, H, 1, 1e-13);
  }
  expect_equals_autograd(torch::kFloat, 40, 30, 1e-6);  // |a| up to ~100
}

// A row's value does not depend on the rows around it: the same bytes in a
// block of another size and at another offset.
TEST(SwigluHead, RowsAreIndependentOfTheirCompanions) {
  torch::manual_seed(4);
  auto y = torch::randn({3 * kSwigluRows / 2, 6});
  auto w1 = torch::randn({10, 6}), w2 = torch::randn({10, 6}), v = torch::randn({10});
  torch::NoGradGuard no_grad;
  auto all = swiglu_head(y, w1, w2, v);
  for (int64_t first : {int64_t(0), int64_t(100), kSwigluRows - 3})
    for (int64_t n : {int64_t(1), int64_t(77), int64_t(500)})
      EXPECT_TRUE(torch::equal(all.narrow(0, first, n), swiglu_head(y.narrow(0, first, n), w1, w2, v)))
          << n << " rows from " << first;
}

}  // namespace
}  // namespace scldm
