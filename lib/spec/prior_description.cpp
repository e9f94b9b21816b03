#include "spec/prior_description.hpp"

#include <algorithm>

#include "io/checkpoint.hpp"
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

namespace {

// log L of a cell lies in [0, log 2^32]: anything else is a corrupt library model.
void check_library(const nlohmann::json& library, const std::string& path) {
  try {
    for (auto& [key, g] : library.at("groups").items()) {
      double mean = g.at("mean").get<double>(), sd = g.at("sd").get<double>();
      if (!(mean >= 0 && mean <= 22.2) || !(sd >= 0 && sd <= 10) || g.at("n").get<int64_t>() < 1)
        fail(path, "bad library-size model (group '" + key + "')");
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad library-size model (" + json_problem(e) + ")");
  }
}

}  // namespace

PriorDescription PriorDescription::from_meta(const nlohmann::json& meta, const std::string& path) {
  if (json_string(meta, "kind") != "prior")
    fail(path, "is a scldm checkpoint of kind '" + json_string(meta, "kind", "?") + "', not a prior");
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
    if (!d.library.contains("groups") || !d.library.at("groups").is_object()) fail(path, "bad prior description (library sizes)");
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad prior description (" + json_problem(e) + ")");
  }
  try {
    d.config.validate();
  } catch (const std::exception& e) {
    fail(path, std::string("impossible model sizes (") + e.what() + ")");
  }
  if (d.strategy != "joint" && d.strategy != "additive") fail(path, "unknown guidance strategy '" + d.strategy + "'");
  if (d.attributes.size() != d.config.classes.size()) fail(path, "attributes do not match the model");
  std::vector<std::string> modules;
  for (size_t a = 0; a < d.attributes.size(); ++a) {
    if (int64_t(d.attributes[a].categories.size()) != d.config.classes[a]) fail(path, "attributes do not match the model");
    modules.push_back(attribute_module_name(d.attributes[a].name));
    auto cats = d.attributes[a].categories;
    std::sort(cats.begin(), cats.end());
    auto dup = std::adjacent_find(cats.begin(), cats.end());
    if (dup != cats.end()) fail(path, "attribute " + d.attributes[a].name + " lists '" + *dup + "' twice");
  }
  check_library(d.library, path);
  std::sort(modules.begin(), modules.end());
  if (std::adjacent_find(modules.begin(), modules.end()) != modules.end()) fail(path, "two attributes share a name");
  return d;
}

std::vector<std::string> PriorDescription::attribute_names() const {
  std::vector<std::string> out;
  for (auto& a : attributes) out.push_back(a.name);
  return out;
}

}  // namespace scldm
