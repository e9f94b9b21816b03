// attend: the CPU kernel equals LibTorch's operators (values and gradients),
// with and without a key mask and with queries shared by the batch; masked
// keys add nothing and a cell does not depend on its batch companions.
#include <gtest/gtest.h>

#include "model/attention.hpp"

namespace scldm {
namespace {

double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-30);
}

// [B, h, L, d] as the model makes it: a head-split view of [B, L, h * d].
torch::Tensor heads_view(int64_t B, int64_t h, int64_t L, int64_t d, torch::Dtype type) {
  return torch::randn({B, L, h * d}, type).view({B, L, h, d}).transpose(1, 2).requires_grad_(true);
}

struct Case {
  int64_t batch, shared_q, heads, lq, lk, d;
  bool masked;
};

void expect_equals_reference(const Case& c, torch::Dtype type, double tolerance) {
  auto q = heads_view(c.shared_q ? 1 : c.batch, c.heads, c.lq, c.d, type);
  auto k = heads_view(c.batch, c.heads, c.lk, c.d, type), v = heads_view(c.batch, c.heads, c.lk, c.d, type);
  torch::Tensor mask;
  if (c.masked) {
    mask = torch::rand({c.batch, c.lk}) < 0.6;
    if (c.batch > 1) mask[0].fill_(false);  // a cell with no key at all
    mask[c.batch - 1][0] = true;             // and one with at least one
  }
  auto g = torch::randn({c.batch, c.heads, c.lq, c.d}, type);
  auto want = attend_reference(q, k, v, mask);
  auto want_grads = torch::autograd::grad({want}, {q, k, v}, {g});
  auto got = attend(q, k, v, mask);
  std::string what = "B " + std::to_string(c.batch) + (c.shared_q ? " shared" : "") + " Lq " + std::to_string(c.lq) +
                     " Lk " + std::to_string(c.lk) + " d " + std::to_string(c.d) + (c.masked ? " masked" : "");
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  EXPECT_LT(relative_diff(got, want), tolerance) << what;
  auto got_grads = torch::autograd::grad({got}, {q, k, v}, {g});
  for (size_t i = 0; i < 3; ++i)
    EXPECT_LT(relative_diff(got_grads[i], want_grads[i]), tolerance) << what << ", gradient of input " << i;
}

const Case kCases[] = {
    {5, 0, 8, 16, 16, 4, false},  // the VAE's self-attention
    {5, 1, 4, 16, 40, 8, true},   // its encoder: shared queries over a cell's genes
    {3, 0, 4, 16, 16, 8, false},  // the tiny prior's blocks
    {4, 1, 4, 37, 16, 8, false}, // the decoder's genes against a cell's tokens
    {1, 1, 2, 3, 7, 5, true},
    {2, 1, 2, 3, 7, 5, false},   // few queries, an odd width, no mask
    {3, 0, 2, 20, 1, 8, true},   // one key
    {4, 1, 2, 16, 40, 16, true},  // small's cross-attention: encoder pooling, heads of 16
    {3, 1, 2, 37, 11, 16, false}, // and its decoder's genes (keys not a multiple of 8)
    {2, 2, 3, 21, 9, 13, true},   // an odd width past 8
};

TEST(Attention, EqualsLibTorchsOperatorsInDouble) {
  torch::manual_seed(11);
  for (const Case& c : kCases) expect_equals_reference(c, torch::kFloat64, 1e-12);
}

TEST(Attention, EqualsLibTorchsOperatorsInFloat) {
  torch::manual_seed(12);
  for (const Case& c : kCases) expect_equals_reference(c, torch::kFloat32, 2e-5);
}

// Padding a cell's keys with masked ones, or computing it beside other cells,
// gives the same bytes (values and gradients).
TEST(Attention, ACellIsIndependentOfPaddingAndCompanions) {
  torch::manual_seed(13);
  const int64_t B = 4, h = 4, lq = 16, lk = 30, d = 8, pad = 9;
  auto q = torch::randn({1, h, lq, d}).requires_grad_(true);
  auto k = torch::randn({B, h, lk + pad, d}).requires_grad_(true), v = torch::randn({B, h, lk + pad, d}).requires_grad_(true);
  auto mask = torch::ones({B, lk + pad}, torch::kBool);
  mask.narrow(1, lk, pad).fill_(false);
  auto g = torch::randn({B, h, lq, d});
  auto all = attend(q, k, v, mask);
  auto all_grads = torch::autograd::grad({all}, {k, v}, {g});
  for (int64_t b = 0; b < B; ++b) {
    auto kb = k.narrow(0, b, 1).narrow(2, 0, lk).detach().requires_grad_(true);
    auto vb = v.narrow(0, b, 1).narrow(2, 0, lk).detach().requires_grad_(true);
    auto one = attend(q, kb, vb);
    EXPECT_TRUE(torch::equal(one, all.narrow(0, b, 1))) << "cell " << b;
    auto grads = torch::autograd::grad({one}, {kb, vb}, {g.narrow(0, b, 1)});
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(torch::equal(grads[i], all_grads[i].narrow(0, b, 1).narrow(2, 0, lk))) << "cell " << b << " input " << i;
      EXPECT_EQ(all_grads[i].narrow(0, b, 1).narrow(2, lk, pad).abs().max().item<double>(), 0.0) << "padding";
    }
  }
}

// The gradient autograd hands over may be expanded (a sum's: stride 0).
TEST(Attention, TakesAnExpandedGradient) {
  torch::manual_seed(15);
  auto q = heads_view(1, 4, 37, 8, torch::kFloat64);
  auto k = heads_view(3, 4, 16, 8, torch::kFloat64), v = heads_view(3, 4, 16, 8, torch::kFloat64);
  auto want = torch::autograd::grad({attend_reference(q, k, v).sum()}, {q, k, v});
  auto got = torch::autograd::grad({attend(q, k, v).sum()}, {q, k, v});
  for (size_t i = 0; i < 3; ++i) EXPECT_LT(relative_diff(got[i], want[i]), 1e-12) << "input " << i;
}

TEST(Attention, SameBytesForAnyThreadCount) {
  torch::manual_seed(14);
  const int threads = at::get_num_threads();
  for (int64_t lq : {16, 300}) {  // the latent tokens; the decoder's genes (shared queries)
    auto q = torch::randn({lq == 16 ? 64 : 1, 8, lq, 4}).requires_grad_(true);
    auto k = torch::randn({64, 8, 16, 4}).requires_grad_(true), v = torch::randn({64, 8, 16, 4}).requires_grad_(true);
    auto g = torch::randn({64, 8, lq, 4});
    std::vector<torch::Tensor> results;
    for (int t : {1, 2, 3}) {
      at::set_num_threads(t);
      auto out = attend(q, k, v);
      auto grads = torch::autograd::grad({out}, {q, k, v}, {g});
      grads.push_back(out);
      if (results.empty()) results = grads;
      for (size_t i = 0; i < grads.size(); ++i)
        EXPECT_TRUE(torch::equal(grads[i], results[i])) << lq << " queries, " << t << " threads, " << i;
    }
  }
  at::set_num_threads(threads);
}

TEST(Attention, SecondDerivativesAreAnError) {
  auto q = torch::randn({1, 1, 2, 2}).requires_grad_(true);
  auto out = attend(q, q.detach(), q.detach());
  EXPECT_ANY_THROW(torch::autograd::grad({out.sum()}, {q}, {}, true, /*create_graph=*/true));
}

}  // namespace
}  // namespace scldm
