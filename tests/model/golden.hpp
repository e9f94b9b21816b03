// Reading ../shared/golden files and comparing against them.
#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <string>

#include "io/hdf5.hpp"

namespace scldm::test {

inline std::string golden(const std::string& f) { return std::string(SCLDM_SHARED_DIR) + "/golden/" + f; }
inline bool have_golden(const std::string& f) { return access(golden(f).c_str(), R_OK) == 0; }

inline torch::Tensor read_tensor(hid_t file, const std::string& name) {
  h5::Handle d = h5::open_dataset(file, name, "golden");
  auto shape = h5::shape(d);
  auto values = h5::read<double>(d);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  return torch::from_blob(values.data(), dims, torch::kFloat64).clone();
}

inline double read_scalar(hid_t file, const std::string& name) {
  h5::Handle d = h5::open_dataset(file, name, "golden");
  return h5::read<double>(d).at(0);
}

// Max abs error within rtol of the largest expected magnitude.
inline void expect_close(const torch::Tensor& got, const torch::Tensor& want, double rtol, const std::string& what) {
  auto g = got.to(torch::kFloat64).flatten(), w = want.to(torch::kFloat64).flatten();
  ASSERT_EQ(g.numel(), w.numel()) << what;
  double scale = w.abs().max().item<double>();
  double err = (g - w).abs().max().item<double>();
  EXPECT_LE(err, rtol * std::max(scale, 1e-12)) << what << ": max abs error " << err << " at scale " << scale;
}

// Copies /params/<name> into every parameter of `module` (shapes must match).
inline void load_golden_params(torch::nn::Module& module, hid_t file) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) {
    auto t = read_tensor(file, "params/" + p.key());
    ASSERT_EQ(t.sizes(), p.value().sizes()) << p.key();
    p.value().copy_(t);
  }
}

}  // namespace scldm::test
