#include "model/vae_io.hpp"

#include "spec/checkpoints.hpp"
#include "util/error.hpp"

namespace scldm {

LoadedVae load_vae(const std::string& path, const torch::Device& device) {
  LoadedVae v;
  v.file = read_checkpoint(path);
  v.config = vae_description(v.file, path, &v.genes);
  validate_checkpoint(v.file, path);  // tensor shapes and fingerprint, before building anything
  v.fingerprint = json_string(v.file.meta, "fingerprint");
  v.model = Vae(v.config);
  load_vae_weights(v.model, v.file, path);
  v.model->to(device);
  v.model->eval();
  return v;
}

}  // namespace scldm
