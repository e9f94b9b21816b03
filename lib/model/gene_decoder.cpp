#include "model/gene_decoder.hpp"

#include <cmath>

#include "model/attention.hpp"
#include "model/gene_rows.hpp"
#include "model/swiglu_head.hpp"
#include "model/vae.hpp"

namespace scldm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The gene side's parameters, in a fixed order (the custom function's inputs).
enum Weight { kLqW, kLqB, kQ, kO, kL2W, kL2B, kW1, kW2, kW3, kHeadW, kHeadB };

variable_list gene_side_weights(VaeImpl& v) {
  auto& ca = *v.dec_ca;
  return {ca.lq->weight, ca.lq->bias, ca.a->q->weight, ca.a->o->weight, ca.l2->weight, ca.l2->bias,
          ca.m->w1->weight, ca.m->w2->weight, ca.m->w3->weight, v.head->weight, v.head->bias};
}

// Logits [B, c] of queries [c, E] against keys and values [B, h, m, d]: the
// arithmetic of Mcab::forward and the head, for one chunk of genes. `rows`:
// what the rows' own function keeps or computes (model/gene_rows.hpp).
torch::Tensor chunk_logits(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                           const variable_list& w, double eps, GeneRowsMode rows = GeneRowsMode::values) {
  const int64_t c = queries.size(0), E = queries.size(1), h = keys.size(1), d = keys.size(3);
  auto qn = torch::layer_norm(queries, {E}, w[kLqW], w[kLqB], eps);
  auto q = torch::linear(qn, w[kQ]).view({1, c, h, d}).transpose(1, 2);  // [1, h, c, d], shared by the cells
  auto out = attend(q, keys, values);  // [B, h, c, d]
  out = out.transpose(1, 2).reshape({out.size(0), c, E});
  const GeneRowWeights after{w[kO], w[kL2W], w[kL2B], w[kW1], w[kW2], w[kW3], w[kHeadW], w[kHeadB], eps};
  if (gene_rows_runs(out, E)) return gene_rows(out, queries, after, rows);
  auto f = queries.unsqueeze(0) + torch::linear(out, w[kO]);
  auto y = torch::layer_norm(f, {E}, w[kL2W], w[kL2B], eps);
  // head(f + W3 s) = head.f + (W3' head).s + b: the head has one output, so
  // W3 folds into a vector and its [B, c, E] product is never formed; s, the
  // SwiGLU's [B, c, hidden] activations, live a block of rows at a time.
  auto head = w[kHeadW].squeeze(0);
  auto r = swiglu_head(y.reshape({-1, E}), w[kW1], w[kW2], torch::matmul(head, w[kW3]));
  return torch::matmul(f, head) + r.view({f.size(0), c}) + w[kHeadB];
}

torch::Tensor all_chunks(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                         const variable_list& w, double eps, int64_t chunk) {
  const int64_t Q = queries.size(0);
  auto logits = torch::empty({keys.size(0), Q}, keys.options());
  for (int64_t g = 0; g < Q; g += chunk) {
    const int64_t c = std::min(chunk, Q - g);
    logits.narrow(1, g, c).copy_(chunk_logits(queries.narrow(0, g, c), keys, values, w, eps));
  }
  return logits;
}

// Keeps only its inputs for the backward pass, which recomputes every chunk.
struct RecomputedGeneSide : torch::autograd::Function<RecomputedGeneSide> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& keys, const torch::Tensor& values,
                               const torch::Tensor& queries, at::TensorList weights, int64_t chunk, double eps) {
    variable_list saved{keys, values, queries};
    saved.insert(saved.end(), weights.begin(), weights.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["eps"] = eps;
    return all_chunks(queries, keys, values, weights.vec(), eps, chunk);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_logits) {
    auto saved = ctx->get_saved_variables();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const double eps = ctx->saved_data["eps"].toDouble();
    torch::AutoGradMode grad_mode(true);
    auto leaf = [](const torch::Tensor& t) { return t.detach().requires_grad_(true); };
    auto keys = leaf(saved[0]), values = leaf(saved[1]);
    const torch::Tensor& queries = saved[2];
    variable_list w;
    for (size_t i = 3; i < saved.size(); ++i) w.push_back(leaf(saved[i]));
    variable_list sums(w.size() + 2);
    auto grad_queries = torch::zeros_like(queries);
    const auto& g_out = grad_logits[0];
    for (int64_t g = 0; g < queries.size(0); g += chunk) {
      const int64_t c = std::min(chunk, queries.size(0) - g);
      auto q = leaf(queries.narrow(0, g, c));
      variable_list inputs{keys, values, q};
      inputs.insert(inputs.end(), w.begin(), w.end());
      auto grads = torch::autograd::grad({chunk_logits(q, keys, values, w, eps, GeneRowsMode::backward_only)}, inputs, {g_out.narrow(1, g, c)},
                                         false, false, true);
      grad_queries.narrow(0, g, c).copy_(grads[2]);
      for (size_t i = 0; i < sums.size(); ++i) {
        const auto& gi = grads[i < 2 ? i : i + 1];
        if (gi.defined()) sums[i] = sums[i].defined() ? sums[i] + gi : gi;
      }
    }
    variable_list out{sums[0], sums[1], grad_queries};
    out.insert(out.end(), sums.begin() + 2, sums.end());
    out.emplace_back();  // chunk
    out.emplace_back();  // eps
    return out;
  }
};

}  // namespace

namespace {
thread_local int64_t g_batch_cells = 0;  // GeneSideBatch's; 0: the call's own batch
}  // namespace

GeneSideBatch::GeneSideBatch(int64_t cells) : previous_(g_batch_cells) { g_batch_cells = cells; }
GeneSideBatch::~GeneSideBatch() { g_batch_cells = previous_; }

torch::Tensor gene_side_logits(VaeImpl& v, const torch::Tensor& tokens, const torch::Tensor& queries, int64_t chunk,
                               double budget) {
  auto& a = *v.dec_ca->a;
  const int64_t E = a.embed, h = a.heads, d = E / h, B = tokens.size(0), m = tokens.size(1);
  // The cell side (keys and values of the m tokens) is small: ordinary autograd.
  auto kv = a.kv(v.dec_ca->lx(tokens)).view({B, m, 2, h, d});
  auto keys = kv.select(2, 0).transpose(1, 2).contiguous(), values = kv.select(2, 1).transpose(1, 2).contiguous();
  auto w = gene_side_weights(v);
  const double eps = v.config.layernorm_eps;
  if (!torch::GradMode::is_enabled()) return all_chunks(queries, keys, values, w, eps, chunk);
  // Training: keep the intermediates while they fit the budget (fastest; the
  // rows' activations too where they also fit), else recompute.
  const double cell_genes = double(g_batch_cells > 0 ? g_batch_cells : B) * double(queries.size(0));
  const bool rows_kernel = gene_rows_runs(tokens, E);
  const double stored = stored_bytes_per_cell_gene(v.config, rows_kernel);
  if (rows_kernel && cell_genes * (stored + kept_row_bytes(E, v.config.hidden())) <= budget)
    return chunk_logits(queries, keys, values, w, eps, GeneRowsMode::keep_rows);
  if (cell_genes * stored <= budget) return chunk_logits(queries, keys, values, w, eps);
  return RecomputedGeneSide::apply(keys, values, queries, at::TensorList(w), chunk, eps);
}

}  // namespace scldm
