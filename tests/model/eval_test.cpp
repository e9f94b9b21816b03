// Evaluation metrics against independent implementations on fixed points
// (tests/fixtures/eval_reference.py: POT's ot.emd2, scikit-learn's PCA,
// numpy formulas), sanity cases, and the classifier on separable data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "eval/classifier.hpp"
#include "eval/generation.hpp"
#include "eval/metrics.hpp"
#include "eval/ot.hpp"
#include "model/reconstruction.hpp"

using namespace scldm;

namespace {

std::string temp_dir() {
  auto p = std::filesystem::temp_directory_path() / ("scldm_eval_" + std::to_string(getpid()));
  std::filesystem::create_directories(p);
  return p.string();
}

void write_csv(const std::string& path, const torch::Tensor& t) {
  std::ofstream f(path);
  f.precision(17);
  auto c = t.to(torch::kFloat64).contiguous();
  for (int64_t i = 0; i < c.size(0); ++i)
    for (int64_t j = 0; j < c.size(1); ++j) f << c[i][j].item<double>() << (j + 1 < c.size(1) ? "," : "\n");
}

nlohmann::json run_reference(const std::string& dir) {
  std::string cmd = "/usr/bin/python3 " + std::string(SCLDM_SOURCE_DIR) + "/tests/fixtures/eval_reference.py " + dir;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return nlohmann::json::parse(out);
}

// A CellSet from a dense counts matrix (genes are vocabulary 1..G).
CellSet cells_from(const torch::Tensor& counts) {
  CellSet c;
  for (int64_t g = 0; g < counts.size(1); ++g) c.vocabulary.push_back("g" + std::to_string(g));
  for (int64_t i = 0; i < counts.size(0); ++i) {
    for (int64_t g = 0; g < counts.size(1); ++g) {
      float v = counts[i][g].item<float>();
      if (v > 0) c.genes.push_back(g + 1), c.counts.push_back(v);
    }
    c.indptr.push_back(c.genes.size());
    c.ids.push_back("c" + std::to_string(i));
    c.library_size.push_back(counts[i].sum().item<double>());
  }
  return c;
}

void expect_rel(double got, double want, double rtol, const std::string& what) {
  EXPECT_LE(std::abs(got - want), rtol * std::max(1.0, std::abs(want))) << what << ": got " << got << ", want " << want;
}

}  // namespace

TEST(EvalMetrics, AgreeWithIndependentImplementations) {
  std::string dir = temp_dir();
  torch::manual_seed(4);
  auto x = torch::randn({60, 4}, torch::kFloat64);
  auto y = torch::randn({45, 4}, torch::kFloat64) * 1.3 + 0.4;
  auto counts = torch::poisson(torch::rand({40, 12}) * 20);
  counts.select(1, 0).add_(1);  // no empty cell
  write_csv(dir + "/x.csv", x);
  write_csv(dir + "/y.csv", y);
  write_csv(dir + "/counts.csv", counts);
  auto ref = run_reference(dir);
  auto xc = x.contiguous(), yc = y.contiguous();
  expect_rel(exact_w2(xc.data_ptr<double>(), 60, yc.data_ptr<double>(), 45, 4), ref["w2"], 1e-4, "W2 vs ot.emd2");
  expect_rel(mmd2_rbf(x, y, {0.01, 0.1, 1, 10, 100}), ref["mmd2"], 1e-4, "MMD2");
  expect_rel(frechet_distance(x, y), ref["frechet"], 1e-4, "Frechet");
  expect_rel(energy_distance(x, y), ref["energy"], 1e-4, "energy");
  expect_rel(one_nn_accuracy(x, y), ref["nn_accuracy"], 1e-12, "1-NN accuracy");
  auto [precision, recall] = knn_precision_recall(x, y, 3);
  expect_rel(precision, ref["precision"], 1e-12, "precision");
  expect_rel(recall, ref["recall"], 1e-12, "recall");
  // PCA on log1p(CP10k) of all genes, against scikit-learn (signs are a convention).
  CellSet cells = cells_from(counts);
  PcaSpace space = fit_pca(cells, 1000, 5);
  std::vector<size_t> all(40);
  for (size_t i = 0; i < 40; ++i) all[i] = i;
  auto proj = project(space, cells, all);
  for (int64_t k = 0; k < 5; ++k) {
    expect_rel(space.explained[k].item<double>(), ref["pca_explained"][size_t(k)], 1e-4, "explained variance");
    std::vector<double> want_c = ref["pca_components"][size_t(k)];
    auto wc = torch::tensor(want_c, torch::kFloat64);
    double sign = (space.components.select(1, k) * wc).sum().item<double>() > 0 ? 1 : -1;
    EXPECT_LT((space.components.select(1, k) * sign - wc).abs().max().item<double>(), 1e-4) << "component " << k;
    std::vector<double> want_p;
    for (auto& row : ref["pca_projection"]) want_p.push_back(row[size_t(k)]);
    auto wp = torch::tensor(want_p, torch::kFloat64);
    EXPECT_LT((proj.select(1, k) * sign - wp).abs().max().item<double>(), 1e-4 * std::max(1.0, wp.abs().max().item<double>()));
  }
  std::filesystem::remove_all(dir);
}

