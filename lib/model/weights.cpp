#include "model/weights.hpp"

#include <cstring>

#include "util/error.hpp"

namespace scldm {

Blob tensor_blob(const std::string& name, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU).contiguous();
  Blob b{name, c.scalar_type() == torch::kFloat64 ? "float64" : c.scalar_type() == torch::kInt64 ? "int64"
               : c.scalar_type() == torch::kUInt8 ? "uint8" : "float32",
         c.sizes().vec(), {}};
  if (b.dtype == "float32") c = c.to(torch::kFloat32);
  b.bytes.assign(static_cast<const char*>(c.data_ptr()), size_t(c.numel()) * c.element_size());
  return b;
}

torch::Tensor blob_tensor(const Blob& b) {
  auto type = b.dtype == "float64" ? torch::kFloat64 : b.dtype == "int64" ? torch::kInt64
              : b.dtype == "uint8" ? torch::kUInt8 : torch::kFloat32;
  auto t = torch::empty(b.shape, type);
  memcpy(t.data_ptr(), b.bytes.data(), b.bytes.size());
  return t;
}

void add_weights(CheckpointFile& ckpt, torch::nn::Module& module, const std::string& prefix) {
  for (auto& p : module.named_parameters()) ckpt.blobs.push_back(tensor_blob(prefix + p.key(), p.value()));
}

void load_weights(torch::nn::Module& module, const CheckpointFile& ckpt, const std::string& path, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) {
    const Blob* b = ckpt.find(prefix + p.key());
    if (!b) fail(path, "missing weights " + prefix + p.key());
    auto t = blob_tensor(*b);
    if (t.sizes() != p.value().sizes()) fail(path, "weights " + prefix + p.key() + " have the wrong shape");
    p.value().copy_(t);
  }
}

}  // namespace scldm
