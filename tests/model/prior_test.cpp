// The prior: ODE solvers, guidance algebra, guidance dropout, EMA, the
// library-size model, batch invariance of sampling, resume, and recovery of
// known mixture weights per label on a toy latent distribution.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "model/prior_io.hpp"
#include "spec/library.hpp"
#include "sample/sampler.hpp"
#include "train/prior_trainer.hpp"

using namespace scldm;

namespace {

// dz/dt = a_row · z: z(1) = z0 · e^a.
struct LinearOde {
  torch::Tensor a;  // [B]
  VelocityField field() const {
    return [this](const torch::Tensor& z, const torch::Tensor&) { return a.view({-1, 1}) * z; };
  }
  double error(const torch::Tensor& z0, const SolverOptions& o, SolveStats* s = nullptr) const {
    auto z = integrate(field(), z0, o, s).to(torch::kFloat64);
    auto exact = z0.to(torch::kFloat64) * a.to(torch::kFloat64).exp().view({-1, 1});
    return ((z - exact).abs() / exact.abs()).max().item<double>();
  }
};

SolverOptions solver(const std::string& name, int64_t steps, double tol = 1e-5) {
  SolverOptions o;
  o.solver = name;
  o.steps = steps;
  o.atol = o.rtol = tol;
  return o;
}

std::string temp_dir() {
  auto p = std::filesystem::temp_directory_path() / ("scldm_prior_" + std::to_string(getpid()));
  std::filesystem::create_directories(p);
  return p.string();
}

// A DiT with random (not zero-initialised) weights, so every path matters.
Dit random_dit(const std::vector<int64_t>& classes) {
  DitConfig c = dit_preset("tiny");
  c.tokens = 3;
  c.latent_dim = 4;
  c.classes = classes;
  std::vector<std::string> names;
  for (size_t a = 0; a < classes.size(); ++a) names.push_back("attr" + std::to_string(a));
  torch::manual_seed(3);
  Dit d(c, names);
  torch::NoGradGuard no_grad;
  for (auto& p : d->parameters()) p.normal_(0, 0.3);
  d->eval();
  return d;
}

}  // namespace

TEST(Ode, FixedStepSolversHaveTheirOrder) {
  LinearOde ode{torch::tensor({1.0f, -0.5f})};
  auto z0 = torch::tensor({{1.0f, 2.0f}, {0.5f, -1.0f}});
  double e1 = ode.error(z0, solver("euler", 20)), e2 = ode.error(z0, solver("euler", 40));
  EXPECT_NEAR(e1 / e2, 2.0, 0.2) << "Euler is first order";
  double h1 = ode.error(z0, solver("heun", 20)), h2 = ode.error(z0, solver("heun", 40));
  EXPECT_NEAR(h1 / h2, 4.0, 0.4) << "Heun is second order";
  EXPECT_LT(h2, e2);
}

TEST(Ode, Dopri5MeetsItsToleranceWithFewerStepsThanEuler) {
  auto a = torch::tensor({1.0, -0.5, 2.0}, torch::kFloat64);
  LinearOde ode{a};
  auto z0 = torch::tensor({{1.0, 2.0}, {0.5, -1.0}, {0.1, 0.3}}, torch::kFloat64);
  SolveStats adaptive;
  double err = ode.error(z0, solver("dopri5", 10, 1e-8), &adaptive);
  EXPECT_LT(err, 1e-6);
  EXPECT_GT(adaptive.accepted, 0);
  // Euler needs far more evaluations for a much larger error.
  SolveStats euler;
  double euler_err = ode.error(z0, solver("euler", 1000), &euler);
  EXPECT_GT(euler_err, 100 * err);
  EXPECT_LT(adaptive.evaluations, euler.evaluations);
}

TEST(Ode, Dopri5RowsAreIndependentOfTheirBatch) {
  LinearOde ode{torch::tensor({1.0f, -3.0f, 0.2f})};
  auto z0 = torch::tensor({{1.0f, 2.0f}, {0.5f, -1.0f}, {0.1f, 0.3f}});
  auto all = integrate(ode.field(), z0, solver("dopri5", 10));
  for (int64_t i = 0; i < 3; ++i) {
    LinearOde one{ode.a.narrow(0, i, 1)};
    auto alone = integrate(one.field(), z0.narrow(0, i, 1), solver("dopri5", 10));
    EXPECT_TRUE(torch::equal(alone[0], all[i])) << "row " << i;
  }
}

