#include "model/vae_io.hpp"

#include <algorithm>
#include <unordered_map>

#include "spec/checkpoints.hpp"
#include "util/error.hpp"

namespace scldm {

namespace {

// The meta "encoder_genes" as a mask over the vocabulary (empty: all genes).
std::vector<uint8_t> encoder_genes_of(const CheckpointFile& ck, const std::vector<std::string>& vocabulary, const std::string& path) {
  if (!ck.meta.contains("encoder_genes")) return {};
  std::unordered_map<std::string, size_t> index;
  for (size_t g = 0; g < vocabulary.size(); ++g) index.emplace(vocabulary[g], g);
  std::vector<uint8_t> mask(vocabulary.size(), 0);
  try {
    for (const auto& name : ck.meta.at("encoder_genes").get<std::vector<std::string>>()) {
      auto it = index.find(name);
      if (it == index.end()) fail(path, "its encoder gene '" + name + "' is not in its vocabulary");
      mask[it->second] = 1;
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad encoder_genes (" + json_problem(e) + ")");
  }
  if (std::count(mask.begin(), mask.end(), 1) == 0) fail(path, "its encoder reads no gene");
  return mask;
}

}  // namespace

LoadedVae load_vae(const std::string& path, const torch::Device& device) {
  LoadedVae v;
  v.file = read_checkpoint(path);
  v.config = vae_description(v.file, path, &v.genes);
  validate_checkpoint(v.file, path);  // tensor shapes and fingerprint, before building anything
  v.fingerprint = json_string(v.file.meta, "fingerprint");
  v.model = Vae(v.config);
  load_vae_weights(v.model, v.file, path);
  v.model->encoder_genes = encoder_genes_of(v.file, v.genes, path);
  v.model->to(device);
  v.model->eval();
  return v;
}

}  // namespace scldm
