// swiglu_head: the blocked SwiGLU-and-head product with its own backward
// pass equals LibTorch's autograd of the same formula, across block edges.
#include <gtest/gtest.h>

#include "model/swiglu_head.hpp"

namespace scldm {
namespace {

double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

TEST(SwigluHead, EqualsAutogradOfTheFormulaAcrossBlocks) {
  torch::manual_seed(3);
  const int64_t E = 8, H = 12;
  for (int64_t rows : {int64_t(1), kSwigluRows, 2 * kSwigluRows + 37}) {
    auto y = torch::randn({rows, E}).requires_grad_(true);
    auto w1 = (torch::randn({H, E}) * 0.5).requires_grad_(true);
    auto w2 = (torch::randn({H, E}) * 0.5).requires_grad_(true);
    auto v = torch::randn({H}).requires_grad_(true);
    auto g = torch::randn({rows});
    auto reference = torch::mv(torch::silu(torch::mm(y, w1.t())) * torch::mm(y, w2.t()), v);
    auto expected = torch::autograd::grad({reference}, {y, w1, w2, v}, {g});
    auto r = swiglu_head(y, w1, w2, v);
    EXPECT_LT(relative_diff(r, reference), 1e-6) << rows << " rows";
    auto got = torch::autograd::grad({r}, {y, w1, w2, v}, {g});
    for (size_t i = 0; i < got.size(); ++i) EXPECT_LT(relative_diff(got[i], expected[i]), 1e-5) << rows << " rows, input " << i;
  }
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