TEST(Guidance, WeightZeroIsTheNullModelAndOneTheConditionalModel) {
  Dit dit = random_dit({3, 2});
  torch::NoGradGuard no_grad;
  auto z = torch::randn({5, 3, 4});
  auto t = torch::rand({5});
  auto labels = torch::tensor({0, 1, 2, 2, 3, 1, 1, 0, 2, 0}, torch::kInt64).view({5, 2});  // some null
  auto v_null = dit->forward(z, t, dit->null_labels(5));
  auto v_cond = dit->forward(z, t, labels);
  for (auto strategy : {Guidance::Strategy::joint, Guidance::Strategy::additive}) {
    auto w0 = guided_velocity(dit, z, t, labels, {strategy, {0.0, 0.0}});
    EXPECT_TRUE(torch::allclose(w0, v_null, 1e-5, 1e-6));
  }
  auto joint1 = guided_velocity(dit, z, t, labels, {Guidance::Strategy::joint, {1.0}});
  EXPECT_TRUE(torch::allclose(joint1, v_cond, 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(v_cond, v_null, 1e-3, 1e-3)) << "the labels must matter for this test to mean anything";
  // Additive with weight 1 on one attribute only is the model conditioned on it alone.
  auto only_first = dit->null_labels(5);
  only_first.select(1, 0).copy_(labels.select(1, 0));
  auto add1 = guided_velocity(dit, z, t, labels, {Guidance::Strategy::additive, {1.0, 0.0}});
  EXPECT_TRUE(torch::allclose(add1, dit->forward(z, t, only_first), 1e-4, 1e-5));
  // Joint guidance extrapolates linearly in the weight.
  auto w3 = guided_velocity(dit, z, t, labels, {Guidance::Strategy::joint, {3.0}});
  EXPECT_TRUE(torch::allclose(w3, v_null + 3 * (v_cond - v_null), 1e-4, 1e-5));
}

TEST(Guidance, DropoutNullsAsTheStrategySays) {
  auto labels = torch::tensor({0, 1, 2, 0, 1, 1, 0, 0}, torch::kInt64).view({4, 2});
  auto nulls = torch::tensor({3, 2}, torch::kInt64);
  auto gen = at::detail::createCPUGenerator(1);
  EXPECT_TRUE(torch::equal(drop_labels(labels, nulls, "joint", 0.0, gen), labels));
  EXPECT_TRUE(torch::equal(drop_labels(labels, nulls, "joint", 1.0, gen), nulls.expand({4, 2})));
  for (int rep = 0; rep < 10; ++rep) {
    auto kept = drop_labels(labels, nulls, "additive", 0.0, gen);
    auto is_null = kept.eq(nulls.view({1, 2}));
    // Exactly one attribute survives per batch, the same one for every cell.
    auto column_null = is_null.all(0);
    EXPECT_EQ(column_null.sum().item<int64_t>(), 1);
    int64_t keep = column_null[0].item<bool>() ? 1 : 0;
    EXPECT_TRUE(torch::equal(kept.select(1, keep), labels.select(1, keep)));
  }
  auto all_dropped = drop_labels(labels, nulls, "additive", 1.0, gen);
  EXPECT_TRUE(torch::equal(all_dropped, nulls.expand({4, 2})));
}

TEST(Ema, DecayWarmsUpToTheConfiguredValue) {
  EXPECT_DOUBLE_EQ(ema_decay_at(0.9999, 0), 0.1);
  EXPECT_DOUBLE_EQ(ema_decay_at(0.9999, 90), 0.91);
  EXPECT_DOUBLE_EQ(ema_decay_at(0.9999, 10000000), 0.9999);
  EXPECT_DOUBLE_EQ(ema_decay_at(0.5, 1000), 0.5);
}

TEST(Library, FallsBackToCoarserGroups) {
  std::vector<Attribute> attrs{{"cell_type", {"B", "T"}}, {"condition", {"ctrl", "stim"}}};
  // B/ctrl: L = e^1, e^3; T/ctrl: e^5, e^5; B/stim unseen; T/stim: one cell (too few).
  std::vector<std::vector<int32_t>> codes{{0, 0}, {0, 0}, {1, 0}, {1, 0}, {1, 1}};
  std::vector<double> lib{std::exp(1.0), std::exp(3.0), std::exp(5.0), std::exp(5.0), std::exp(9.0)};
  auto stats = library_stats(attrs, codes, lib);
  auto g = library_lookup(stats, attrs, {0, 0});
  EXPECT_TRUE(g.exact);
  EXPECT_NEAR(g.mean, 2.0, 1e-12);
  EXPECT_NEAR(g.sd, std::sqrt(2.0), 1e-12);
  g = library_lookup(stats, attrs, {0, 1});  // unseen: cell_type=B is the finest seen group
  EXPECT_FALSE(g.exact);
  EXPECT_EQ(g.key, "cell_type=B");
  g = library_lookup(stats, attrs, {1, 1});  // one cell is too few: condition=stim has 1 too, so cell_type=T
  EXPECT_EQ(g.key, "cell_type=T");
  EXPECT_NEAR(g.mean, (5 + 5 + 9) / 3.0, 1e-12);
  g = library_lookup(stats, attrs, {-1, -1});
  EXPECT_EQ(g.key, "");
  EXPECT_NEAR(g.mean, (1 + 3 + 5 + 5 + 9) / 5.0, 1e-12);
}

namespace {

// Two labels; each cell's latent is one of two well-separated Gaussian
// components, with different component weights per label.
LatentSet toy_mixture(size_t n, const std::vector<double>& weight_of_first, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t m = 2, D = 2;
  auto z = torch::empty({int64_t(n), m, D});
  std::vector<std::vector<int32_t>> codes;
  std::vector<double> lib;
  for (size_t i = 0; i < n; ++i) {
    int32_t label = int32_t(i % 2);
    bool first = torch::rand({1}, gen).item<double>() < weight_of_first[size_t(label)];
    z[int64_t(i)] = torch::randn({m, D}, gen) * 0.3 + (first ? 1.5 : -1.5);
    codes.push_back({label});
    lib.push_back(1000 + double(i));
  }
  LatentSet s;
  s.z = z;
  s.attributes = {{"group", {"a", "b"}}};
  s.codes = codes;
  s.library_size = lib;
  return s;
}

PriorTrainOptions quick_options(const std::string& dir, const std::string& name) {
  PriorTrainOptions o;
  o.batch_size = 64;
  o.lr = 3e-3;
  o.output = dir + "/" + name;
  o.seed = 5;
  o.ema_decay = 0.99;
  o.cfg_dropout = 0.2;
  return o;
}

}  // namespace

TEST(PriorTraining, RecoversComponentWeightsPerLabel) {
  std::string dir = temp_dir();
  std::vector<double> weights{0.8, 0.25};
  LatentSet data = toy_mixture(2000, weights, 11);
  PriorTrainOptions o = quick_options(dir, "mix.pt");
  o.max_steps = 600;
  DitConfig c = dit_preset("tiny");
  train_prior(data, c, o);
  LoadedPrior prior = load_prior(o.output, torch::kCPU);
  EXPECT_TRUE(prior.ema);
  SampleOptions so;
  so.solver = solver("heun", 20);
  so.seed = 1;
  for (int32_t label = 0; label < 2; ++label) {
    std::vector<std::vector<int32_t>> req(1000, {label});
    std::vector<double> lib;
    auto z = sample_latents(prior, req, 0, so, lib);
    double first = (z.mean({1, 2}) > 0).to(torch::kFloat64).mean().item<double>();
    // Tolerance: 0.1 absolute on a weight (sampling error alone is ~0.013).
    EXPECT_NEAR(first, weights[size_t(label)], 0.1) << "label " << label;
    EXPECT_NEAR(std::log(lib[0]), std::log(2000.0), 1.0);
  }
  std::filesystem::remove_all(dir);
}

TEST(Sampling, SameSeedSameLatentsForAnyBatchSize) {
  std::string dir = temp_dir();
  LatentSet data = toy_mixture(200, {0.5, 0.5}, 2);
  PriorTrainOptions o = quick_options(dir, "small.pt");
  o.max_steps = 5;
  train_prior(data, dit_preset("tiny"), o);
  LoadedPrior prior = load_prior(o.output, torch::kCPU);
  std::vector<std::vector<int32_t>> req;
  for (int i = 0; i < 13; ++i) req.push_back({int32_t(i % 3) - 1});  // -1: no label
  for (std::string name : {"heun", "dopri5"}) {
    SampleOptions so;
    so.solver = solver(name, 8);
    so.guidance = {Guidance::Strategy::joint, {2.0}};
    std::vector<double> lib_all, lib_part;
    auto all = sample_latents(prior, req, 0, so, lib_all);
    // The same cells in pieces, numbered from where the piece starts.
    std::vector<std::vector<int32_t>> tail(req.begin() + 5, req.end());
    auto part = sample_latents(prior, tail, 5, so, lib_part);
    EXPECT_TRUE(torch::equal(part, all.narrow(0, 5, 8))) << name;
    EXPECT_EQ(std::vector<double>(lib_all.begin() + 5, lib_all.end()), lib_part);
  }
  std::filesystem::remove_all(dir);
}

// Parts of each batch (and validation batches) run one per thread with
// single-threaded kernels: the same weights, EMA and validation loss for any -@.
TEST(PriorTraining, TrainingIsInvariantToTheThreadCount) {
  std::string dir = temp_dir();
  LatentSet data = toy_mixture(2400, {0.5, 0.5}, 4);  // 720 validation cells: 2 batches, run in parallel
  const int threads = at::get_num_threads();
  std::vector<CheckpointFile> runs;
  for (int t : {1, 2, 3}) {
    at::set_num_threads(t);
    PriorTrainOptions opt = quick_options(dir, "t" + std::to_string(t) + ".pt");
    opt.batch_size = 600;  // 9 parts of about 64 cells
    opt.max_steps = 4;
    opt.val_fraction = 0.3;
    train_prior(data, dit_preset("tiny"), opt);
    runs.push_back(read_checkpoint(last_checkpoint_path(opt.output)));
  }
  at::set_num_threads(threads);
  for (size_t r = 1; r < runs.size(); ++r) {
    EXPECT_EQ(runs[0].meta["fingerprint"], runs[r].meta["fingerprint"]) << r;
    EXPECT_EQ(runs[0].meta["metrics"], runs[r].meta["metrics"]) << r;
  }
  std::filesystem::remove_all(dir);
}

TEST(PriorTraining, ResumeEqualsAnUninterruptedRunAndEmaFollowsTheWeights) {
  std::string dir = temp_dir();
  LatentSet data = toy_mixture(300, {0.5, 0.5}, 3);
  PriorTrainOptions full = quick_options(dir, "full.pt");
  full.max_steps = 8;
  full.val_fraction = 0;
  train_prior(data, dit_preset("tiny"), full);
  PriorTrainOptions first = quick_options(dir, "cut.pt");
  first.max_steps = 8;
  first.val_fraction = 0;
  first.stop_after = 3;
  train_prior(data, dit_preset("tiny"), first);
  PriorTrainOptions second = first;
  second.stop_after = 0;
  second.resume = last_checkpoint_path(first.output);
  second.output = dir + "/resumed.pt";
  train_prior(data, dit_preset("tiny"), second);
  CheckpointFile a = read_checkpoint(last_checkpoint_path(full.output)), b = read_checkpoint(last_checkpoint_path(second.output));
  EXPECT_EQ(a.meta["step"], 8);
  EXPECT_EQ(a.meta["fingerprint"], b.meta["fingerprint"]) << "weights and EMA differ after resuming";
  // The EMA differs from the weights (decay > 0) but tracks them.
  auto p = a.find("param/final.weight"), e = a.find("ema/final.weight");
  ASSERT_TRUE(p && e);
  EXPECT_NE(p->bytes, e->bytes);
  PriorTrainOptions no_ema = full;
  no_ema.ema_decay = 0;
  no_ema.output = dir + "/noema.pt";
  train_prior(data, dit_preset("tiny"), no_ema);
  CheckpointFile c = read_checkpoint(last_checkpoint_path(no_ema.output));
  EXPECT_EQ(c.find("param/final.weight")->bytes, c.find("ema/final.weight")->bytes) << "decay 0: the EMA is the weights";
  std::filesystem::remove_all(dir);
}

TEST(PriorTraining, TheLibraryModelSeesOnlyTheTrainingCells) {
  std::string dir = temp_dir();
  LatentSet data = toy_mixture(100, {0.5, 0.5}, 4);
  PriorTrainOptions o = quick_options(dir, "lib.pt");
  o.max_steps = 1;
  o.val_fraction = 0.3;
  train_prior(data, dit_preset("tiny"), o);
  CheckpointFile ck = read_checkpoint(o.output, false);
  EXPECT_EQ(ck.meta["library"]["groups"][""]["n"].get<int64_t>(), 70) << "30 of 100 cells validate";
  std::filesystem::remove_all(dir);
}
