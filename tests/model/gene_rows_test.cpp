// gene_rows: the decoder's rows after the cross-attention, a block at a time
// with its own backward pass, equal LibTorch's autograd of the formula.
#include <gtest/gtest.h>

#include "model/gene_rows.hpp"

namespace scldm {
namespace {

double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

// The formula in tensor operations (scldm-model(7), THE AUTOENCODER).
torch::Tensor formula(const torch::Tensor& out, const torch::Tensor& queries, const GeneRowWeights& w) {
  auto f = queries.unsqueeze(0) + torch::matmul(out, w.out_proj.t());
  auto y = torch::layer_norm(f, {f.size(-1)}, w.norm_weight, w.norm_bias, w.eps);
  auto s = torch::silu(torch::matmul(y, w.w1.t())) * torch::matmul(y, w.w2.t());
  return torch::matmul(f + torch::matmul(s, w.w3.t()), w.head_weight.t()).squeeze(-1) + w.head_bias;
}

struct Case {
  torch::Tensor out, queries;
  GeneRowWeights w;
  std::vector<torch::Tensor> inputs() const {
    return {out, queries, w.out_proj, w.norm_weight, w.norm_bias, w.w1, w.w2, w.w3, w.head_weight, w.head_bias};
  }
  Case as(torch::ScalarType type) const {
    auto c = [&](const torch::Tensor& t) { return t.detach().to(type).requires_grad_(true); };
    return {c(out), c(queries), {c(w.out_proj), c(w.norm_weight), c(w.norm_bias), c(w.w1), c(w.w2), c(w.w3),
                                 c(w.head_weight), c(w.head_bias), w.eps}};
  }
};

Case random_case(int64_t B, int64_t genes, int64_t E, int64_t H) {
  auto r = [](std::vector<int64_t> shape, double scale) { return torch::randn(shape) * scale; };
  return Case{r({B, genes, E}, 1), r({genes, E}, 1),
              {r({E, E}, 0.3), 1 + r({E}, 0.1), r({E}, 0.1), r({H, E}, 0.3), r({H, E}, 0.3), r({E, H}, 0.3),
               r({1, E}, 0.3), r({1}, 1), 1e-5}}
      .as(torch::kFloat);
}

// Rows across several blocks (and a partial one), genes wrapping inside a
// block, widths on and off the kernel's 16 lanes (tiny's 16, base's 32).
TEST(GeneRows, EqualsAutogradOfTheFormula) {
  torch::manual_seed(5);
  for (auto [B, genes, E, H] : {std::array<int64_t, 4>{3, 700, 24, 20}, {2, 37, 32, 88}, {1, 5, 16, 44}}) {
    const Case c = random_case(B, genes, E, H);
    ASSERT_TRUE(gene_rows_runs(c.out, E));
    const Case ref = c.as(torch::kDouble);
    auto expected = formula(ref.out, ref.queries, ref.w);
    auto g = torch::randn({B, genes}, torch::kDouble);
    auto expected_grads = torch::autograd::grad({expected}, ref.inputs(), {g});
    auto got = gene_rows(c.out, c.queries, c.w);
    EXPECT_LT(relative_diff(got, expected), 1e-5) << B << " x " << genes << ", E " << E;
    auto grads = torch::autograd::grad({got}, c.inputs(), {g.to(torch::kFloat)});
    for (size_t i = 0; i < grads.size(); ++i)
      EXPECT_LT(relative_diff(grads[i], expected_grads[i]), 1e-4) << B << " x " << genes << ", E " << E << ", input " << i;
  }
}

// A cell's logits alone and beside other cells (its rows then start elsewhere
// in a block): equal up to rounding, not to the byte (some BLAS kernels, e.g.
// OpenBLAS's Haswell, round a row by its position in the product; inference
// fixes positions with cell blocks: model/cell_blocks.hpp).
TEST(GeneRows, CellsAreIndependentOfTheirCompanions) {
  torch::manual_seed(6);
  const Case c = random_case(4, 300, 32, 88);
  torch::NoGradGuard no_grad;
  auto all = gene_rows(c.out, c.queries, c.w);
  for (int64_t b = 0; b < 4; ++b)
    EXPECT_LT(relative_diff(gene_rows(c.out.narrow(0, b, 1), c.queries, c.w)[0], all[b].to(torch::kDouble)), 1e-6)
        << "cell " << b;
}

// Rows kept (training with room) or computed again (without room, or
// without values: the recomputed chunks' backward): the same bytes.
TEST(GeneRows, EveryModeGivesTheSameBytes) {
  torch::manual_seed(7);
  const Case c = random_case(2, 600, 32, 88);
  auto g = torch::randn({2, 600});
  auto plain = gene_rows(c.out, c.queries, c.w), kept = gene_rows(c.out, c.queries, c.w, GeneRowsMode::keep_rows);
  EXPECT_TRUE(torch::equal(plain, kept));
  auto with = torch::autograd::grad({plain}, c.inputs(), {g});
  for (auto mode : {GeneRowsMode::keep_rows, GeneRowsMode::backward_only}) {
    auto other = mode == GeneRowsMode::keep_rows ? kept : gene_rows(c.out, c.queries, c.w, mode);
    auto grads = torch::autograd::grad({other}, c.inputs(), {g});
    for (size_t i = 0; i < with.size(); ++i)
      EXPECT_TRUE(torch::equal(with[i], grads[i])) << "mode " << int(mode) << ", input " << i;
  }
}

TEST(GeneRows, RunsOnTheCpuInFloatOnly) {
  const Case c = random_case(1, 3, 8, 4).as(torch::kDouble);
  EXPECT_FALSE(gene_rows_runs(c.out, 8));
  EXPECT_THROW(gene_rows(c.out, c.queries, c.w), c10::Error);
}

}  // namespace
}  // namespace scldm
