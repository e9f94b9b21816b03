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

// Queries shared by the batch as columns [h, d, query_stride(Lq)] (the
// kernel's layout), made once instead of once per batch entry; else undefined.
torch::Tensor shared_query_columns(const torch::Tensor& q, int64_t batch) {
  if (q.size(0) != 1 || batch == 1) return {};
  auto columns = torch::zeros({q.size(1), q.size(3), kernel::query_stride(q.size(2))}, q.options());
  columns.narrow(2, 0, q.size(2)).copy_(q[0].transpose(1, 2));
  return columns;
}

template <typename T>
kernel::Problem<T> problem_of(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& mask, const torch::Tensor& probs, const torch::Tensor& q_columns) {
  return {rows_of<const T>(q), rows_of<const T>(k), rows_of<const T>(v),
          mask.defined() && mask.numel() > 0 ? mask.data_ptr<bool>() : nullptr, k.size(1), q.size(2), k.size(2), k.size(3),
          probs.data_ptr<T>(), q_columns.defined() ? q_columns.data_ptr<T>() : nullptr};
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

// The kernel's forward pass: out [B, h, Lq, d] and the probabilities it saves.
std::pair<torch::Tensor, torch::Tensor> kernel_forward(const torch::Tensor& q, const torch::Tensor& k,
                                                       const torch::Tensor& v, const torch::Tensor& mask) {
  const int64_t B = k.size(0), h = k.size(1), lq = q.size(2), lk = k.size(2), d = k.size(3);
  auto out = heads_last(B, h, lq, d, q.options());
  auto probs = torch::empty({B, h, lk, kernel::query_stride(lq)}, q.options());
  auto q_columns = shared_query_columns(q, B);
  AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "attend", [&] {
    auto a = problem_of<scalar_t>(q, k, v, mask, probs, q_columns);
    auto o = rows_of<scalar_t>(out);
    at::parallel_for(0, B * h, grain(a), [&](int64_t begin, int64_t end) { kernel::forward(a, o, begin, end); });
  });
  return {out, probs};
}

// Writes every element of dk and dv; returns dq (summed over the batch, in
// batch order, for shared queries), undefined when q needs none.
torch::Tensor kernel_backward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& probs, const torch::Tensor& mask, const torch::Tensor& grad_out,
                              const torch::Tensor& dk, const torch::Tensor& dv, bool needs_dq) {
  const int64_t B = k.size(0), h = k.size(1), lq = q.size(2), d = k.size(3);
  auto gout = last_contiguous(grad_out);
  auto dq = heads_last(B, h, lq, d, q.options());
  auto q_columns = shared_query_columns(q, B);
  AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "attend_backward", [&] {
    auto a = problem_of<scalar_t>(q, k, v, mask, probs, q_columns);
    kernel::Gradients<scalar_t> g{rows_of<const scalar_t>(gout), rows_of<scalar_t>(dq), rows_of<scalar_t>(dk),
                                  rows_of<scalar_t>(dv)};
    at::parallel_for(0, B * h, grain(a), [&](int64_t begin, int64_t end) { kernel::backward(a, g, begin, end); });
  });
  if (!needs_dq) return {};
  if (q.size(0) != 1 || B == 1) return dq;
  auto total = dq.select(0, 0).clone();
  for (int64_t b = 1; b < B; ++b) total.add_(dq.select(0, b));
  return total.unsqueeze(0);
}

struct SmallAttention : torch::autograd::Function<SmallAttention> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_mask) {
    auto mask = key_mask.to(torch::kBool).contiguous();  // empty: every key kept
    auto [out, probs] = kernel_forward(q, k, v, mask);
    ctx->save_for_backward({q, k, v, probs, mask});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "attend: no second derivatives (create_graph)");
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2];
    const int64_t B = k.size(0), h = k.size(1), lk = k.size(2), d = k.size(3);
    auto dk = heads_last(B, h, lk, d, k.options()), dv = heads_last(B, h, lk, d, v.options());
    auto dq = kernel_backward(q, k, v, saved[3], saved[4], grad_out[0], dk, dv, ctx->needs_input_grad(0));
    return {dq, dk, dv, torch::Tensor()};
  }
};

