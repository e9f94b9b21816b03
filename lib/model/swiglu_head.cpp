#include "model/swiglu_head.hpp"

#include "model/swiglu_kernel.hpp"

namespace scldm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One block's hidden activations: [rows, 2 hidden] = y [W1; W2]', then a and b.
struct Hidden {
  torch::Tensor ab, a, b;
  Hidden(const torch::Tensor& y, const torch::Tensor& w12) : ab(torch::mm(y, w12.t())) {
    const int64_t h = w12.size(0) / 2;
    a = ab.narrow(1, 0, h);
    b = ab.narrow(1, h, h);
  }
};

// CPU float runs the element-wise work as one loop (model/swiglu_kernel.hpp);
// other devices and types as tensor operations.
bool runs_kernel(const torch::Tensor& y, const torch::Tensor& v) {
  return y.device().is_cpu() && y.scalar_type() == torch::kFloat && v.scalar_type() == torch::kFloat;
}

swiglu_kernel::Block block_of(const Hidden& x, const torch::Tensor& v) {
  return {x.ab.data_ptr<float>(), x.ab.size(0), v.size(0), v.data_ptr<float>()};
}

void forward_rows(const torch::Tensor& y, const torch::Tensor& w12, const torch::Tensor& v, torch::Tensor& r) {
  const int64_t block = swiglu_block_rows(y.device());
  for (int64_t i = 0; i < y.size(0); i += block) {
    const int64_t n = std::min(block, y.size(0) - i);
    Hidden x(y.narrow(0, i, n), w12);
    auto out = r.narrow(0, i, n);
    if (runs_kernel(y, v)) swiglu_kernel::forward(block_of(x, v), out.data_ptr<float>());
    else torch::mv_out(out, torch::silu(x.a).mul_(x.b), v);
  }
}

struct Grads {
  torch::Tensor y, w12, v;
};

// d r / d (a, b) times the rows' gradient g: da = g v b silu'(a), db = g v silu(a).
void elementwise_backward(const Hidden& x, const torch::Tensor& v, const torch::Tensor& g, torch::Tensor& dab,
                          torch::Tensor& dv) {
  const int64_t h = v.size(0);
  auto sig = torch::sigmoid(x.a);
  auto s = x.a * sig;
  auto gv = g.unsqueeze(1) * v;  // [n, h]
  dv.addmv_((s * x.b).t(), g);
  // silu'(a) = sig (1 + a (1 - sig))
  auto da = dab.narrow(1, 0, h), db = dab.narrow(1, h, h);
  torch::mul_out(da, gv * x.b, sig * (1 + x.a * (1 - sig)));
  torch::mul_out(db, gv, s);
}

void backward_rows(const torch::Tensor& y, const torch::Tensor& w12, const torch::Tensor& v, const torch::Tensor& g,
                   Grads& d) {
  const int64_t h = v.size(0), block = swiglu_block_rows(y.device());
  for (int64_t i = 0; i < y.size(0); i += block) {
    const int64_t n = std::min(block, y.size(0) - i);
    auto yb = y.narrow(0, i, n), gb = g.narrow(0, i, n);
    Hidden x(yb, w12);
    auto dab = torch::empty({n, 2 * h}, y.options());
    if (runs_kernel(y, v))
      swiglu_kernel::backward(block_of(x, v), gb.data_ptr<float>(), dab.data_ptr<float>(), d.v.data_ptr<float>());
    else elementwise_backward(x, v, gb, dab, d.v);
    auto dy = d.y.narrow(0, i, n);
    torch::mm_out(dy, dab, w12);
    d.w12.addmm_(dab.t(), yb);
  }
}

struct SwigluHead : torch::autograd::Function<SwigluHead> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& y, const torch::Tensor& w1,
                               const torch::Tensor& w2, const torch::Tensor& v) {
    auto w12 = torch::cat({w1, w2}, 0);
    auto r = torch::empty({y.size(0)}, y.options());
    forward_rows(y, w12, v, r);
    ctx->save_for_backward({y, w12, v});
    return r;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_r) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "swiglu_head: no second derivatives (create_graph)");
    auto saved = ctx->get_saved_variables();
    const auto &y = saved[0], &w12 = saved[1], &v = saved[2];
    Grads d{torch::empty_like(y), torch::zeros_like(w12), torch::zeros_like(v)};
    backward_rows(y, w12, v, grad_r[0].contiguous(), d);
    const int64_t h = v.size(0);
    return {d.y, d.w12.narrow(0, 0, h), d.w12.narrow(0, h, h), d.v};
  }
};

}  // namespace

torch::Tensor swiglu_head(const torch::Tensor& y, const torch::Tensor& w1, const torch::Tensor& w2,
                          const torch::Tensor& v) {
  return SwigluHead::apply(y.contiguous(), w1, w2, v.contiguous());
}

}  // namespace scldm
