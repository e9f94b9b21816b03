#include "model/prior_io.hpp"

#include "model/vae_io.hpp"
#include "util/error.hpp"

namespace scldm {

void PriorDescription::to_meta(nlohmann::json& meta) const {
  meta["kind"] = "prior";
  meta["config"] = config.to_json();
  nlohmann::json attrs = nlohmann::json::array();
  for (auto& a : attributes) attrs.push_back({{"name", a.name}, {"categories", a.categories}});
  meta["attributes"] = attrs;
  meta["guidance"] = {{"strategy", strategy}, {"cfg_dropout", cfg_dropout}, {"ema_decay", ema_decay}};
  meta["library"] = library;
  meta["vae"] = {{"fingerprint", vae_fingerprint}, {"path", vae_path}};
}

PriorDescription PriorDescription::from_meta(const nlohmann::json& meta, const std::string& path) {
  if (meta.value("kind", "") != "prior")
    fail(path, "is a scldm checkpoint of kind '" + meta.value("kind", "?") + "', not a prior");
  PriorDescription d;
  try {
    d.config = DitConfig::from_json(meta.at("config"));
    for (auto& a : meta.at("attributes")) d.attributes.push_back({a.at("name"), a.at("categories")});
    d.strategy = meta.at("guidance").at("strategy");
    d.cfg_dropout = meta.at("guidance").at("cfg_dropout");
    d.ema_decay = meta.at("guidance").at("ema_decay");
    d.library = meta.at("library");
    d.vae_fingerprint = meta.at("vae").at("fingerprint");
    d.vae_path = meta.at("vae").at("path");
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("bad prior description: ") + e.what());
  }
  if (d.attributes.size() != d.config.classes.size()) fail(path, "attributes do not match the model");
  for (size_t a = 0; a < d.attributes.size(); ++a)
    if (int64_t(d.attributes[a].categories.size()) != d.config.classes[a]) fail(path, "attributes do not match the model");
  return d;
}

std::vector<std::string> PriorDescription::attribute_names() const {
  std::vector<std::string> out;
  for (auto& a : attributes) out.push_back(a.name);
  return out;
}

void add_prior_weights(CheckpointFile& ckpt, Dit& model, Dit& ema) {
  add_weights(ckpt, *model, "param/");
  add_weights(ckpt, *ema, "ema/");
}

std::string prior_fingerprint(const CheckpointFile& ckpt) {
  return weights_fingerprint(ckpt, {"config", "attributes", "library"}, {"param/", "ema/"});
}

LoadedPrior load_prior(const std::string& path, const torch::Device& device, bool use_ema) {
  LoadedPrior p;
  p.file = read_checkpoint(path);
  p.description = PriorDescription::from_meta(p.file.meta, path);
  p.fingerprint = p.file.meta.value("fingerprint", "");
  if (p.fingerprint != prior_fingerprint(p.file)) fail(path, "fingerprint does not match the weights (corrupt?)");
  p.model = Dit(p.description.config, p.description.attribute_names());
  p.ema = use_ema && p.file.find("ema/inp.weight") != nullptr;
  load_weights(*p.model, p.file, path, p.ema ? "ema/" : "param/");
  p.model->to(device);
  p.model->eval();
  return p;
}

}  // namespace scldm
