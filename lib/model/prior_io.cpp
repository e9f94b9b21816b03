#include "model/prior_io.hpp"

#include "model/weights.hpp"
#include "util/error.hpp"

namespace scldm {

void add_prior_weights(CheckpointFile& ckpt, Dit& model, Dit& ema) {
  add_weights(ckpt, *model, "param/");
  add_weights(ckpt, *ema, "ema/");
}


LoadedPrior load_prior(const std::string& path, const torch::Device& device, bool use_ema) {
  LoadedPrior p;
  p.file = read_checkpoint(path);
  p.description = PriorDescription::from_meta(p.file.meta, path);
  validate_checkpoint(p.file, path);  // tensor shapes and fingerprint, before building anything
  p.fingerprint = json_string(p.file.meta, "fingerprint");
  p.model = Dit(p.description.config, p.description.attribute_names());
  p.ema = use_ema && p.file.find("ema/inp.weight") != nullptr;
  load_weights(*p.model, p.file, path, p.ema ? "ema/" : "param/");
  p.model->to(device);
  p.model->eval();
  return p;
}

}  // namespace scldm