TEST(EvalMetrics, SanityCases) {
  torch::manual_seed(5);
  auto x = torch::randn({400, 5}, torch::kFloat64);
  auto xc = x.contiguous();
  // A set against itself: zero distances, and each cell's nearest neighbour is its copy.
  EXPECT_NEAR(exact_w2(xc.data_ptr<double>(), 400, xc.data_ptr<double>(), 400, 5), 0, 1e-9);
  EXPECT_NEAR(mmd2_rbf(x, x, {0.01, 0.1, 1, 10, 100}), 0, 1e-9);
  EXPECT_NEAR(energy_distance(x, x), 0, 1e-9);
  EXPECT_NEAR(frechet_distance(x, x), 0, 1e-6);
  EXPECT_LT(one_nn_accuracy(x, x), 0.01);
  // Two disjoint random halves of one distribution: 1-NN near chance.
  auto a = x.narrow(0, 0, 200), b = x.narrow(0, 200, 200);
  EXPECT_NEAR(one_nn_accuracy(a, b), 0.5, 0.08);
  // A clearly shifted copy: large values.
  auto shifted = b + 3.0;
  auto ac = a.contiguous(), sc = shifted.contiguous();
  double w2_same = exact_w2(ac.data_ptr<double>(), 200, b.contiguous().data_ptr<double>(), 200, 5);
  double w2_shift = exact_w2(ac.data_ptr<double>(), 200, sc.data_ptr<double>(), 200, 5);
  EXPECT_GT(w2_shift, 2 * w2_same);
  EXPECT_GT(w2_shift, 3 * std::sqrt(5.0) * 0.9);
  EXPECT_GT(one_nn_accuracy(a, shifted), 0.95);
  EXPECT_GT(mmd2_rbf(a, shifted, {1}), 10 * std::max(1e-6, mmd2_rbf(a, b, {1})));
  // Sinkhorn approaches the exact value.
  EXPECT_NEAR(sinkhorn_w2(a, shifted, 0.002), w2_shift, 0.05 * w2_shift);
}

TEST(Classifier, RecoversSeparableLabelsAndProbabilitiesSumToOne) {
  torch::manual_seed(6);
  const int64_t n = 300, F = 8;
  CellFeatures data;
  data.labels = {{"kind", {"a", "b", "c"}}};
  data.codes.assign(1, {});
  auto x = torch::randn({n, F}) * 0.3;
  for (int64_t i = 0; i < n; ++i) {
    int32_t label = int32_t(i % 3);
    x[i][label] += 3.0;  // each class sits along its own axis
    data.codes[0].push_back(label);
    data.ids.push_back("c" + std::to_string(i));
  }
  data.x = x;
  for (std::string kind : {"logreg", "mlp"}) {
    ClassifierOptions o;
    o.kind = kind;
    nlohmann::ordered_json report;
    Classifier clf = train_classifier(data, "kind", o, report);
    EXPECT_DOUBLE_EQ(report["held_out"]["accuracy"].get<double>(), 1.0) << kind;
    EXPECT_DOUBLE_EQ(report["held_out"]["macro_f1"].get<double>(), 1.0) << kind;
    auto p = clf.probabilities(x);
    EXPECT_LT((p.sum(1) - 1).abs().max().item<double>(), 1e-5);
    // Round trip through the checkpoint gives the same probabilities.
    CheckpointFile ck = clf.to_checkpoint({});
    Classifier back = Classifier::from_checkpoint(ck, "mem");
    EXPECT_TRUE(torch::allclose(back.probabilities(x), p));
  }
}

