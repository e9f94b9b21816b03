#include "spec/checkpoints.hpp"

#include <algorithm>
#include <cmath>

#include "spec/prior_description.hpp"
#include "util/error.hpp"

namespace scldm {
namespace {

using Specs = std::vector<TensorSpec>;

void layer_norm(Specs& s, const std::string& name, int64_t width) {
  s.push_back({name + ".weight", {width}});
  s.push_back({name + ".bias", {width}});
}

void attention(Specs& s, const std::string& name, int64_t e) {
  s.push_back({name + ".q.weight", {e, e}});
  s.push_back({name + ".kv.weight", {2 * e, e}});
  s.push_back({name + ".o.weight", {e, e}});
}

void swiglu(Specs& s, const std::string& name, int64_t e, int64_t hidden) {
  s.push_back({name + ".w1.weight", {hidden, e}});
  s.push_back({name + ".w2.weight", {hidden, e}});
  s.push_back({name + ".w3.weight", {e, hidden}});
}

void vae_block(Specs& s, const std::string& name, const VaeConfig& c) {
  layer_norm(s, name + ".l1", c.embed);
  attention(s, name + ".a", c.embed);
  layer_norm(s, name + ".l2", c.embed);
  swiglu(s, name + ".m", c.embed, c.hidden());
}

void mcab(Specs& s, const std::string& name, const VaeConfig& c) {
  layer_norm(s, name + ".lq", c.embed);
  layer_norm(s, name + ".lx", c.embed);
  attention(s, name + ".a", c.embed);
  layer_norm(s, name + ".l2", c.embed);
  swiglu(s, name + ".m", c.embed, c.hidden());
}

void linear(Specs& s, const std::string& name, int64_t in, int64_t out, bool bias) {
  s.push_back({name + ".weight", {out, in}});
  if (bias) s.push_back({name + ".bias", {out}});
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

template <typename F>
auto described(const std::string& path, const char* what, F&& f) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("bad ") + what + " description (" + json_problem(e) + ")");
  } catch (const UsageError& e) {  // sizes that validate() refuses
    fail(path, std::string("impossible ") + what + " sizes (" + e.what() + ")");
  }
}

void validate_prior(const CheckpointFile& ck, const std::string& path) {
  PriorDescription d = PriorDescription::from_meta(ck.meta, path);
  auto specs = dit_tensors(d.config, d.attribute_names());
  check_tensors(ck, specs, "param/", path);
  check_tensors(ck, specs, "ema/", path);
}

void validate_classifier(const CheckpointFile& ck, const std::string& path) {
  described(path, "classifier", [&] {
    const auto& c = ck.meta.at("config");
    std::string model = c.at("model");
    int64_t features = c.at("features"), hidden = c.at("hidden");
    int64_t classes = int64_t(ck.meta.at("classes").size());
    if ((model != "logreg" && model != "mlp") || features <= 0 || classes <= 0 || (model == "mlp" && hidden <= 0) ||
        (model == "logreg" && hidden != 0))
      fail(path, "bad classifier description");
    check_tensors(ck, classifier_tensors(model, features, hidden, classes), "param/", path);
    check_tensors(ck, {{"mean", {features}}, {"sd", {features}}}, "feature/", path);
    const Blob* sd = ck.find("feature/sd");
    const float* v = reinterpret_cast<const float*>(sd->bytes.data());
    for (int64_t i = 0; i < features; ++i)
      if (!(v[i] > 0)) fail(path, "feature/sd holds a value that is not positive");
    auto classes_list = ck.meta.at("classes").get<std::vector<std::string>>();
    std::sort(classes_list.begin(), classes_list.end());
    if (std::adjacent_find(classes_list.begin(), classes_list.end()) != classes_list.end())
      fail(path, "two classes share a name");
    return 0;
  });
}

}  // namespace

std::vector<TensorSpec> vae_tensors(const VaeConfig& c) {
  Specs s;
  s.push_back({"emb.weight", {c.n_genes + 1, c.embed}});
  s.push_back({"ind", {c.tokens, c.embed}});
  mcab(s, "enc_ca", c);
  for (int64_t i = 0; i < c.blocks; ++i) vae_block(s, "enc." + std::to_string(i), c);
  for (int64_t i = 0; i < c.blocks; ++i) vae_block(s, "dec." + std::to_string(i), c);
  linear(s, "to_lat", c.embed, c.latent_dim, false);
  linear(s, "from_lat", c.latent_dim, c.embed, false);
  mcab(s, "dec_ca", c);
  linear(s, "head", c.embed, 1, true);
  s.push_back({"theta.weight", {c.n_genes + 1, 1}});
  if (c.beta > 0) linear(s, "to_logvar", c.embed, c.latent_dim, c.logvar_bias);
  if (c.input == "concat") linear(s, "input_proj", 2 * c.embed, c.embed, false);
  if (c.input == "add") s.push_back({"count_dir", {c.embed}});
  return s;
}

