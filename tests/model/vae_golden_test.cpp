// The implementation is this model: loading the golden weights of
// ../shared/golden/vae_tiny.h5, it reproduces the reference's float64
// latents, means, dispersions and NLL for five cells.
#include <gtest/gtest.h>

#include "io/hdf5.hpp"
#include "model/vae.hpp"

using namespace scldm;

namespace {

std::string golden(const std::string& f) { return std::string(SCLDM_SHARED_DIR) + "/golden/" + f; }

torch::Tensor read_tensor(hid_t file, const std::string& name) {
  h5::Handle d = h5::open_dataset(file, name, "golden");
  auto shape = h5::shape(d);
  auto values = h5::read<double>(d);
  std::vector<int64_t> dims(shape.begin(), shape.end());
  return torch::from_blob(values.data(), dims, torch::kFloat64).clone();
}

double read_scalar(hid_t file, const std::string& name) {
  h5::Handle d = h5::open_dataset(file, name, "golden");
  return h5::read<double>(d).at(0);
}

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double rtol, const std::string& what) {
  auto g = got.to(torch::kFloat64).flatten(), w = want.flatten();
  ASSERT_EQ(g.numel(), w.numel()) << what;
  double scale = w.abs().max().item<double>();
  double err = (g - w).abs().max().item<double>();
  EXPECT_LE(err, rtol * std::max(scale, 1e-12)) << what << ": max abs error " << err << " at scale " << scale;
}

}  // namespace

TEST(VaeGolden, ReproducesReferenceForwardPass) {
  std::string path = golden("vae_tiny.h5");
  if (access(path.c_str(), R_OK) != 0) GTEST_SKIP() << "../shared/golden is absent";
  h5::Handle f = h5::open_file(path);
  VaeConfig c;
  c.n_genes = h5::attr_ints(f, "n_genes").at(0);
  c.embed = h5::attr_ints(f, "n_embed").at(0);
  c.tokens = h5::attr_ints(f, "n_latent_tokens").at(0);
  c.latent_dim = h5::attr_ints(f, "latent_dim").at(0);
  c.blocks = h5::attr_ints(f, "n_blocks").at(0);
  c.heads = h5::attr_ints(f, "n_heads").at(0);
  c.heads_cross = h5::attr_ints(f, "n_heads_cross").at(0);
  c.mlp_hidden = h5::attr_ints(f, "mlp_hidden").at(0);
  VaeConfig derived = c;
  derived.mlp_hidden = 0;
  EXPECT_EQ(c.hidden(), derived.hidden()) << "the rounding rule of MODEL.md";
  Vae vae(c);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : vae->named_parameters()) {
      auto t = read_tensor(f, "params/" + p.key());
      ASSERT_EQ(t.sizes(), p.value().sizes()) << p.key();
      p.value().copy_(t);
    }
  }
  vae->eval();
  torch::NoGradGuard no_grad;
  for (int k = 0; k < 5; ++k) {
    std::string cell = "cells/cell" + std::to_string(k) + "/";
    auto genes = read_tensor(f, cell + "genes").to(torch::kInt64).unsqueeze(0);
    auto counts = read_tensor(f, cell + "counts").to(torch::kFloat32).unsqueeze(0);
    double library = read_scalar(f, cell + "library_size");
    EncoderBatch batch{genes, counts, torch::ones_like(genes, torch::kBool)};
    auto z = vae->encode(batch).first;
    expect_close(z[0], read_tensor(f, cell + "z"), 1e-4, cell + "z");
    auto dec = vae->decode(z, torch::full({1}, library));
    expect_close(dec.mu[0], read_tensor(f, cell + "mu"), 1e-4, cell + "mu");
    expect_close(dec.theta, read_tensor(f, cell + "theta"), 1e-4, cell + "theta");
    auto x = torch::zeros({c.n_genes});
    x.index_put_({genes[0] - 1}, counts[0]);
    double nll = -nb_log_prob(x, dec.mu[0], dec.theta).sum().item<double>();
    double want = read_scalar(f, cell + "nll");
    EXPECT_NEAR(nll, want, 1e-4 * std::abs(want)) << cell + "nll";
  }
}
