#include "model/vae.hpp"

#include <cmath>

#include "model/attention.hpp"
#include "model/gene_decoder.hpp"
#include "model/residual_mlp.hpp"

namespace scldm {
namespace {

torch::nn::LayerNorm layer_norm(const VaeConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed}).eps(c.layernorm_eps));
}

torch::nn::Linear linear(int64_t in, int64_t out, bool bias = false) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

// x + m(norm(x)), the second half of a block (model/residual_mlp.hpp).
torch::Tensor add_mlp(const torch::Tensor& x, torch::nn::LayerNorm& norm, SwiGlu& m) {
  TORCH_CHECK(!m->w1->bias.defined() && !m->w2->bias.defined() && !m->w3->bias.defined(), "SwiGLU without biases");
  return residual_mlp(x, {norm->weight, norm->bias, norm->options.eps(), m->w1->weight, m->w2->weight, m->w3->weight});
}

// LayerNorm without affine parameters.
torch::Tensor ln0(const torch::Tensor& x, double eps) { return torch::layer_norm(x, {x.size(-1)}, {}, {}, eps); }

}  // namespace

AttentionImpl::AttentionImpl(int64_t e, int64_t h) : embed(e), heads(h) {
  q = register_module("q", linear(e, e));
  kv = register_module("kv", linear(e, 2 * e));
  o = register_module("o", linear(e, e));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& xq, const torch::Tensor& xkv, const torch::Tensor& key_mask) {
  int64_t d = embed / heads;
  auto split_heads = [&](const torch::Tensor& t) {  // [B, L, E] -> [B, h, L, d]
    return t.reshape({t.size(0), t.size(1), heads, d}).transpose(1, 2);
  };
  auto out = attend_packed(split_heads(q(xq)), kv(xkv), heads, key_mask);  // [B, h, Lq, d]
  out = out.transpose(1, 2).reshape({out.size(0), out.size(2), embed});
  return o(out);
}

SwiGluImpl::SwiGluImpl(int64_t e, int64_t hidden) {
  w1 = register_module("w1", linear(e, hidden));
  w2 = register_module("w2", linear(e, hidden));
  w3 = register_module("w3", linear(hidden, e));
}

torch::Tensor SwiGluImpl::forward(const torch::Tensor& x) { return w3(torch::silu(w1(x)) * w2(x)); }

BlockImpl::BlockImpl(const VaeConfig& c) {
  l1 = register_module("l1", layer_norm(c));
  a = register_module("a", Attention(c.embed, c.heads));
  l2 = register_module("l2", layer_norm(c));
  m = register_module("m", SwiGlu(c.embed, c.hidden()));
}

torch::Tensor BlockImpl::forward(torch::Tensor x) {
  auto y = l1(x);
  return add_mlp(x + a(y, y), l2, m);
}

McabImpl::McabImpl(const VaeConfig& c) {
  lq = register_module("lq", layer_norm(c));
  lx = register_module("lx", layer_norm(c));
  a = register_module("a", Attention(c.embed, c.heads_cross));
  l2 = register_module("l2", layer_norm(c));
  m = register_module("m", SwiGlu(c.embed, c.hidden()));
}

torch::Tensor McabImpl::forward(const torch::Tensor& queries, const torch::Tensor& set, const torch::Tensor& set_mask) {
  // Queries may be shared by the batch ([1, Lq, E]): the sum broadcasts.
  return add_mlp(queries + a(lq(queries), lx(set), set_mask), l2, m);
}

