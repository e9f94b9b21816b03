#include "model/gene_rows.hpp"

#include "model/gene_rows_kernel.hpp"
#include "model/swiglu_kernel.hpp"

namespace scldm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
namespace rows_kernel = gene_rows_kernel;

// The function's inputs, in apply()'s order.
enum Input { kOut, kQueries, kOutProj, kNormW, kNormB, kW12, kV, kHead, kHeadB, kInputs };

float* ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }

rows_kernel::Params params_of(const variable_list& in, double eps) {
  return {ptr(in[kNormW]), ptr(in[kNormB]), float(eps), ptr(in[kHead]), in[kHeadB].item<float>()};
}

// The rows' f, y and the SwiGLU's [a | b]: one block's, computed again for
// each block (forward and backward alike), or every row's (`all`), computed
// once in the forward pass and kept for the backward pass.
struct BlockRows {
  torch::Tensor f, y, ab;
  bool all;
  BlockRows(int64_t rows, int64_t E, int64_t hidden2, const torch::TensorOptions& o, bool all = false)
      : f(torch::empty({rows, E}, o)), y(torch::empty({rows, E}, o)), ab(torch::empty({rows, hidden2}, o)), all(all) {}
  explicit BlockRows(const variable_list& kept) : f(kept.at(0)), y(kept.at(1)), ab(kept.at(2)), all(true) {}

  // Rows [r0, r0 + n) of t.
  torch::Tensor at(const torch::Tensor& t, int64_t r0, int64_t n) const { return t.narrow(0, all ? r0 : 0, n); }
  static rows_kernel::Block block(const variable_list& in, int64_t r0, int64_t n) {
    const int64_t genes = in[kQueries].size(0);
    return {n, in[kQueries].size(1), genes, r0 % genes};
  }
  rows_kernel::Block compute(const variable_list& in, const rows_kernel::Params& p, int64_t r0, int64_t n) {
    auto fb = at(f, r0, n), yb = at(y, r0, n), abb = at(ab, r0, n);
    torch::mm_out(fb, in[kOut].narrow(0, r0, n), in[kOutProj].t());
    const auto x = block(in, r0, n);
    rows_kernel::residual_norm(x, p, ptr(in[kQueries]), ptr(fb), ptr(yb));
    torch::mm_out(abb, yb, in[kW12].t());
    return x;
  }
  swiglu_kernel::Block swiglu(const variable_list& in, int64_t r0, int64_t n) const {
    return {ptr(at(ab, r0, n)), n, in[kV].size(0), ptr(in[kV])};
  }
};

struct Grads {
  torch::Tensor out, queries, out_proj, norm_w, norm_b, w12, v, head, head_b;
  explicit Grads(const variable_list& in)
      : out(torch::empty_like(in[kOut])), queries(torch::zeros_like(in[kQueries])),
        out_proj(torch::zeros_like(in[kOutProj])), norm_w(torch::zeros_like(in[kNormW])),
        norm_b(torch::zeros_like(in[kNormB])), w12(torch::zeros_like(in[kW12])), v(torch::zeros_like(in[kV])),
        head(torch::zeros_like(in[kHead])), head_b(torch::zeros_like(in[kHeadB])) {}
  rows_kernel::Sums sums() const { return {ptr(head), ptr(head_b), ptr(norm_w), ptr(norm_b), ptr(queries)}; }
};

// One block's backward pass: its rows (again, unless kept), then the
// SwiGLU's, the LayerNorm's and head's, and W_O's gradients.
void block_backward(const variable_list& in, const rows_kernel::Params& p, const torch::Tensor& g, int64_t r0, int64_t n,
                    BlockRows& rows, torch::Tensor& dab, torch::Tensor& dy, torch::Tensor& df, Grads& d) {
  const auto x = rows.all ? BlockRows::block(in, r0, n) : rows.compute(in, p, r0, n);
  auto dabb = dab.narrow(0, 0, n), dyb = dy.narrow(0, 0, n), dfb = df.narrow(0, 0, n);
  const float* gb = ptr(g) + r0;
  swiglu_kernel::backward(rows.swiglu(in, r0, n), gb, ptr(dabb), ptr(d.v));
  torch::mm_out(dyb, dabb, in[kW12]);
  d.w12.addmm_(dabb.t(), rows.at(rows.y, r0, n));
  rows_kernel::backward(x, p, gb, ptr(rows.at(rows.f, r0, n)), ptr(dyb), ptr(dfb), d.sums());
  auto out_grad = d.out.narrow(0, r0, n);
  torch::mm_out(out_grad, dfb, in[kOutProj]);
  d.out_proj.addmm_(dfb.t(), in[kOut].narrow(0, r0, n));
}

// Rows per block: a block's [rows, 2 hidden] activations and their gradient
// fit the cache. Fixed, so that a row's arithmetic does not depend on R.
constexpr int64_t kBlockRows = 512;