TEST(Classifier, ReportCountsAreRight) {
  // truth: a a b b ; predicted: a b b b
  auto proba = torch::tensor({{0.9, 0.1}, {0.4, 0.6}, {0.2, 0.8}, {0.3, 0.7}});
  auto r = classification_report({0, 0, 1, 1}, proba, {"a", "b"});
  EXPECT_DOUBLE_EQ(r["accuracy"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(r["per_class"][0]["precision"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["per_class"][0]["recall"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r["per_class"][1]["precision"].get<double>(), 2.0 / 3);
  // AUC for a: scores of a-cells {0.9, 0.4} vs b-cells {0.2, 0.3}: all pairs ordered -> 1.
  EXPECT_DOUBLE_EQ(r["per_class"][0]["roc_auc"].get<double>(), 1.0);
  EXPECT_EQ(r["confusion"]["counts"][0][1].get<int64_t>(), 1);
}

// Validation accumulates the reconstruction metrics block by block: any
// split of the cells gives the metrics of all of them at once.
TEST(ReconMetrics, BlockByBlockEqualsAllAtOnce) {
  const size_t n = 53, g = 40;
  std::mt19937 rng(3);
  std::poisson_distribution<int> counts(1.5);
  std::vector<float> real(n * g), recon(n * g);
  for (size_t i = 0; i < n * g; ++i) real[i] = float(counts(rng)), recon[i] = float(counts(rng)) + (i % g < g / 2 ? real[i] : 0);
  for (size_t i = 0; i < n; ++i) real[i * g + 5] = 2;  // a gene with no variance on one side: left out of the PCC
  ReconMetrics whole = recon_metrics(real.data(), recon.data(), n, g);
  EXPECT_GT(whole.pcc, 0.2);  // half the genes share their counts
  for (size_t block : {1, 16, 20}) {
    ReconAccumulator acc(g);
    for (size_t b = 0; b < n; b += block) acc.add(real.data() + b * g, recon.data() + b * g, std::min(block, n - b));
    ReconMetrics parts = acc.result();
    EXPECT_NEAR(parts.pcc, whole.pcc, 1e-12) << block;
    EXPECT_NEAR(parts.mse, whole.mse, 1e-12) << block;
    EXPECT_DOUBLE_EQ(parts.zero_accuracy, whole.zero_accuracy) << block;
  }
  // Data-parallel ranks each accumulate a share and merge the states in rank
  // order (an empty share too): the metrics of all cells at once.
  for (size_t ranks : {2, 3, 5}) {
    ReconAccumulator merged(g);
    const size_t share = (n + ranks - 1) / ranks + 16;  // the last rank gets none
    for (size_t r = 0; r < ranks; ++r) {
      ReconAccumulator acc(g);
      const size_t begin = std::min(n, r * share), end = std::min(n, begin + share);
      if (end > begin) acc.add(real.data() + begin * g, recon.data() + begin * g, end - begin);
      merged.merge(acc.state());
    }
    ReconMetrics m = merged.result();
    EXPECT_NEAR(m.pcc, whole.pcc, 1e-12) << ranks;
    EXPECT_NEAR(m.mse, whole.mse, 1e-12) << ranks;
    EXPECT_DOUBLE_EQ(m.zero_accuracy, whole.zero_accuracy) << ranks;
  }
  EXPECT_THROW(ReconAccumulator(g).merge(ReconAccumulator(g + 1).state()), std::invalid_argument);
}

TEST(EvalMetrics, GenerationReadsOnlyTheCellsItCompares) {
  torch::manual_seed(6);
  CellSet real = cells_from(torch::poisson(torch::rand({300, 15}) * 6) + (torch::rand({300, 15}) < 0.1)),
          gen = cells_from(torch::poisson(torch::rand({200, 15}) * 7) + (torch::rand({200, 15}) < 0.1));
  for (CellSet* c : {&real, &gen}) {
    c->labels = {{"type", {"x", "y", "z"}}};
    c->codes = {{}};
    for (size_t i = 0; i < c->size(); ++i) c->codes[0].push_back(int32_t(i % 3));
  }
  GenerationEvalOptions o;
  o.max_cells = 20;
  o.hvg = 10;
  o.components = 4;
  o.by = "type";
  auto whole = evaluate_generation(real, gen, o);
  size_t read_real = 0, read_gen = 0;
  auto loader = [](const CellSet& all, size_t& count) {
    return [&all, &count](const std::vector<size_t>& positions) {
      count += positions.size();
      CellSet out = all.empty_like();
      for (size_t p : positions) out.append_cell(all, p);
      return out;
    };
  };
  // Labels only: no counts reach the evaluation except through the loaders.
  auto labels_of = [](const CellSet& c) {
    CellSet l = c.empty_like();
    l.ids = c.ids;
    l.codes = c.codes;
    l.indptr.assign(c.size() + 1, 0);
    return l;
  };
  CellSet real_labels = labels_of(real), gen_labels = labels_of(gen);
  GenerationInputs in{real_labels, gen_labels, loader(real, read_real), loader(gen, read_gen)};
  auto streamed = evaluate_generation(in, fit_pca(pass_over(real), 15, o.hvg, o.components), o);
  EXPECT_EQ(whole.dump(), streamed.dump());
  EXPECT_LE(read_real, 4u * 2 * 20);  // halves A and B of the overall group and of three classes
  EXPECT_LE(read_gen, 4u * 20);
  EXPECT_LT(read_real, real.size());
}
