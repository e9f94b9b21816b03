#include "model/config.hpp"

#include <cmath>

#include "util/error.hpp"

namespace scldm {

nlohmann::json VaeConfig::to_json() const {
  return {{"n_genes", n_genes},     {"embed", embed},        {"tokens", tokens},
          {"latent_dim", latent_dim}, {"blocks", blocks},     {"heads", heads},
          {"heads_cross", heads_cross}, {"mlp_hidden", hidden()}, {"layernorm_eps", layernorm_eps},
          {"input", input},         {"beta", beta},          {"max_genes", max_genes}};
}

VaeConfig VaeConfig::from_json(const nlohmann::json& j) {
  VaeConfig c;
  c.n_genes = j.at("n_genes");
  c.embed = j.at("embed");
  c.tokens = j.at("tokens");
  c.latent_dim = j.at("latent_dim");
  c.blocks = j.at("blocks");
  c.heads = j.at("heads");
  c.heads_cross = j.at("heads_cross");
  c.mlp_hidden = j.at("mlp_hidden");
  c.layernorm_eps = j.at("layernorm_eps");
  c.input = j.at("input");
  c.beta = j.at("beta");
  c.max_genes = j.at("max_genes");
  return c;
}

void VaeConfig::validate() const {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw UsageError(what);
  };
  need(embed > 0 && tokens > 0 && latent_dim > 0 && blocks >= 0, "--embed-dim, --latent-tokens, --latent-dim must be positive");
  // Bounds far above any useful model keep a corrupt checkpoint from asking for absurd memory.
  need(embed <= 65536 && tokens <= 65536 && latent_dim <= 65536 && blocks <= 256, "model sizes beyond the supported limits");
  need(mlp_hidden >= 0 && mlp_hidden <= (1 << 20), "MLP width out of range");
  need(n_genes >= 0 && n_genes <= (1 << 24), "gene count out of range");
  need(std::isfinite(layernorm_eps) && layernorm_eps > 0, "LayerNorm eps must be positive");
  need(heads > 0 && embed % heads == 0, "--heads must divide --embed-dim");
  need(heads_cross > 0 && embed % heads_cross == 0, "cross-attention heads must divide --embed-dim");
  need(input == "scale" || input == "concat", "--input must be scale or concat");
  need(std::isfinite(beta) && beta >= 0, "--beta must be >= 0");
  need(max_genes > 0 && max_genes <= (1 << 20), "--max-genes must be in [1, 1048576]");
}

VaeConfig vae_preset(const std::string& name) {
  VaeConfig c;
  if (name == "base") return c;
  if (name == "small") {
    c.blocks = 2;
    c.heads = 4;
    c.heads_cross = 2;
    return c;
  }
  if (name == "tiny") {
    c.embed = 16;
    c.tokens = 4;
    c.latent_dim = 8;
    c.blocks = 1;
    c.heads = 2;
    c.heads_cross = 2;
    return c;
  }
  throw UsageError("--preset: unknown preset '" + name + "' (tiny, small, base)");
}

nlohmann::json DitConfig::to_json() const {
  return {{"width", width},   {"tokens", tokens},         {"latent_dim", latent_dim},
          {"blocks", blocks}, {"heads", heads},           {"mlp_hidden", hidden()},
          {"time_frequencies", time_frequencies}, {"layernorm_eps", layernorm_eps}, {"classes", classes}};
}

DitConfig DitConfig::from_json(const nlohmann::json& j) {
  DitConfig c;
  c.width = j.at("width");
  c.tokens = j.at("tokens");
  c.latent_dim = j.at("latent_dim");
  c.blocks = j.at("blocks");
  c.heads = j.at("heads");
  c.mlp_hidden = j.at("mlp_hidden");
  c.time_frequencies = j.at("time_frequencies");
  c.layernorm_eps = j.at("layernorm_eps");
  c.classes = j.at("classes").get<std::vector<int64_t>>();
  return c;
}

void DitConfig::validate() const {
  if (width <= 0 || width % 2 != 0 || width > 65536) throw UsageError("--width must be a positive even number");
  if (blocks > 256 || mlp_hidden < 0 || mlp_hidden > (1 << 20) || tokens > 65536 || latent_dim > 65536 ||
      time_frequencies > 65536)
    throw Error("model sizes beyond the supported limits");
  if (!std::isfinite(layernorm_eps) || layernorm_eps <= 0) throw Error("LayerNorm eps must be positive");
  for (auto c : classes)
    if (c < 1 || c > (1 << 24)) throw Error("an attribute has no categories or too many");
  if (heads <= 0 || width % heads != 0) throw UsageError("--heads must divide --width");
  if (blocks < 0) throw UsageError("--blocks must be >= 0");
  if (tokens <= 0 || latent_dim <= 0) throw Error("the latents have no tokens");
  if (time_frequencies <= 0 || time_frequencies % 2 != 0) throw Error("time frequencies must be even");
}

std::string attribute_module_name(const std::string& attribute) {
  std::string s = attribute;
  for (char& ch : s)
    if (ch == '.') ch = '_';
  return s.empty() ? "_" : s;
}

DitConfig dit_preset(const std::string& name) {
  DitConfig c;
  if (name == "base") return c;
  if (name == "small") {
    c.width = 128;
    c.blocks = 4;
    c.heads = 4;
    return c;
  }
  if (name == "tiny") {
    c.width = 32;
    c.blocks = 2;
    c.heads = 4;
    return c;
  }
  throw UsageError("--preset: unknown preset '" + name + "' (tiny, small, base)");
}

}  // namespace scldm
