#include "eval/generation.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "eval/metrics.hpp"
#include "eval/ot.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {

constexpr size_t kPcaBlockCells = 4096;


double total_counts(const CellSet& c, size_t i) {
  double s = 0;
  for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) s += c.counts[k];
  return s;
}

// Per-gene mean and variance of log1p(CP10k) over `which`, for every vocabulary gene.
std::pair<torch::Tensor, torch::Tensor> gene_moments(const CellSet& c, const Indices& which) {
  const size_t G = c.vocabulary.size();
  std::vector<double> sum(G, 0), sum2(G, 0);
  for (size_t i : which) {
    double lib = total_counts(c, i);
    if (lib <= 0) continue;
    for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) {
      double v = std::log1p(c.counts[k] * 1e4 / lib);
      sum[size_t(c.genes[k] - 1)] += v;
      sum2[size_t(c.genes[k] - 1)] += v * v;
    }
  }
  auto mean = torch::tensor(sum, torch::kFloat64) / double(which.size());
  auto var = (torch::tensor(sum2, torch::kFloat64) / double(which.size()) - mean.pow(2)).clamp_min(0);
  return {mean, var};
}

Indices head(const Indices& v, size_t n) { return Indices(v.begin(), v.begin() + long(std::min(n, v.size()))); }

// The reference half: its PCA coordinates and per-gene moments, computed once
// for both comparisons.
struct Reference {
  torch::Tensor points, mean, var;
};

// Every metric between `a` (rows of `pa` in PCA space) and the reference.
nlohmann::ordered_json compare(const CellSet& ca, const Indices& a, const torch::Tensor& pa, const Reference& ref,
                               const GenerationEvalOptions& o) {
  nlohmann::ordered_json m;
  auto x = ref.points.contiguous(), y = pa.contiguous();
  m["w2"] = o.w2 == "exact" ? exact_w2(x.data_ptr<double>(), size_t(x.size(0)), y.data_ptr<double>(), size_t(y.size(0)),
                                       size_t(x.size(1)))
                            : sinkhorn_w2(x, y);
  m["mmd2"] = mmd2_rbf(x, y, {0.01, 0.1, 1, 10, 100});
  m["frechet"] = frechet_distance(x, y);
  m["energy"] = energy_distance(x, y);
  m["nn_accuracy"] = one_nn_accuracy(x, y);
  auto [precision, recall] = knn_precision_recall(x, y, o.knn);
  m["precision"] = precision;
  m["recall"] = recall;
  auto [ma, va] = gene_moments(ca, a);
  m["mean_r2"] = r2_score(ref.mean, ma);
  m["var_r2"] = r2_score(ref.var, va);
  return m;
}

// One group: the real cells split into halves A and B; generated cells and
// A (same size) are each compared with B.
nlohmann::ordered_json evaluate_group(const CellSet& real, const Indices& real_cells, const CellSet& gen,
                                      const Indices& gen_cells, const PcaSpace& space, const GenerationEvalOptions& o,
                                      uint64_t seed) {
  Indices r = shuffled_indices(real_cells, mix_seed(seed, 1)), g = shuffled_indices(gen_cells, mix_seed(seed, 2));
  size_t half = r.size() / 2;
  Indices a(r.begin(), r.begin() + long(half)), b(r.begin() + long(half), r.end());
  size_t k = std::min({a.size(), g.size(), size_t(o.max_cells)});
  a = head(a, k);
  g = head(g, k);
  b = head(b, size_t(o.max_cells));
  Reference ref;
  ref.points = project(space, real, b);
  std::tie(ref.mean, ref.var) = gene_moments(real, b);
  nlohmann::ordered_json out;
  out["n_reference"] = b.size();
  out["n_compared"] = k;
  auto generated = compare(gen, g, project(space, gen, g), ref, o);
  auto floor = compare(real, a, project(space, real, a), ref, o);
  nlohmann::ordered_json metrics;
  for (auto& name : generation_metric_names()) metrics[name] = {{"generated", generated[name]}, {"floor", floor[name]}};
  out["metrics"] = metrics;
  return out;
}

Indices all_cells(const CellSet& c) {
  Indices v(c.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

}  // namespace

const std::vector<std::string>& generation_metric_names() {
  static const std::vector<std::string> names{"w2", "mmd2", "frechet", "energy", "nn_accuracy",
                                              "precision", "recall", "mean_r2", "var_r2"};
  return names;
}

torch::Tensor log_normalised(const CellSet& c, const Indices& which, const std::vector<int64_t>& genes) {
  std::vector<int64_t> column(c.vocabulary.size() + 1, -1);
  for (size_t j = 0; j < genes.size(); ++j) column[size_t(genes[j])] = int64_t(j);
  auto out = torch::zeros({int64_t(which.size()), int64_t(genes.size())}, torch::kFloat64);
  auto* p = out.data_ptr<double>();
  for (size_t r = 0; r < which.size(); ++r) {
    size_t i = which[r];
    double lib = total_counts(c, i);
    if (lib <= 0) continue;
    for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) {
      int64_t j = column[size_t(c.genes[k])];
      if (j >= 0) p[r * genes.size() + size_t(j)] = std::log1p(c.counts[k] * 1e4 / lib);
    }
  }
  return out;
}