std::vector<TensorSpec> dit_tensors(const DitConfig& c, const std::vector<std::string>& attributes) {
  Specs s;
  const int64_t W = c.width, H = c.hidden();
  linear(s, "inp", c.latent_dim, W, true);
  linear(s, "t1", c.time_frequencies, W, true);
  linear(s, "t2", W, W, true);
  for (size_t a = 0; a < c.classes.size() && a < attributes.size(); ++a)
    s.push_back({"cls." + attribute_module_name(attributes[a]) + ".weight", {c.classes[a] + 1, W}});
  for (int64_t i = 0; i < c.blocks; ++i) {
    std::string b = "blocks." + std::to_string(i);
    linear(s, b + ".ada", W, 6 * W, true);
    linear(s, b + ".qkv", W, 3 * W, true);
    linear(s, b + ".o", W, W, true);
    linear(s, b + ".w1", W, H, false);
    linear(s, b + ".w2", W, H, false);
    linear(s, b + ".w3", H, W, false);
  }
  linear(s, "final_ada", W, 2 * W, true);
  linear(s, "final", W, c.latent_dim, true);
  return s;
}

std::vector<TensorSpec> classifier_tensors(const std::string& model, int64_t features, int64_t hidden, int64_t classes) {
  Specs s;
  if (model == "mlp") {
    linear(s, "0", features, hidden, true);
    linear(s, "2", hidden, classes, true);
  } else {
    linear(s, "0", features, classes, true);
  }
  return s;
}

void check_tensors(const CheckpointFile& ck, const std::vector<TensorSpec>& specs, const std::string& prefix,
                   const std::string& path) {
  // Nothing more either: a tensor the configuration does not explain means an edited file.
  for (auto& b : ck.blobs) {
    if (b.name.rfind(prefix, 0) != 0) continue;
    std::string name = b.name.substr(prefix.size());
    if (std::none_of(specs.begin(), specs.end(), [&](const TensorSpec& s) { return s.name == name; }))
      fail(path, "holds weights " + b.name + " that its configuration does not have");
  }
  for (auto& spec : specs) {
    const Blob* b = ck.find(prefix + spec.name);
    if (!b) fail(path, "missing weights " + prefix + spec.name);
    if (b->dtype != "float32" || b->shape != spec.shape)
      fail(path, "weights " + prefix + spec.name + " are " + b->dtype + " " + shape_text(b->shape) + ", expected float32 " +
                     shape_text(spec.shape));
    const float* v = reinterpret_cast<const float*>(b->bytes.data());
    for (size_t i = 0; i < b->bytes.size() / sizeof(float); ++i)
      if (!std::isfinite(v[i])) fail(path, "weights " + prefix + spec.name + " hold non-finite values");
  }
}

std::string vae_fingerprint(const CheckpointFile& ck) { return weights_fingerprint(ck, {"config", "genes"}, {"param/"}); }

std::string prior_fingerprint(const CheckpointFile& ck) {
  return weights_fingerprint(ck, {"config", "attributes", "library"}, {"param/", "ema/"});
}

std::string classifier_fingerprint(const CheckpointFile& ck) {
  return weights_fingerprint(ck, {"config", "label", "classes"}, {"param/", "feature/"});
}

VaeConfig vae_description(const CheckpointFile& ck, const std::string& path, std::vector<std::string>* genes) {
  std::string kind = json_string(ck.meta, "kind", "?");
  if (kind != "vae") fail(path, "is a scldm checkpoint of kind '" + kind + "', not a VAE");
  return described(path, "VAE", [&] {
    VaeConfig c = VaeConfig::from_json(ck.meta.at("config"));
    c.validate();
    auto names = ck.meta.at("genes").get<std::vector<std::string>>();
    if (int64_t(names.size()) != c.n_genes || c.n_genes <= 0) fail(path, "gene list does not match the model size");
    for (size_t g = 0; g < names.size(); ++g)
      if (names[g].empty() || names[g].find('\0') != std::string::npos)
        fail(path, "its vocabulary holds an empty or malformed gene name (gene " + std::to_string(g) + ")");
    auto sorted = names;
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) fail(path, "its vocabulary lists gene '" + *dup + "' twice");
    if (genes) *genes = std::move(names);
    return c;
  });
}

void validate_checkpoint(const CheckpointFile& ck, const std::string& path) {
  std::string kind = json_string(ck.meta, "kind", "?");
  std::string expected;
  if (kind == "vae") {
    check_tensors(ck, vae_tensors(vae_description(ck, path)), "param/", path);
    expected = vae_fingerprint(ck);
  } else if (kind == "prior") {
    validate_prior(ck, path);
    expected = prior_fingerprint(ck);
  } else if (kind == "classifier") {
    validate_classifier(ck, path);
    expected = classifier_fingerprint(ck);
  } else {
    fail(path, "unknown checkpoint kind '" + kind + "'");
  }
  if (json_string(ck.meta, "fingerprint") != expected) fail(path, "fingerprint does not match the weights (corrupt?)");
}

}  // namespace scldm
