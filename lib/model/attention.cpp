#include "model/attention.hpp"

#include "model/attention_kernel.hpp"

#include <cmath>
#include <cstdint>
#include <type_traits>

namespace scldm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace kernel = attention_kernel;

template <typename T>
kernel::Rows<T> rows_of(const torch::Tensor& t) {
  return {t.data_ptr<std::remove_const_t<T>>(), t.size(0) == 1 ? 0 : t.stride(0), t.stride(1), t.stride(2)};
}

template <typename T>
kernel::Problem<T> problem_of(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& mask, const torch::Tensor& probs) {
  return {rows_of<const T>(q), rows_of<const T>(k), rows_of<const T>(v),
          mask.defined() && mask.numel() > 0 ? mask.data_ptr<bool>() : nullptr, k.size(1), q.size(2), k.size(2), k.size(3),
          probs.data_ptr<T>()};
}

// Pairs per thread's share, for about 32k multiply-adds at least. Each pair
// is computed whole by one thread: the bytes do not depend on the thread count.
template <typename T>
int64_t grain(const kernel::Problem<T>& a) {
  return std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(1, a.lq * a.lk * a.d));
}

// [B, h, L, d] laid out as [B, L, h, d], the layout the callers merge heads
// from; the kernel writes every element.
torch::Tensor heads_last(int64_t B, int64_t h, int64_t L, int64_t d, const torch::TensorOptions& o) {
  return torch::empty({B, L, h, d}, o).transpose(1, 2);
}

torch::Tensor last_contiguous(const torch::Tensor& t) { return t.stride(3) == 1 ? t : t.contiguous(); }

struct SmallAttention : torch::autograd::Function<SmallAttention> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_mask) {
    const int64_t B = k.size(0), h = k.size(1), lq = q.size(2), lk = k.size(2), d = k.size(3);
    auto out = heads_last(B, h, lq, d, q.options());
    auto probs = torch::empty({B, h, lk, kernel::query_stride(lq)}, q.options());
    auto mask = key_mask.to(torch::kBool).contiguous();  // empty: every key kept
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "attend", [&] {
      auto a = problem_of<scalar_t>(q, k, v, mask, probs);
      auto o = rows_of<scalar_t>(out);
      at::parallel_for(0, B * h, grain(a), [&](int64_t begin, int64_t end) { kernel::forward(a, o, begin, end); });
    });
    ctx->save_for_backward({q, k, v, probs, mask});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "attend: no second derivatives (create_graph)");
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3], &mask = saved[4];
    const int64_t B = k.size(0), h = k.size(1), lq = q.size(2), lk = k.size(2), d = k.size(3);
    auto gout = last_contiguous(grad_out[0]);
    auto dq = heads_last(B, h, lq, d, q.options()), dk = heads_last(B, h, lk, d, k.options());
    auto dv = heads_last(B, h, lk, d, v.options());
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "attend_backward", [&] {
      auto a = problem_of<scalar_t>(q, k, v, mask, probs);
      kernel::Gradients<scalar_t> g{rows_of<const scalar_t>(gout), rows_of<scalar_t>(dq), rows_of<scalar_t>(dk),
                                    rows_of<scalar_t>(dv)};
      at::parallel_for(0, B * h, grain(a), [&](int64_t begin, int64_t end) { kernel::backward(a, g, begin, end); });
    });
    // Shared queries: their gradient summed over the batch in batch order.
    if (!ctx->needs_input_grad(0)) {
      dq = torch::Tensor();
    } else if (q.size(0) == 1 && B > 1) {
      auto total = dq.select(0, 0).clone();
      for (int64_t b = 1; b < B; ++b) total.add_(dq.select(0, b));
      dq = total.unsqueeze(0);
    }
    return {dq, dk, dv, torch::Tensor()};
  }
};

// The kernel wins for narrow heads (base's 4 and 8 dimensions, small's
// self-attention: bench/RESULTS.md); from 16 on (small's cross-attention,
// the prior's blocks) LibTorch's products are as fast or faster: the kernel
// takes heads of up to kernel::kMaxHead.
bool runs_kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask) {
  const auto type = q.scalar_type();
  return q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() && (!mask.defined() || mask.device().is_cpu()) &&
         (type == torch::kFloat || type == torch::kDouble) && k.scalar_type() == type && v.scalar_type() == type &&
         q.size(3) <= kernel::kMaxHead;
}

}  // namespace

torch::Tensor attend_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& key_mask) {
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(k.size(3)));
  if (!key_mask.defined()) return torch::matmul(torch::softmax(scores, -1), v);
  scores = scores.masked_fill(key_mask.logical_not().unsqueeze(1).unsqueeze(1), -INFINITY);
  // A query without any key attends to nothing (not NaN): zero weights.
  auto empty = key_mask.any(-1).logical_not().view({-1, 1, 1, 1});
  return torch::matmul(torch::softmax(scores, -1).masked_fill(empty, 0), v);
}

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& key_mask) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.sizes() == k.sizes(), "attend: q, k, v must be [B, h, L, d]");
  TORCH_CHECK((q.size(0) == 1 || q.size(0) == k.size(0)) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "attend: q ", q.sizes(), " does not match k ", k.sizes());
  TORCH_CHECK(!key_mask.defined() || (key_mask.dim() == 2 && key_mask.size(0) == k.size(0) && key_mask.size(1) == k.size(2)),
              "attend: key_mask must be [B, Lk]");
  if (!runs_kernel(q, k, v, key_mask)) return attend_reference(q, k, v, key_mask);
  // Function::apply takes defined tensors only: no mask is an empty one.
  auto mask = key_mask.defined() ? key_mask : torch::empty({0}, torch::kBool);
  return SmallAttention::apply(last_contiguous(q), last_contiguous(k), last_contiguous(v), mask);
}

}  // namespace scldm
