// residual_mlp: a block's second half as one function with its own backward
// pass, equal LibTorch's autograd of the formula.
#include <gtest/gtest.h>

#include "model/residual_mlp.hpp"
#include "model/vae.hpp"

namespace scldm {
namespace {

double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

torch::Tensor formula(const torch::Tensor& x, const ResidualMlpWeights& w) {
  auto y = torch::layer_norm(x, {x.size(-1)}, w.norm_weight, w.norm_bias, w.eps);
  return x + torch::matmul(torch::silu(torch::matmul(y, w.w1.t())) * torch::matmul(y, w.w2.t()), w.w3.t());
}

std::vector<torch::Tensor> inputs(const torch::Tensor& x, const ResidualMlpWeights& w) {
  return {x, w.norm_weight, w.norm_bias, w.w1, w.w2, w.w3};
}

ResidualMlpWeights as(const ResidualMlpWeights& w, torch::ScalarType type) {
  auto c = [&](const torch::Tensor& t) { return t.detach().to(type).requires_grad_(true); };
  return {c(w.norm_weight), c(w.norm_bias), w.eps, c(w.w1), c(w.w2), c(w.w3)};
}

// Token rows [B, m, E] with widths on and off the 16 lanes, hidden widths
// as the presets make them (88 for E 32, 44 for E 16).
TEST(ResidualMlp, EqualsAutogradOfTheFormula) {
  torch::manual_seed(3);
  for (auto [B, m, E, H] : {std::array<int64_t, 4>{4, 16, 32, 88}, {3, 5, 24, 20}, {2, 4, 16, 44}, {1, 1, 40, 8}}) {
    auto x = torch::randn({B, m, E}).requires_grad_(true);
    const ResidualMlpWeights w = as({1 + torch::randn({E}) * 0.1, torch::randn({E}) * 0.1, 1e-5,
                                     torch::randn({H, E}) * 0.3, torch::randn({H, E}) * 0.3, torch::randn({E, H}) * 0.3},
                                    torch::kFloat);
    auto xd = x.detach().to(torch::kDouble).requires_grad_(true);
    const ResidualMlpWeights wd = as(w, torch::kDouble);
    auto expected = formula(xd, wd);
    auto g = torch::randn({B, m, E}, torch::kDouble);
    auto expected_grads = torch::autograd::grad({expected}, inputs(xd, wd), {g});
    auto got = residual_mlp(x, w);
    EXPECT_LT(relative_diff(got, expected), 1e-5) << "E " << E;
    auto grads = torch::autograd::grad({got}, inputs(x, w), {g.to(torch::kFloat)});
    for (size_t i = 0; i < grads.size(); ++i)
      EXPECT_LT(relative_diff(grads[i], expected_grads[i]), 1e-4) << "E " << E << ", input " << i;
    // The tensor-operation path (double) agrees too.
    EXPECT_LT(relative_diff(residual_mlp(xd, wd).detach(), expected.detach()), 1e-12);
  }
}

// A block (and the pooling block) through residual_mlp computes what its
// modules compute one by one (SwiGlu::forward is the plain formula).
TEST(ResidualMlp, BlocksComputeTheirModulesFormula) {
  torch::manual_seed(4);
  VaeConfig c = vae_preset("tiny");
  c.n_genes = 10;
  Block block(c);
  auto x = torch::randn({3, 4, c.embed}).requires_grad_(true);
  auto y = block->l1(x);
  auto h = x + block->a(y, y);
  auto expected = h + block->m(block->l2(h));
  auto got = block->forward(x);
  EXPECT_LT(relative_diff(got, expected.to(torch::kDouble)), 1e-5);
  auto params = block->parameters();
  params.push_back(x);
  auto g = torch::randn_like(x);
  auto want = torch::autograd::grad({expected}, params, {g}), have = torch::autograd::grad({got}, params, {g});
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_LT(relative_diff(have[i], want[i].to(torch::kDouble)), 1e-4) << "tensor " << i;
}

TEST(ResidualMlp, RefusesSecondDerivatives) {
  auto x = torch::randn({2, 8}).requires_grad_(true);
  const ResidualMlpWeights w = as({torch::ones({8}), torch::zeros({8}), 1e-5, torch::randn({4, 8}),
                                   torch::randn({4, 8}), torch::randn({8, 4})},
                                  torch::kFloat);
  auto y = residual_mlp(x, w).sum();
  EXPECT_THROW(torch::autograd::grad({y}, {x}, {}, true, true), c10::Error);  // create_graph: refused, not wrong
  EXPECT_EQ(torch::autograd::grad({y}, {x})[0].sizes(), x.sizes());
}

}  // namespace
}  // namespace scldm