// Keys and values [B, h, L, d] as views of kv [B, L, 2 h d] (keys first).
std::pair<torch::Tensor, torch::Tensor> split_kv(const torch::Tensor& kv, int64_t heads) {
  const int64_t d = kv.size(2) / 2 / heads;
  auto t = kv.view({kv.size(0), kv.size(1), 2, heads, d});
  return {t.select(2, 0).transpose(1, 2), t.select(2, 1).transpose(1, 2)};
}

// attend_packed's kernel path: the gradient of kv is one tensor whose halves
// the kernel writes (the split's own backward would fill two of kv's size
// with zeros and add them).
struct PackedAttention : torch::autograd::Function<PackedAttention> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& kv,
                               const torch::Tensor& key_mask, int64_t heads) {
    auto mask = key_mask.to(torch::kBool).contiguous();
    auto [k, v] = split_kv(kv, heads);
    auto [out, probs] = kernel_forward(q, k, v, mask);
    ctx->save_for_backward({q, kv, probs, mask});
    ctx->saved_data["heads"] = heads;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    TORCH_CHECK(!torch::GradMode::is_enabled(), "attend: no second derivatives (create_graph)");
    auto saved = ctx->get_saved_variables();
    const int64_t heads = ctx->saved_data["heads"].toInt();
    auto [k, v] = split_kv(saved[1], heads);
    auto dkv = torch::empty_like(saved[1], torch::MemoryFormat::Contiguous);
    auto [dk, dv] = split_kv(dkv, heads);
    auto dq = kernel_backward(saved[0], k, v, saved[2], saved[3], grad_out[0], dk, dv, ctx->needs_input_grad(0));
    return {dq, dkv, torch::Tensor(), torch::Tensor()};
  }
};

// The kernel wins for narrow heads (base's 4 and 8 dimensions, small's 8
// and 16: bench/RESULTS.md); wider ones (the prior's blocks, 32) stay on
// LibTorch's products: the kernel takes heads of up to kernel::kMaxHead.
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

namespace {
void check_shapes(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& key_mask) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.sizes() == k.sizes(), "attend: q, k, v must be [B, h, L, d]");
  TORCH_CHECK((q.size(0) == 1 || q.size(0) == k.size(0)) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "attend: q ", q.sizes(), " does not match k ", k.sizes());
  TORCH_CHECK(!key_mask.defined() || (key_mask.dim() == 2 && key_mask.size(0) == k.size(0) && key_mask.size(1) == k.size(2)),
              "attend: key_mask must be [B, Lk]");
}

// Function::apply takes defined tensors only: no mask is an empty one.
torch::Tensor mask_or_empty(const torch::Tensor& key_mask) {
  return key_mask.defined() ? key_mask : torch::empty({0}, torch::kBool);
}
}  // namespace

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& key_mask) {
  check_shapes(q, k, v, key_mask);
  if (!runs_kernel(q, k, v, key_mask)) return attend_reference(q, k, v, key_mask);
  return SmallAttention::apply(last_contiguous(q), last_contiguous(k), last_contiguous(v), mask_or_empty(key_mask));
}

torch::Tensor attend_packed(const torch::Tensor& q, const torch::Tensor& kv, int64_t heads,
                            const torch::Tensor& key_mask) {
  TORCH_CHECK(kv.dim() == 3 && heads > 0 && kv.size(2) % (2 * heads) == 0, "attend_packed: kv must be [B, L, 2 h d]");
  auto packed = kv.stride(2) == 1 && kv.stride(1) == kv.size(2) ? kv : kv.contiguous();
  auto [k, v] = split_kv(packed, heads);
  check_shapes(q, k, v, key_mask);
  if (!runs_kernel(q, k, v, key_mask)) return attend_reference(q, k, v, key_mask);
  return PackedAttention::apply(last_contiguous(q), packed, mask_or_empty(key_mask), heads);
}

}  // namespace scldm
