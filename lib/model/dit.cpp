#include "model/dit.hpp"

#include "model/attention.hpp"

#include <cmath>

namespace scldm {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias = true) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

torch::Tensor ln0(const torch::Tensor& x, double eps) { return torch::layer_norm(x, {x.size(-1)}, {}, {}, eps); }

// x·(1 + scale) + shift with per-cell [B, W] modulation over [B, m, W].
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

void zero(torch::nn::Linear& l) {
  torch::NoGradGuard no_grad;
  l->weight.zero_();
  if (l->bias.defined()) l->bias.zero_();
}

}  // namespace

torch::Tensor time_features(const torch::Tensor& t, int64_t frequencies) {
  int64_t half = frequencies / 2;
  auto j = torch::arange(half, t.options());
  auto phi = torch::exp(-std::log(10000.0) * j / double(half));
  auto args = t.unsqueeze(1) * phi.unsqueeze(0);
  return torch::cat({torch::cos(args), torch::sin(args)}, 1);
}

torch::Tensor sincos_positions(int64_t tokens, int64_t width) {
  int64_t half = width / 2;
  auto omega = torch::pow(10000.0, -torch::arange(half, torch::kFloat64) / double(half));
  auto p = torch::arange(tokens, torch::kFloat64);
  auto args = p.unsqueeze(1) * omega.unsqueeze(0);
  return torch::cat({torch::sin(args), torch::cos(args)}, 1).to(torch::kFloat32);
}


DitBlockImpl::DitBlockImpl(const DitConfig& c) : width(c.width), heads(c.heads), eps(c.layernorm_eps) {
  ada = register_module("ada", linear(c.width, 6 * c.width));
  qkv = register_module("qkv", linear(c.width, 3 * c.width));
  o = register_module("o", linear(c.width, c.width));
  w1 = register_module("w1", linear(c.width, c.hidden(), false));
  w2 = register_module("w2", linear(c.width, c.hidden(), false));
  w3 = register_module("w3", linear(c.hidden(), c.width, false));
  zero(ada);  // adaLN-Zero: every block starts as the identity
}

torch::Tensor DitBlockImpl::forward(torch::Tensor x, const torch::Tensor& c_silu) {
  auto mod = ada(c_silu).chunk(6, 1);  // shift1, scale1, gate1, shift2, scale2, gate2
  const int64_t B = x.size(0), L = x.size(1), d = width / heads;
  auto y = modulate(ln0(x, eps), mod[0], mod[1]);
  auto parts = qkv(y).chunk(3, -1);
  auto split_heads = [&](const torch::Tensor& t) { return t.reshape({B, L, heads, d}).transpose(1, 2); };
  auto q = split_heads(parts[0]), k = split_heads(parts[1]), v = split_heads(parts[2]);
  auto attn = attend(q, k, v).transpose(1, 2).reshape({B, L, width});
  x = x + mod[2].unsqueeze(1) * o(attn);
  y = modulate(ln0(x, eps), mod[3], mod[4]);
  return x + mod[5].unsqueeze(1) * w3(torch::silu(w1(y)) * w2(y));
}

DitImpl::DitImpl(const DitConfig& c, const std::vector<std::string>& attributes) : config(c) {
  c.validate();
  inp = register_module("inp", linear(c.latent_dim, c.width));
  t1 = register_module("t1", linear(c.time_frequencies, c.width));
  t2 = register_module("t2", linear(c.width, c.width));
  auto tables = register_module("cls", std::make_shared<torch::nn::Module>());
  for (size_t a = 0; a < c.classes.size(); ++a) {
    cls.push_back(torch::nn::Embedding(c.classes[a] + 1, c.width));
    tables->register_module(attribute_module_name(attributes.at(a)), cls.back());
  }
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.blocks; ++i) blocks->push_back(DitBlock(c));
  final_ada = register_module("final_ada", linear(c.width, 2 * c.width));
  final = register_module("final", linear(c.width, c.latent_dim));
  zero(final_ada);
  zero(final);
  pos_embed = register_buffer("pos_embed", sincos_positions(c.tokens, c.width));
}

torch::Tensor DitImpl::null_labels(int64_t batch) const {
  std::vector<int64_t> nulls(config.classes.begin(), config.classes.end());
  return torch::tensor(nulls, torch::kInt64).view({1, -1}).expand({batch, int64_t(nulls.size())}).clone();
}

torch::Tensor DitImpl::forward(const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& labels) {
  auto x = inp(z) + pos_embed.unsqueeze(0);
  auto c = t2(torch::silu(t1(time_features(t.to(z.dtype()), config.time_frequencies))));
  for (size_t a = 0; a < cls.size(); ++a) c = c + cls[a](labels.select(1, int64_t(a)));
  auto c_silu = torch::silu(c);
  for (auto& block : *blocks) x = block->as<DitBlock>()->forward(x, c_silu);
  auto mod = final_ada(c_silu).chunk(2, 1);  // shift, scale
  return final(modulate(ln0(x, config.layernorm_eps), mod[0], mod[1]));
}

torch::Tensor guided_velocity(Dit& model, const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& labels,
                              const Guidance& g) {
  const int64_t B = z.size(0), A = labels.size(1);
  auto nulls = model->null_labels(B).to(labels.device());
  if (A == 0) return model->forward(z, t, labels);
  // Branch 0 is the null model; then the joint label set, or each attribute alone.
  std::vector<torch::Tensor> branch_labels{nulls};
  std::vector<double> weights;
  if (g.strategy == Guidance::Strategy::joint) {
    double w = g.weights.empty() ? 1.0 : g.weights[0];
    if (w == 0) return model->forward(z, t, nulls);
    if (w == 1) return model->forward(z, t, labels);
    branch_labels.push_back(labels);
    weights.push_back(w);
  } else {
    for (int64_t a = 0; a < A; ++a) {
      double w = size_t(a) < g.weights.size() ? g.weights[size_t(a)] : 1.0;
      if (w == 0) continue;
      auto only = nulls.clone();
      only.select(1, a).copy_(labels.select(1, a));
      branch_labels.push_back(only);
      weights.push_back(w);
    }
    if (weights.empty()) return model->forward(z, t, nulls);
  }
  const int64_t n = int64_t(branch_labels.size());
  auto v = model->forward(z.repeat({n, 1, 1}), t.repeat({n}), torch::cat(branch_labels, 0)).view({n, B, z.size(1), z.size(2)});
  auto out = v[0].clone();
  for (int64_t k = 1; k < n; ++k) out = out + weights[size_t(k - 1)] * (v[k] - v[0]);
  return out;
}

}  // namespace scldm
