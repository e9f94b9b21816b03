// The DiT is this model: loading the golden weights of
// ../shared/golden/dit_tiny.h5 it reproduces the reference's float64
// velocities, with labels, with every attribute null, and under joint and
// additive guidance.
#include "golden.hpp"
#include "model/dit.hpp"

using namespace scldm;
using namespace scldm::test;

TEST(DitGolden, ReproducesReferenceVelocities) {
  if (!have_golden("dit_tiny.h5")) GTEST_SKIP() << "../shared/golden is absent";
  h5::Handle f = h5::open_file(golden("dit_tiny.h5"));
  DitConfig c;
  c.width = h5::attr_ints(f, "width").at(0);
  c.tokens = h5::attr_ints(f, "n_latent_tokens").at(0);
  c.latent_dim = h5::attr_ints(f, "latent_dim").at(0);
  c.blocks = h5::attr_ints(f, "n_blocks").at(0);
  c.heads = h5::attr_ints(f, "n_heads").at(0);
  c.time_frequencies = h5::attr_ints(f, "time_frequencies").at(0);
  c.classes = {3, 2};
  DitConfig derived = c;
  EXPECT_EQ(derived.hidden(), h5::attr_ints(f, "mlp_hidden").at(0)) << "the rounding rule of MODEL.md";
  Dit dit(c, std::vector<std::string>{"cell_type", "condition"});
  load_golden_params(*dit, f);
  expect_close(dit->pos_embed, read_tensor(f, "pos_embed"), 1e-6, "pos_embed");
  dit->eval();
  torch::NoGradGuard no_grad;
  auto z = read_tensor(f, "cases/z").to(torch::kFloat32);
  auto t = read_tensor(f, "cases/t").to(torch::kFloat32);
  auto labels = torch::stack({read_tensor(f, "cases/label_cell_type"), read_tensor(f, "cases/label_condition")}, 1)
                    .to(torch::kInt64);
  expect_close(dit->forward(z, t, labels), read_tensor(f, "cases/v"), 1e-4, "v");
  expect_close(dit->forward(z, t, dit->null_labels(6)), read_tensor(f, "cases/v_null"), 1e-4, "v_null");
  Guidance joint{Guidance::Strategy::joint, {2.0}};
  expect_close(guided_velocity(dit, z, t, labels, joint), read_tensor(f, "cases/v_joint_w2"), 1e-4, "joint w=2");
  Guidance additive{Guidance::Strategy::additive, {1.5, 0.5}};
  expect_close(guided_velocity(dit, z, t, labels, additive), read_tensor(f, "cases/v_additive_ct1.5_cond0.5"), 1e-4,
               "additive 1.5/0.5");
}
