#include "model/residual_mlp.hpp"

#include "model/mlp_kernel.hpp"
#include "model/swiglu_kernel.hpp"

namespace scldm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

float* ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }

mlp_kernel::Norm norm_of(const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  return {ptr(weight), ptr(bias), float(eps)};
}

// x [R, E] rows; w12 = [W1; W2] [2H, E].
struct ResidualMlp : torch::autograd::Function<ResidualMlp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& norm_weight,
                               const torch::Tensor& norm_bias, const torch::Tensor& w12, const torch::Tensor& w3,
                               double eps) {
    const int64_t R = x.size(0), E = x.size(1), H = w3.size(1);
    auto y = torch::empty_like(x);
    mlp_kernel::norm_rows(R, E, norm_of(norm_weight, norm_bias, eps), ptr(x), ptr(y));
    auto ab = torch::mm(y, w12.t());
    auto s = torch::empty({R, H}, x.options());
    swiglu_kernel::gate(ptr(ab), R, H, ptr(s));
    ctx->save_for_backward({x, norm_weight, norm_bias, w12, w3, y, ab, s});
    ctx->saved_data["eps"] = eps;
    return x + torch::mm(s, w3.t());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "residual_mlp: no second derivatives (create_graph)");
    const auto v = ctx->get_saved_variables();
    const auto &x = v[0], &norm_weight = v[1], &norm_bias = v[2], &w12 = v[3], &w3 = v[4], &y = v[5], &ab = v[6],
               &s = v[7];
    const int64_t R = x.size(0), E = x.size(1), H = w3.size(1);
    auto g = grad[0].contiguous();
    auto ds = torch::mm(g, w3), dw3 = torch::mm(g.t(), s);
    auto dab = torch::empty_like(ab);
    swiglu_kernel::gate_backward(ptr(ab), ptr(ds), R, H, ptr(dab));
    auto dw12 = torch::mm(dab.t(), y), dy = torch::mm(dab, w12);
    auto dx = torch::empty_like(x), dw = torch::zeros_like(norm_weight), db = torch::zeros_like(norm_bias);
    mlp_kernel::norm_rows_backward(R, E, norm_of(norm_weight, norm_bias, ctx->saved_data["eps"].toDouble()), ptr(x),
                                   ptr(dy), ptr(g), ptr(dx), ptr(dw), ptr(db));
    return {dx, dw, db, dw12, dw3, torch::Tensor()};
  }
};

bool runs_kernel(const torch::Tensor& x, const ResidualMlpWeights& w) {
  auto cpu_float = [](const torch::Tensor& t) { return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat; };
  return cpu_float(x) && cpu_float(w.norm_weight) && cpu_float(w.norm_bias) && cpu_float(w.w1) && cpu_float(w.w2) &&
         cpu_float(w.w3) && x.size(-1) <= mlp_kernel::kMaxWidth;
}

}  // namespace

torch::Tensor residual_mlp(const torch::Tensor& x, const ResidualMlpWeights& w) {
  const int64_t E = x.size(-1);
  if (!runs_kernel(x, w)) {
    auto y = torch::layer_norm(x, {E}, w.norm_weight, w.norm_bias, w.eps);
    return x + torch::linear(torch::silu(torch::linear(y, w.w1)) * torch::linear(y, w.w2), w.w3);
  }
  TORCH_CHECK(w.norm_weight.numel() == E && w.norm_bias.numel() == E && w.w1.size(1) == E &&
                  w.w2.sizes() == w.w1.sizes() && w.w3.size(0) == E && w.w3.size(1) == w.w1.size(0),
              "residual_mlp: weights do not fit rows of ", E);
  auto rows = x.reshape({-1, E}).contiguous();
  auto out = ResidualMlp::apply(rows, w.norm_weight.contiguous(), w.norm_bias.contiguous(), torch::cat({w.w1, w.w2}, 0),
                                w.w3.contiguous(), w.eps);
  return out.view(x.sizes());
}

}  // namespace scldm
