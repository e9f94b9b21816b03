// Properties of the VAE and its training that make it this model and a
// trustworthy tool: exchangeability, masking, the NB likelihood, gradients,
// exact checkpoints and resumption, and learning at all.
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "io/checkpoint.hpp"
#include "model/gene_decoder.hpp"
#include "model/vae.hpp"
#include "model/infer.hpp"
#include "model/vae_io.hpp"
#include "io/cell_set.hpp"
#include "model/batch.hpp"
#include "spec/checkpoints.hpp"
#include "train/vae_trainer.hpp"
#include "vae_fixtures.hpp"

using namespace scldm;

namespace {

using test::tiny;
using test::random_vae;

EncoderBatch one_cell(const std::vector<int64_t>& genes, const std::vector<float>& counts, int64_t pad = 0) {
  auto n = int64_t(genes.size());
  EncoderBatch b{torch::zeros({1, n + pad}, torch::kInt64), torch::zeros({1, n + pad}), torch::zeros({1, n + pad}, torch::kBool)};
  for (int64_t k = 0; k < n; ++k) {
    b.genes[0][k] = genes[size_t(k)];
    b.counts[0][k] = counts[size_t(k)];
    b.mask[0][k] = true;
  }
  if (pad > 0) b.genes.narrow(1, n, pad).fill_(7);  // junk under the mask must not matter
  if (pad > 0) b.counts.narrow(1, n, pad).fill_(3);
  return b;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

CellSet synthetic_cells(size_t n, size_t genes, uint64_t seed) {
  CellSet s;
  for (size_t g = 0; g < genes; ++g) s.vocabulary.push_back("g" + std::to_string(g));
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int> pois(3.0);
  for (size_t i = 0; i < n; ++i) {
    double total = 0;
    for (size_t g = 0; g < genes; ++g) {
      // Two cell "types" with different expressed halves: something to learn.
      bool on = (g < genes / 2) == (i % 2 == 0);
      int c = on ? pois(rng) + 1 : (rng() % 7 == 0);
      if (c == 0) continue;
      s.genes.push_back(int64_t(g) + 1);
      s.counts.push_back(float(c));
      total += c;
    }
    s.indptr.push_back(s.genes.size());
    s.ids.push_back("c" + std::to_string(i));
    s.library_size.push_back(total);
  }
  return s;
}

// Rewrites a checkpoint as a version that had no `field` in its configuration wrote it.
void write_as_before_field(const std::string& path, const std::string& field) {
  CheckpointFile ck = read_checkpoint(path);
  ck.meta["config"].erase(field);
  ck.meta["fingerprint"] = vae_fingerprint(ck);
  write_checkpoint(path, ck);
}

class TrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scldm-model-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

}  // namespace

TEST(Vae, LatentIgnoresGeneOrder) {
  Vae v = random_vae(tiny(40), 1);
  torch::NoGradGuard no_grad;
  std::vector<int64_t> genes{3, 17, 5, 22, 9, 31, 12};
  std::vector<float> counts{1, 4, 2, 9, 1, 3, 6};
  auto z = v->encode(one_cell(genes, counts)).first;
  std::vector<size_t> perm{4, 0, 6, 2, 5, 1, 3};
  std::vector<int64_t> pg;
  std::vector<float> pc;
  for (auto p : perm) {
    pg.push_back(genes[p]);
    pc.push_back(counts[p]);
  }
  EXPECT_LT(max_diff(z, v->encode(one_cell(pg, pc)).first), 1e-5);
}

TEST(Vae, LatentIgnoresPaddingAndBatchCompanions) {
  VaeConfig c = tiny(40);
  Vae v = random_vae(c, 2);
  torch::NoGradGuard no_grad;
  auto alone = v->encode(one_cell({2, 8, 30}, {5, 1, 2})).first;
  EXPECT_LT(max_diff(alone, v->encode(one_cell({2, 8, 30}, {5, 1, 2}, 25)).first), 1e-5);
  // In a batch with a longer cell, through the same batching code as training.
  CellSet s = synthetic_cells(6, 40, 3);
  auto solo = v->encode(encoder_batch(s, {2}, c.max_genes, 0, torch::kCPU)).first;
  auto together = v->encode(encoder_batch(s, {0, 2, 5}, c.max_genes, 0, torch::kCPU)).first;
  EXPECT_LT(max_diff(solo[0], together[1]), 1e-5);
}

// What of a cell's counts reaches its latent. The scale layer's tokens,
// emb(gene) * log1p(count), are LayerNormed before the cross-attention, which
// removes each token's scalar: only which genes are expressed is seen. The
// concat layer sees the counts, and with --input-norm cp10k reads them
// relative to the library size: a cell sequenced twice as deep has the same
// latent.
TEST(Vae, WhatTheInputLayersSeeOfTheCounts) {
  CellSet s = synthetic_cells(3, 40, 5);
  CellSet deeper = s;
  for (auto& x : deeper.counts) x *= 2;
  for (auto& l : deeper.library_size) l *= 2;
  struct Case { const char* input; const char* norm; bool depth_changes_latent; };
  for (Case k : {Case{"scale", "none", false}, Case{"concat", "none", true}, Case{"concat", "cp10k", false},
                 Case{"add", "none", true}, Case{"add", "cp10k", false}}) {
    VaeConfig c = tiny(40);
    c.input = k.input;
    c.input_norm = k.norm;
    Vae v = random_vae(c, 6);
    torch::NoGradGuard no_grad;
    auto z = v->encode(encoder_batch(s, {0, 1, 2}, c.max_genes, 0, torch::kCPU)).first;
    auto z2 = v->encode(encoder_batch(deeper, {0, 1, 2}, c.max_genes, 0, torch::kCPU)).first;
    if (k.depth_changes_latent) EXPECT_GT(max_diff(z, z2), 1e-2) << k.input << " " << k.norm;
    else EXPECT_LT(max_diff(z, z2), 1e-4) << k.input << " " << k.norm;
  }
  // The library is the cell's, not the encoder's subset of its genes: a
  // cell whose context keeps two of its genes reads counts per 10^4 of all.
  VaeConfig c = tiny(40);
  c.input = "concat";
  c.input_norm = "cp10k";
  Vae v = random_vae(c, 7);
  EncoderBatch b = encoder_batch(s, {1}, 2, 0, torch::kCPU);
  auto x = v->input_counts(b);
  EXPECT_NEAR(x[0][0].item<double>(), b.counts[0][0].item<double>() * 1e4 / s.library_size[1], 1e-2);
}

TEST(Vae, DecoderIsPermutationEquivariant) {
  Vae v = random_vae(tiny(30), 4);
  torch::NoGradGuard no_grad;
  auto z = torch::randn({2, 4, 8});
  auto all = torch::arange(1, 31, torch::kInt64);
  auto perm = torch::randperm(30, torch::kInt64);
  auto a = v->gene_logits(z, all).index_select(1, perm);
  auto b = v->gene_logits(z, all.index_select(0, perm));
  EXPECT_LT(max_diff(a, b), 1e-5);
  // decode() is the same computation over the whole vocabulary.
  EXPECT_LT(max_diff(v->decode(z, torch::ones({2})).logits, v->gene_logits(z, all)), 1e-5);
}

TEST(Vae, NegativeBinomialMatchesScipy) {
  // scipy.stats.nbinom.logpmf(x, theta, theta / (theta + mu)), python3-scipy 1.10.
  const double cases[][4] = {
      {0.0, 1.5, 2.0, -1.11923157587085},   {3.0, 1.5, 2.0, -2.27483079591257},
      {10.0, 4.2, 0.5, -3.98128697550133},  {0.0, 0.01, 10.0, -0.00999500333083499},
      {57.0, 40.0, 3.0, -4.66520791722286}, {1.0, 1000.0, 0.1, -3.22372912469203},
  };
  for (auto& c : cases) {
    auto t = [](double v) { return torch::tensor({v}, torch::kFloat64); };
    double got = nb_log_prob(t(c[0]), t(c[1]), t(c[2])).item<double>();
    EXPECT_NEAR(got, c[3], 1e-6 * std::max(1.0, std::abs(c[3]))) << c[0] << " " << c[1] << " " << c[2];
  }
}

TEST(Vae, GradientsMatchFiniteDifferences) {
  VaeConfig c = tiny(12);
  Vae v = random_vae(c, 5);
  v->to(torch::kFloat64);
  auto batch = one_cell({1, 4, 7, 11}, {2, 1, 5, 1});
  batch.counts = batch.counts.to(torch::kFloat64);
  auto x = torch::zeros({1, 12}, torch::kFloat64);
  x[0][0] = 2, x[0][3] = 1, x[0][6] = 5, x[0][10] = 1;
  auto loss_fn = [&] {
    auto z = v->encode(batch).first;
    auto d = v->decode(z, torch::full({1}, 9.0, torch::kFloat64));
    return -nb_log_prob(x, d.mu, d.theta).sum();
  };
  v->zero_grad();
  loss_fn().backward();
  int checked = 0;
  for (auto& p : v->named_parameters()) {
    auto flat = p.value().data().view({-1});
    auto grad = p.value().grad().view({-1});
    for (int64_t i = 0; i < std::min<int64_t>(2, flat.numel()); ++i) {
      double orig = flat[i].item<double>(), h = 1e-6;
      flat[i] = orig + h;
      double up = loss_fn().item<double>();
      flat[i] = orig - h;
      double down = loss_fn().item<double>();
      flat[i] = orig;
      double numeric = (up - down) / (2 * h), analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << p.key() << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST_F(TrainTest, CheckpointRoundTripIsBitExact) {
  CellSet data = synthetic_cells(40, 20, 6);
  VaeTrainOptions opt;
  opt.max_steps = 3;
  opt.batch_size = 8;
  opt.output = dir_ + "/a.pt";
  train_vae(data, tiny(20), opt);
  CheckpointFile first = read_checkpoint(opt.output);
  write_checkpoint(dir_ + "/b.pt", first);
  CheckpointFile second = read_checkpoint(dir_ + "/b.pt");
  ASSERT_EQ(first.blobs.size(), second.blobs.size());
  for (size_t i = 0; i < first.blobs.size(); ++i) EXPECT_EQ(first.blobs[i].bytes, second.blobs[i].bytes) << first.blobs[i].name;
  LoadedVae loaded = load_vae(opt.output, torch::kCPU);
  for (auto& p : loaded.model->named_parameters())
    EXPECT_EQ(tensor_blob("x", p.value()).bytes, first.find("param/" + p.key())->bytes) << p.key();
  EXPECT_EQ(loaded.fingerprint, first.meta["fingerprint"]);
}

TEST_F(TrainTest, CorruptOrTruncatedCheckpointsAreRejected) {
  CellSet data = synthetic_cells(20, 10, 7);
  VaeTrainOptions opt;
  opt.max_steps = 1;
  opt.output = dir_ + "/a.pt";
  train_vae(data, tiny(10), opt);
  std::string bytes;
  {
    FILE* f = fopen(opt.output.c_str(), "rb");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    fclose(f);
  }
  auto write = [&](const std::string& b) {
    FILE* f = fopen((dir_ + "/bad.pt").c_str(), "wb");
    fwrite(b.data(), 1, b.size(), f);
    fclose(f);
  };
  for (size_t cut : {size_t(4), size_t(30), bytes.size() / 2, bytes.size() - 1}) {
    write(bytes.substr(0, cut));
    EXPECT_THROW(load_vae(dir_ + "/bad.pt", torch::kCPU), std::runtime_error) << cut;
  }
  std::string flipped = bytes;
  flipped[flipped.size() - 100] ^= 1;  // inside a weight
  write(flipped);
  EXPECT_THROW(load_vae(dir_ + "/bad.pt", torch::kCPU), std::runtime_error);
}

TEST_F(TrainTest, ResumeGivesTheSameModelAsAnUninterruptedRun) {
  CellSet data = synthetic_cells(60, 16, 8);
  VaeTrainOptions opt;
  opt.batch_size = 16;  // 3 steps per epoch: the interruption falls mid-epoch
  opt.max_steps = 8;
  opt.val_fraction = 0.2;
  opt.output = dir_ + "/full.pt";
  train_vae(data, tiny(16), opt);

  VaeTrainOptions first = opt;
  first.output = dir_ + "/run.pt";
  first.stop_after = 4;  // as if killed after step 4
  train_vae(data, tiny(16), first);
  EXPECT_EQ(read_checkpoint(last_checkpoint_path(first.output)).meta["step"], 4);
  VaeTrainOptions second = opt;
  second.output = dir_ + "/run.pt";
  second.resume = last_checkpoint_path(first.output);
  train_vae(data, tiny(16), second);

  CheckpointFile a = read_checkpoint(last_checkpoint_path(opt.output)), b = read_checkpoint(last_checkpoint_path(second.output));
  EXPECT_EQ(a.meta["step"], 8);
  EXPECT_EQ(b.meta["step"], 8);
  for (auto& blob : a.blobs)
    if (blob.name.rfind("param/", 0) == 0) {
      EXPECT_EQ(blob.bytes, b.find(blob.name)->bytes) << blob.name;
    }
  EXPECT_EQ(a.meta["fingerprint"], b.meta["fingerprint"]);
}

// A run cut by a version that wrote no "input_norm" resumes as "none".
TEST_F(TrainTest, ACheckpointFromBeforeInputNormResumes) {
  CellSet data = synthetic_cells(60, 16, 8);
  VaeTrainOptions opt;
  opt.batch_size = 16;
  opt.max_steps = 6;
  opt.output = dir_ + "/old.pt";
  opt.stop_after = 3;
  train_vae(data, tiny(16), opt);
  const std::string last = last_checkpoint_path(opt.output);
  write_as_before_field(last, "input_norm");
  opt.stop_after = 0;
  opt.resume = last;
  EXPECT_NO_THROW(train_vae(data, tiny(16), opt));
  EXPECT_EQ(read_checkpoint(last).meta["step"], 6);
}

// A Gaussian posterior starts nearly deterministic (sd 0.05 of the unit-scale
// latent), whatever the encoder's output scale.
TEST(Vae, PosteriorNoiseStartsSmall) {
  VaeConfig c = tiny(40);
  c.beta = 1e-3;
  torch::manual_seed(3);
  Vae v(c);
  torch::NoGradGuard no_grad;
  auto logvar = v->encode(encoder_batch(synthetic_cells(4, 40, 5), {0, 1, 2, 3}, c.max_genes, 0, torch::kCPU)).second;
  ASSERT_TRUE(logvar.defined());
  EXPECT_LT(max_diff(logvar, torch::full_like(logvar, -6.0)), 1e-6);
}

// A beta > 0 model written before "logvar_bias" has a bias-free log-variance
// head: it still loads, as that head, and resumes.
TEST_F(TrainTest, ABetaCheckpointFromBeforeLogvarBiasLoadsAndResumes) {
  CellSet data = synthetic_cells(60, 16, 8);
  VaeConfig c = tiny(16);
  c.beta = 0.5;
  c.logvar_bias = false;
  VaeTrainOptions opt;
  opt.batch_size = 16;
  opt.max_steps = 6;
  opt.output = dir_ + "/old.pt";
  opt.stop_after = 3;
  train_vae(data, c, opt);
  const std::string last = last_checkpoint_path(opt.output);
  write_as_before_field(last, "logvar_bias");
  LoadedVae old = load_vae(last, torch::kCPU);
  EXPECT_FALSE(old.config.logvar_bias);
  EXPECT_FALSE(old.model->to_logvar->options.bias());
  EXPECT_TRUE(VaeConfig::from_json(VaeConfig{}.to_json()).logvar_bias);
  opt.stop_after = 0;
  opt.resume = last;
  EXPECT_NO_THROW(train_vae(data, c, opt));
  EXPECT_EQ(read_checkpoint(last).meta["step"], 6);
}

// A step runs as parts of the batch fixed by the batch alone, each on one
// thread with single-threaded kernels: the checkpoints are the same bytes for
// any -@ (the weights, the metrics and the best step).
TEST_F(TrainTest, TrainingIsInvariantToTheThreadCount) {
  CellSet data = synthetic_cells(150, 96, 10);  // tensors large enough for multi-threaded kernels
  const int threads = at::get_num_threads();
  std::vector<CheckpointFile> runs;
  for (int t : {1, 2, 3}) {
    at::set_num_threads(t);
    VaeTrainOptions opt;
    opt.batch_size = 100;  // 3 parts of about 32 cells; the last batch of an epoch is shorter
    opt.max_steps = 4;
    opt.val_fraction = 0.2;
    opt.output = dir_ + "/t" + std::to_string(t) + ".pt";
    train_vae(data, tiny(96), opt);
    runs.push_back(read_checkpoint(last_checkpoint_path(opt.output)));
  }
  at::set_num_threads(threads);
  for (size_t r = 1; r < runs.size(); ++r) {
    for (auto& blob : runs[0].blobs)
      if (blob.name.rfind("param/", 0) == 0) {
        EXPECT_TRUE(blob.bytes == runs[r].find(blob.name)->bytes) << blob.name << " differs at -@ " << r + 1;
      }
    EXPECT_EQ(runs[0].meta["metrics"], runs[r].meta["metrics"]);
  }
}

TEST_F(TrainTest, TinyModelOverfitsTinyData) {
  CellSet data = synthetic_cells(16, 24, 9);
  VaeTrainOptions opt;
  opt.batch_size = 16;
  opt.max_steps = 300;
  opt.lr = 3e-3;
  opt.val_fraction = 0;
  opt.output = dir_ + "/o.pt";
  opt.log = dir_ + "/log.tsv";
  train_vae(data, tiny(24), opt);
  FILE* f = fopen(opt.log.c_str(), "r");
  char line[512];
  std::vector<double> losses;
  while (fgets(line, sizeof line, f)) {
    double loss;
    if (sscanf(line, "%*d\t%*d\ttrain\t%*g\t%lg", &loss) == 1) losses.push_back(loss);
  }
  fclose(f);
  ASSERT_EQ(losses.size(), 300u);
  // Stated factor: the NLL per cell falls at least 1.5-fold (it starts near
  // the uniform-softmax NB and ends near the memorised cells).
  EXPECT_LT(losses.back() * 1.5, losses.front()) << losses.front() << " -> " << losses.back();
}

TEST(Vae, CellWithoutCountsHasAFiniteLatent) {
  Vae v = random_vae(tiny(10), 10);
  torch::NoGradGuard no_grad;
  EncoderBatch empty{torch::zeros({1, 1}, torch::kInt64), torch::zeros({1, 1}), torch::zeros({1, 1}, torch::kBool)};
  auto z = v->encode(empty).first;
  EXPECT_TRUE(torch::isfinite(z).all().item<bool>());
}

TEST(Vae, NegativeBinomialSamplerHasTheRightMeanAndVariance) {
  // NB(mu, theta): mean mu, variance mu + mu^2 / theta. 20,000 draws per gene
  // give standard errors of about 1 % on the mean and 3 % on the variance.
  auto mu = torch::tensor({0.5, 4.0, 30.0, 200.0}, torch::kFloat32);
  auto theta = torch::tensor({2.0, 0.5, 5.0, 50.0}, torch::kFloat32);
  const int64_t n = 20000;
  auto draws = torch::empty({n, 4}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) draws[i].copy_(sample_nb_cell(mu, theta, mix_seed(11, uint64_t(i))));
  auto mean = draws.mean(0), var = draws.var(0);
  for (int64_t g = 0; g < 4; ++g) {
    double m = mu[g].item<double>(), t = theta[g].item<double>(), v = m + m * m / t;
    EXPECT_NEAR(mean[g].item<double>(), m, 5 * std::sqrt(v / double(n))) << "gene " << g;
    EXPECT_NEAR(var[g].item<double>() / v, 1.0, 0.12) << "gene " << g;
  }
  EXPECT_TRUE((draws == draws.round()).all().item<bool>()) << "counts are whole numbers";
  // Large means stay exact integers (float64 draws).
  auto big = sample_nb_cell(torch::tensor({3.0e9f}), torch::tensor({1.0e6f}), 5);
  EXPECT_EQ(big.scalar_type(), torch::kFloat64);
  EXPECT_NEAR(big[0].item<double>() / 3.0e9, 1.0, 0.01);
}

TEST(Cells, LibrarySizeIsTheTotalOverTheVocabulary) {
  // A file with genes the model does not know: L counts only the known ones,
  // as the decoder's softmax runs over the vocabulary.
  struct Source : CountSource {
    CountSchema s;
    bool done = false;
    Source() { s.genes = {"a", "b", "extra"}; }
    const CountSchema& schema() const override { return s; }
    const std::string& path() const override { static std::string p = "mem"; return p; }
    bool next(CountBlock& b) override {
      b.clear(0);
      if (done) return false;
      done = true;
      b.genes = {0, 1, 2};
      b.counts = {3, 4, 100};
      b.indptr = {0, 3};
      b.ids = {"c1"};
      b.library_size = {107};
      return true;
    }
  } source;
  CellSet cells = load_cells(source, {"b", "a"}, false);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells.unmatched_genes, 1u);
  EXPECT_EQ(cells.library_size[0], 7.0);
}

// The gene side runs in chunks and recomputes them in the backward pass: its
// logits, the NB loss and every gradient equal the plain module computation
// (Mcab + head over all genes at once) up to float rounding.
TEST(Vae, ChunkedGeneSideEqualsTheUnchunkedComputation) {
  const int64_t G = 300;
  Vae v = random_vae(tiny(G), 11);
  v->train();
  auto tokens = (torch::randn({5, 4, 16}) * 0.5).requires_grad_(true);
  auto queries = v->emb->weight.narrow(0, 1, G);
  auto x = torch::poisson(torch::rand({5, G}) * 3);
  auto library = x.sum(1) + 1;
  auto nll = [&](const torch::Tensor& logits) {
    auto theta = torch::exp(v->theta->weight.narrow(0, 1, G).squeeze(-1));
    return -nb_log_prob(x, torch::softmax(logits, -1) * library.unsqueeze(-1), theta).sum();
  };
  auto params = v->parameters();
  params.push_back(tokens);
  auto grads_of = [&](const torch::Tensor& loss) { return torch::autograd::grad({loss}, params, {}, false, false, true); };
  auto plain_logits = v->head(v->dec_ca(queries.unsqueeze(0), tokens)).squeeze(-1);
  auto plain = grads_of(nll(plain_logits));
  double largest = 0;
  for (auto& g : plain)
    if (g.defined()) largest = std::max(largest, g.abs().max().item<double>());
  for (int64_t chunk : {1, 37, 256, 1000}) {
    auto logits = gene_side_logits(*v, tokens, queries, chunk, 0);  // always recomputed
    EXPECT_LT(max_diff(logits, plain_logits), 1e-5) << "chunk " << chunk;
    auto chunked = grads_of(nll(logits));
    ASSERT_EQ(chunked.size(), plain.size());
    size_t compared = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
      if (!plain[i].defined()) continue;  // parameters of the encoder: no gradient from the decoder
      ASSERT_TRUE(chunked[i].defined()) << "chunk " << chunk << ", tensor " << i;
      if (params[i].is_same(v->head->bias)) {
        // It shifts every logit alike, which the softmax ignores: its true
        // gradient is 0 and the computed ones are rounding noise.
        EXPECT_LT(chunked[i].abs().max().item<double>(), 1e-4 * largest);
        continue;
      }
      double scale = plain[i].abs().max().item<double>() + 1e-12;
      EXPECT_LT(max_diff(chunked[i], plain[i]) / scale, 1e-5) << "chunk " << chunk << ", tensor " << i;
      ++compared;
    }
    EXPECT_GE(compared, 11u);  // the gene side's weights but the bias, the embedding, the tokens
  }
  // Within the budget the intermediates are kept (with room to spare, the
  // rows' activations too; with just enough, the attention's only): the same
  // logits and gradients.
  const double attention_only = 5.0 * double(G) * stored_bytes_per_cell_gene(v->config, true);
  for (double budget : {1e18, attention_only}) {
    auto kept_logits = gene_side_logits(*v, tokens, queries, kGeneChunk, budget);
    EXPECT_LT(max_diff(kept_logits, plain_logits), 1e-5) << "budget " << budget;
    auto kept = grads_of(nll(kept_logits));
    for (size_t i = 0; i < plain.size(); ++i) {
      if (!plain[i].defined() || params[i].is_same(v->head->bias)) continue;
      double scale = plain[i].abs().max().item<double>() + 1e-12;
      EXPECT_LT(max_diff(kept[i], plain[i]) / scale, 1e-5) << "kept, budget " << budget << ", tensor " << i;
    }
  }
}