struct GeneRows : torch::autograd::Function<GeneRows> {
  static torch::Tensor forward(AutogradContext* ctx, at::TensorList inputs, double eps, int64_t mode) {
    const variable_list in = inputs.vec();
    const int64_t R = in[kOut].size(0), E = in[kOut].size(1);
    auto logits = torch::empty({R}, in[kOut].options());
    ctx->saved_data["eps"] = eps;
    const bool keep = mode == int64_t(GeneRowsMode::keep_rows);
    if (mode == int64_t(GeneRowsMode::backward_only)) {
      ctx->save_for_backward(in);
      return logits;
    }
    const auto p = params_of(in, eps);
    BlockRows rows(keep ? R : std::min(R, kBlockRows), E, in[kW12].size(0), in[kOut].options(), keep);
    auto r = torch::empty({kBlockRows}, in[kOut].options());
    for (int64_t r0 = 0; r0 < R; r0 += kBlockRows) {
      const int64_t n = std::min(kBlockRows, R - r0);
      const auto x = rows.compute(in, p, r0, n);
      swiglu_kernel::forward(rows.swiglu(in, r0, n), ptr(r));
      rows_kernel::head_logits(x, p, ptr(rows.at(rows.f, r0, n)), ptr(r), ptr(logits) + r0);
    }
    variable_list saved = in;
    if (keep) saved.insert(saved.end(), {rows.f, rows.y, rows.ab});
    ctx->save_for_backward(saved);
    return logits;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "gene_rows: no second derivatives (create_graph)");
    auto in = ctx->get_saved_variables();
    const variable_list kept(in.begin() + kInputs, in.end());
    in.resize(kInputs);
    const auto p = params_of(in, ctx->saved_data["eps"].toDouble());
    const int64_t R = in[kOut].size(0), E = in[kOut].size(1), block = std::min(R, kBlockRows);
    const auto o = in[kOut].options();
    auto g = grad[0].contiguous();
    BlockRows rows = kept.empty() ? BlockRows(block, E, in[kW12].size(0), o) : BlockRows(kept);
    auto dab = torch::empty({block, in[kW12].size(0)}, o), dy = torch::empty({block, E}, o), df = torch::empty({block, E}, o);
    Grads d(in);
    for (int64_t r0 = 0; r0 < R; r0 += kBlockRows)
      block_backward(in, p, g, r0, std::min(kBlockRows, R - r0), rows, dab, dy, df, d);
    return {d.out, d.queries, d.out_proj, d.norm_w, d.norm_b, d.w12, d.v, d.head, d.head_b, torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

bool gene_rows_runs(const torch::Tensor& like, int64_t E) {
  return like.device().is_cpu() && like.scalar_type() == torch::kFloat && E <= rows_kernel::kMaxWidth;
}

torch::Tensor gene_rows(const torch::Tensor& out, const torch::Tensor& queries, const GeneRowWeights& w,
                        GeneRowsMode mode) {
  const int64_t B = out.size(0), c = out.size(1), E = out.size(2);
  TORCH_CHECK(gene_rows_runs(out, E) && queries.scalar_type() == torch::kFloat && w.out_proj.scalar_type() == torch::kFloat,
              "gene_rows: CPU float tensors with rows of at most ", rows_kernel::kMaxWidth);
  const int64_t H = w.w1.size(0);
  TORCH_CHECK(queries.dim() == 2 && queries.size(0) == c && queries.size(1) == E && w.out_proj.sizes() == torch::IntArrayRef({E, E}) &&
                  w.norm_weight.numel() == E && w.norm_bias.numel() == E && w.w1.size(1) == E && w.w2.sizes() == w.w1.sizes() &&
                  w.w3.sizes() == torch::IntArrayRef({E, H}) && w.head_weight.numel() == E && w.head_bias.numel() == 1,
              "gene_rows: shapes do not fit out ", out.sizes());
  auto head = w.head_weight.reshape({E});
  variable_list inputs(kInputs);
  inputs[kOut] = out.reshape({B * c, E}).contiguous();
  inputs[kQueries] = queries.contiguous();
  inputs[kOutProj] = w.out_proj.contiguous();
  inputs[kNormW] = w.norm_weight.contiguous();
  inputs[kNormB] = w.norm_bias.contiguous();
  inputs[kW12] = torch::cat({w.w1, w.w2}, 0);
  inputs[kV] = torch::matmul(head, w.w3).contiguous();  // head(W3 s) = (W3' head) . s
  inputs[kHead] = head.contiguous();
  inputs[kHeadB] = w.head_bias.reshape({1}).contiguous();
  if (mode == GeneRowsMode::keep_rows && !torch::GradMode::is_enabled()) mode = GeneRowsMode::values;  // nothing to keep for
  return GeneRows::apply(at::TensorList(inputs), w.eps, int64_t(mode)).view({B, c});
}

}  // namespace scldm