PcaSpace fit_pca(const CellSet& real, int64_t hvg, int64_t components) {
  Indices all = all_cells(real);
  auto var = gene_moments(real, all).second;
  int64_t G = var.size(0), n_hvg = std::min<int64_t>(hvg, G);
  auto order = std::get<1>(var.sort(0, true));
  PcaSpace s;
  for (int64_t j = 0; j < n_hvg; ++j) s.genes.push_back(order[j].item<int64_t>() + 1);
  std::sort(s.genes.begin(), s.genes.end());
  s.mean = torch::zeros({n_hvg}, torch::kFloat64);
  auto cov = torch::zeros({n_hvg, n_hvg}, torch::kFloat64);
  // Over blocks of cells, so that memory holds one block densely, not every real cell.
  auto for_each_block = [&](const std::function<void(const torch::Tensor&)>& f) {
    for (size_t first = 0; first < all.size(); first += kPcaBlockCells)
      f(log_normalised(real, Indices(all.begin() + long(first), all.begin() + long(std::min(all.size(), first + kPcaBlockCells))),
                       s.genes));
  };
  for_each_block([&](const torch::Tensor& x) { s.mean += x.sum(0); });
  s.mean /= double(all.size());
  for_each_block([&](const torch::Tensor& x) {
    auto centred = x - s.mean;
    cov += centred.t().matmul(centred);
  });
  cov /= double(std::max<size_t>(1, all.size() - 1));
  auto [values, vectors] = torch::linalg::eigh(cov, "L");  // ascending
  int64_t k = std::min<int64_t>({components, n_hvg, int64_t(all.size())});
  s.explained = values.flip(0).narrow(0, 0, k).contiguous();
  s.components = vectors.flip(1).narrow(1, 0, k).contiguous();
  // A fixed sign per component: its largest loading is positive.
  auto largest = s.components.abs().argmax(0);
  auto signs = s.components.gather(0, largest.unsqueeze(0)).sign();
  s.components = s.components * signs;
  return s;
}

torch::Tensor project(const PcaSpace& s, const CellSet& cells, const Indices& which) {
  return (log_normalised(cells, which, s.genes) - s.mean).matmul(s.components);
}

nlohmann::ordered_json evaluate_generation(const CellSet& real, const CellSet& gen, const GenerationEvalOptions& o,
                                           PcaSpace* space_out) {
  PcaSpace space = fit_pca(real, o.hvg, o.components);
  nlohmann::ordered_json report;
  report["space"] = {{"normalisation", "counts per 10^4 on the shared genes, log1p"},
                     {"hvg", space.genes.size()},
                     {"hvg_method", "largest variance of log1p(CP10k) on the real cells"},
                     {"components", space.components.size(1)},
                     {"fitted_on", "all real cells"}};
  report["estimators"] = {
      {"protocol", "real cells split in halves A and B; generated cells and A (same size) are compared with B"},
      {"w2", o.w2 == "exact" ? "exact optimal transport, network simplex (LEMON), uniform weights, squared Euclidean"
                             : "entropic OT (log-domain Sinkhorn, eps = 0.01 x mean cost)"},
      {"mmd2", "biased V-statistic, sum of RBF kernels, sigma 0.01, 0.1, 1, 10, 100"},
      {"nn_accuracy", "leave-one-out 1-NN on the pooled sets (0.5 ideal)"},
      {"precision_recall", "k-NN manifolds, k = " + std::to_string(o.knn)},
      {"r2", "per-gene mean and variance of log1p(CP10k), all shared genes, coefficient of determination"}};
  report["seed"] = o.seed;
  report["max_cells"] = o.max_cells;
  detail("overall: " + std::to_string(real.size()) + " real and " + std::to_string(gen.size()) + " generated cells");
  report["overall"] = evaluate_group(real, all_cells(real), gen, all_cells(gen), space, o, o.seed);
  if (!o.by.empty()) {
    int rc = find_label_column(real.labels, o.by), gc = find_label_column(gen.labels, o.by);
    if (rc < 0 || gc < 0) throw UsageError("--by: no label '" + o.by + "' in the " + (rc < 0 ? "real" : "generated") + " cells");
    std::map<std::string, std::pair<Indices, Indices>> groups;
    for (size_t i = 0; i < real.size(); ++i)
      if (real.codes[size_t(rc)][i] >= 0) groups[real.labels[size_t(rc)].categories[size_t(real.codes[size_t(rc)][i])]].first.push_back(i);
    for (size_t i = 0; i < gen.size(); ++i)
      if (gen.codes[size_t(gc)][i] >= 0) groups[gen.labels[size_t(gc)].categories[size_t(gen.codes[size_t(gc)][i])]].second.push_back(i);
    nlohmann::ordered_json classes = nlohmann::ordered_json::array(), unmatched = nlohmann::ordered_json::array();
    std::map<std::string, std::pair<double, double>> sums;
    size_t evaluated = 0, class_index = 0;
    for (auto& [name, cells] : groups) {
      ++class_index;
      auto& [r, g] = cells;
      if (r.size() < 2 * size_t(o.min_cells) || g.size() < size_t(o.min_cells)) {
        unmatched.push_back({{"class", name}, {"real", r.size()}, {"generated", g.size()},
                             {"why", g.empty() ? "no generated cells" : r.empty() ? "no real cells" : "too few cells"}});
        continue;
      }
      auto res = evaluate_group(real, r, gen, g, space, o, mix_seed(o.seed, class_index));
      for (auto& n : generation_metric_names()) {
        sums[n].first += res["metrics"][n]["generated"].get<double>();
        sums[n].second += res["metrics"][n]["floor"].get<double>();
      }
      ++evaluated;
      nlohmann::ordered_json row = {{"class", name}};
      row.update(res);
      classes.push_back(row);
    }
    nlohmann::ordered_json average;
    for (auto& n : generation_metric_names())
      if (evaluated) average[n] = {{"generated", sums[n].first / double(evaluated)}, {"floor", sums[n].second / double(evaluated)}};
    report["by"] = {{"label", o.by}, {"classes", classes}, {"average", average}, {"not_evaluated", unmatched}};
  }
  if (space_out) *space_out = space;
  return report;
}

}  // namespace scldm
