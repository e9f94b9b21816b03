// The implementation is this model: loading the golden weights of
// ../shared/golden/vae_tiny.h5, it reproduces the reference's float64
// latents, means, dispersions and NLL for five cells.
#include <gtest/gtest.h>

#include "golden.hpp"
#include "model/vae.hpp"

using namespace scldm;

using namespace scldm::test;

TEST(VaeGolden, ReproducesReferenceForwardPass) {
  if (!have_golden("vae_tiny.h5")) GTEST_SKIP() << "../shared/golden is absent";
  h5::Handle f = h5::open_file(golden("vae_tiny.h5"));
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
  load_golden_params(*vae, f);
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
