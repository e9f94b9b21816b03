#include <cstring>

#include "io/checkpoint.hpp"
#include "eval/classifier.hpp"
#include "io/stream.hpp"
#include "model/infer.hpp"
#include "util/paths.hpp"
#include "util/error.hpp"

namespace scldm {

CellFeatures stream_features(StreamReader& in) {
  const StreamHeader& h = in.header();
  if (h.kind != StreamHeader::Kind::latent) fail(in.path(), "is a counts stream; give latents, or counts with --vae");
  CellFeatures f;
  f.labels = h.labels;
  f.codes.assign(h.labels.size(), {});
  f.vae_fingerprint = json_string(h.provenance, "vae_fingerprint");
  f.vae_path = json_string(h.provenance, "vae_path");
  std::vector<float> values;
  LatentBlock b;
  while (in.next(b)) {
    values.insert(values.end(), b.values.begin(), b.values.end());
    f.ids.insert(f.ids.end(), b.ids.begin(), b.ids.end());
    for (size_t c = 0; c < f.codes.size(); ++c) f.codes[c].insert(f.codes[c].end(), b.labels[c].begin(), b.labels[c].end());
  }
  if (f.ids.empty()) fail(in.path(), "holds no cells");
  f.x = torch::empty({int64_t(f.ids.size()), h.tokens * h.dim});
  f.latent_shape = {h.tokens, h.dim};
  memcpy(f.x.data_ptr<float>(), values.data(), values.size() * sizeof(float));
  return f;
}

CellFeatures encoded_features(LoadedVae& vae, const CellSet& cells, const std::string& vae_path, uint64_t seed,
                              const torch::Device& device) {
  CellFeatures f;
  EncodeOptions eo;
  eo.seed = seed;
  eo.device = device;
  std::vector<size_t> all(cells.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  f.x = encode_cells(vae, cells, all, eo).flatten(1).contiguous();
  f.latent_shape = {vae.config.tokens, vae.config.latent_dim};
  f.ids = cells.ids;
  f.labels = cells.labels;
  f.codes = cells.codes;
  f.vae_fingerprint = vae.fingerprint;
  f.vae_path = absolute_path(vae_path);
  return f;
}

}  // namespace scldm