VaeImpl::VaeImpl(const VaeConfig& c) : config(c) {
  emb = register_module("emb", torch::nn::Embedding(c.n_genes + 1, c.embed));
  ind = register_parameter("ind", torch::randn({c.tokens, c.embed}) * 0.02);
  enc_ca = register_module("enc_ca", Mcab(c));
  enc = register_module("enc", torch::nn::ModuleList());
  dec = register_module("dec", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.blocks; ++i) {
    enc->push_back(Block(c));
    dec->push_back(Block(c));
  }
  to_lat = register_module("to_lat", linear(c.embed, c.latent_dim));
  from_lat = register_module("from_lat", linear(c.latent_dim, c.embed));
  dec_ca = register_module("dec_ca", Mcab(c));
  head = register_module("head", linear(c.embed, 1, true));
  theta = register_module("theta", torch::nn::Embedding(c.n_genes + 1, 1));
  torch::NoGradGuard no_grad;
  theta->weight.fill_(1.0);  // scldm-model(7): the per-gene parameter starts at 1
  emb->weight.normal_(0, 0.02);
  if (c.beta > 0) to_logvar = register_module("to_logvar", linear(c.embed, c.latent_dim, c.logvar_bias));
  // The noise starts at sd 0.05 of the unit-scale latent and grows only as far as the KL term
  // lets it: started at the encoder output's scale, a small beta never wins back the detail.
  if (to_logvar && c.logvar_bias) {
    to_logvar->weight.zero_();
    to_logvar->bias.fill_(-6.0);
  }
  if (c.input == "concat") input_proj = register_module("input_proj", linear(2 * c.embed, c.embed));
  // At the embeddings' scale, so that neither the gene nor its count drowns the other.
  if (c.input == "add") count_dir = register_parameter("count_dir", torch::randn({c.embed}) * 0.02);
}

torch::Tensor VaeImpl::input_counts(const EncoderBatch& batch) const {
  if (config.input_norm == "none") return batch.counts;
  auto library = batch.library.defined() ? batch.library : batch.counts.sum(-1);
  return batch.counts * (1e4 / library.clamp_min(1)).unsqueeze(-1);  // an empty cell's row is all padding
}

std::pair<torch::Tensor, torch::Tensor> VaeImpl::encode(const EncoderBatch& batch) {
  auto e = emb(batch.genes);
  auto x = torch::log1p(input_counts(batch)).unsqueeze(-1);
  torch::Tensor tokens;
  if (config.input == "concat") tokens = input_proj(torch::cat({e, x.expand_as(e)}, -1));
  else if (config.input == "add") tokens = e + x * count_dir;
  else tokens = e * x;
  auto h = enc_ca(ind.unsqueeze(0), tokens, batch.mask);
  for (auto& block : *enc) h = block->as<Block>()->forward(h);
  auto z = ln0(to_lat(h), config.layernorm_eps);
  torch::Tensor logvar;
  if (to_logvar) logvar = to_logvar(h);
  return {z, logvar};
}

namespace {
// Decoder trunk shared by decode() and gene_logits(): latents to m tokens.
torch::Tensor decoder_tokens(VaeImpl& v, const torch::Tensor& z) {
  auto h = v.from_lat(ln0(z, v.config.layernorm_eps));
  for (auto& block : *v.dec) h = block->as<Block>()->forward(h);
  return h;
}
}  // namespace

torch::Tensor VaeImpl::gene_logits(const torch::Tensor& z, const torch::Tensor& genes) {
  return gene_side_logits(*this, decoder_tokens(*this, z), emb(genes));  // queries shared by the batch
}

Decoded VaeImpl::decode(const torch::Tensor& z, const torch::Tensor& library_size, const torch::Tensor& measured) {
  Decoded d;
  d.logits = gene_side_logits(*this, decoder_tokens(*this, z), emb->weight.narrow(0, 1, config.n_genes));
  auto logits = measured.defined() ? d.logits.masked_fill(measured.logical_not(), -INFINITY) : d.logits;
  d.mu = torch::softmax(logits, -1) * library_size.unsqueeze(-1);
  d.theta = torch::exp(theta->weight.narrow(0, 1, config.n_genes).squeeze(-1));
  return d;
}

torch::Tensor nb_log_prob(const torch::Tensor& x, const torch::Tensor& mu, const torch::Tensor& theta) {
  constexpr double eps = 1e-8;
  auto log_theta_mu = torch::log(theta + mu + eps);
  return theta * (torch::log(theta + eps) - log_theta_mu) + x * (torch::log(mu + eps) - log_theta_mu) +
         torch::lgamma(x + theta) - torch::lgamma(theta) - torch::lgamma(x + 1);
}

torch::Tensor cell_log_likelihood(const torch::Tensor& x, const Decoded& d, const torch::Tensor& measured) {
  auto terms = nb_log_prob(x, d.mu, d.theta);
  if (measured.defined()) terms = terms.masked_fill(measured.logical_not(), 0);
  return terms.sum(1);
}

}  // namespace scldm
