// The exchangeable transformer VAE of scldm-model(7), THE AUTOENCODER in LibTorch. Parameter
// names follow the reference's state_dict (emb.weight, enc.0.a.q.weight, …),
// so golden weights load by name. Attention is written out (no
// scaled_dot_product_attention) to build against LibTorch 1.13 and 2.x.
#pragma once
#include <torch/torch.h>

#include "spec/config.hpp"

namespace scldm {

// Multi-head attention without biases: q from one set, keys and values (kv,
// stacked [2E, E]) from another; key_mask [B, Lk] is true for real keys.
struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int64_t embed, int64_t heads);
  torch::Tensor forward(const torch::Tensor& xq, const torch::Tensor& xkv, const torch::Tensor& key_mask = {});
  torch::nn::Linear q{nullptr}, kv{nullptr}, o{nullptr};
  int64_t embed, heads;
};
TORCH_MODULE(Attention);

// SwiGLU: w3(silu(w1 x) * w2 x).
struct SwiGluImpl : torch::nn::Module {
  SwiGluImpl(int64_t embed, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear w1{nullptr}, w2{nullptr}, w3{nullptr};
};
TORCH_MODULE(SwiGlu);

// Pre-norm self-attention block.
struct BlockImpl : torch::nn::Module {
  BlockImpl(const VaeConfig& c);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::LayerNorm l1{nullptr}, l2{nullptr};
  Attention a{nullptr};
  SwiGlu m{nullptr};
};
TORCH_MODULE(Block);

// Multi-head cross-attention block: queries Q attend to a set X.
struct McabImpl : torch::nn::Module {
  McabImpl(const VaeConfig& c);
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& set, const torch::Tensor& set_mask = {});
  torch::nn::LayerNorm lq{nullptr}, lx{nullptr}, l2{nullptr};
  Attention a{nullptr};
  SwiGlu m{nullptr};
};
TORCH_MODULE(Mcab);

// A batch of cells for the encoder: expressed genes padded to the longest.
struct EncoderBatch {
  torch::Tensor genes;   // [B, L] int64 vocabulary indices (0 = padding)
  torch::Tensor counts;  // [B, L] float
  torch::Tensor mask;    // [B, L] bool, true for real genes
  torch::Tensor library;  // [B] float library sizes (for --input-norm cp10k); undefined: the sum of counts
};

struct Decoded {
  torch::Tensor logits;  // [B, G] per-gene logits h_g
  torch::Tensor mu;      // [B, G] means: softmax(h) * L
  torch::Tensor theta;   // [G] inverse dispersions
};

struct VaeImpl : torch::nn::Module {
  explicit VaeImpl(const VaeConfig& c);
  // The latent mean (and, with beta > 0, the log-variance) of each cell.
  std::pair<torch::Tensor, torch::Tensor> encode(const EncoderBatch& batch);
  // The counts the input layer takes log1p of (config.input_norm).
  torch::Tensor input_counts(const EncoderBatch& batch) const;
  // Decodes latents [B, m, D] with library sizes [B] over all G genes, or,
  // with `measured` [B, G] or [1, G] bool, over each cell's measured genes
  // (the others get mean 0: scldm-model(7), SEVERAL GENE PANELS).
  Decoded decode(const torch::Tensor& z, const torch::Tensor& library_size, const torch::Tensor& measured = {});
  // Per-gene logits [B, Q] for the queried vocabulary indices `genes` [Q]
  // (permutation-equivariant: permuting the queries permutes the output).
  torch::Tensor gene_logits(const torch::Tensor& z, const torch::Tensor& genes);

  VaeConfig config;
  // The genes the encoder reads, by vocabulary index - 1 (1: read); empty:
  // all. fit-vae --encoder-genes shared sets the genes every training file
  // measured, so that cells of files with other panels get comparable
  // latents; kept in checkpoints as meta "encoder_genes".
  std::vector<uint8_t> encoder_genes;
  torch::nn::Embedding emb{nullptr};
  torch::Tensor ind;
  Mcab enc_ca{nullptr}, dec_ca{nullptr};
  torch::nn::ModuleList enc{nullptr}, dec{nullptr};
  torch::nn::Linear to_lat{nullptr}, from_lat{nullptr}, head{nullptr};
  torch::nn::Linear to_logvar{nullptr}, input_proj{nullptr};  // only with beta > 0 / concat input
  torch::Tensor count_dir;  // only with the add input
  torch::nn::Embedding theta{nullptr};
};
TORCH_MODULE(Vae);

// log NB(x; mu, theta), elementwise, with 1e-8 inside the logs (scldm-model(7), THE AUTOENCODER).
torch::Tensor nb_log_prob(const torch::Tensor& x, const torch::Tensor& mu, const torch::Tensor& theta);
// Each cell's log-likelihood [B]: the sum over its measured genes (all, when `measured` is undefined).
torch::Tensor cell_log_likelihood(const torch::Tensor& x, const Decoded& d, const torch::Tensor& measured);

}  // namespace scldm
