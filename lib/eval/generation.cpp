#include "eval/generation.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>

#include "eval/metrics.hpp"
#include "eval/ot.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {


double total_counts(const CellSet& c, size_t i) {
  double s = 0;
  for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) s += c.counts[k];
  return s;
}

// Per-gene sums of log1p(CP10k) and of its square over `which`.
void add_moments(const CellSet& c, const Indices& which, std::vector<double>& sum, std::vector<double>& sum2) {
  for (size_t i : which) {
    double lib = total_counts(c, i);
    if (lib <= 0) continue;
    for (uint64_t k = c.indptr[i]; k < c.indptr[i + 1]; ++k) {
      double v = std::log1p(c.counts[k] * 1e4 / lib);
      sum[size_t(c.genes[k] - 1)] += v;
      sum2[size_t(c.genes[k] - 1)] += v * v;
    }
  }
}

std::pair<torch::Tensor, torch::Tensor> moments_from_sums(const std::vector<double>& sum, const std::vector<double>& sum2, size_t n) {
  auto mean = torch::tensor(sum, torch::kFloat64) / double(n);
  auto var = (torch::tensor(sum2, torch::kFloat64) / double(n) - mean.pow(2)).clamp_min(0);
  return {mean, var};
}

// Per-gene mean and variance of log1p(CP10k) over `which`, for every vocabulary gene.
std::pair<torch::Tensor, torch::Tensor> gene_moments(const CellSet& c, const Indices& which) {
  std::vector<double> sum(c.vocabulary.size(), 0), sum2(c.vocabulary.size(), 0);
  add_moments(c, which, sum, sum2);
  return moments_from_sums(sum, sum2, which.size());
}

// `positions` (cell positions) as indices into `cells`, which holds them.
Indices local_indices(const CellSet& cells, const Indices& positions) {
  if (cells.origin.empty()) return positions;
  Indices out;
  out.reserve(positions.size());
  for (size_t p : positions) {
    auto it = std::lower_bound(cells.origin.begin(), cells.origin.end(), uint64_t(p));
    if (it == cells.origin.end() || *it != p) throw Error("internal: cell " + std::to_string(p) + " was not loaded");
    out.push_back(size_t(it - cells.origin.begin()));
  }
  return out;
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
// A (same size) are each compared with B. Chosen from positions alone.
struct GroupChoice {
  Indices a, b, g;  // positions: real half A (compared), real half B (reference), generated
};

GroupChoice choose(const Indices& real_cells, const Indices& gen_cells, const GenerationEvalOptions& o, uint64_t seed) {
  Indices r = shuffled_indices(real_cells, mix_seed(seed, 1)), g = shuffled_indices(gen_cells, mix_seed(seed, 2));
  size_t half = r.size() / 2;
  Indices a(r.begin(), r.begin() + long(half)), b(r.begin() + long(half), r.end());
  size_t k = std::min({a.size(), g.size(), size_t(o.max_cells)});
  return {head(a, k), head(b, size_t(o.max_cells)), head(g, k)};
}

// `real` and `gen` hold (at least) the chosen cells.
nlohmann::ordered_json evaluate_group(const CellSet& real, const CellSet& gen, const GroupChoice& choice, const PcaSpace& space,
                                      const GenerationEvalOptions& o) {
  Indices a = local_indices(real, choice.a), b = local_indices(real, choice.b), g = local_indices(gen, choice.g);
  Reference ref;
  ref.points = project(space, real, b);
  std::tie(ref.mean, ref.var) = gene_moments(real, b);
  nlohmann::ordered_json out;
  out["n_reference"] = b.size();
  out["n_compared"] = a.size();
  auto generated = compare(gen, g, project(space, gen, g), ref, o);
  auto floor = compare(real, a, project(space, real, a), ref, o);
  nlohmann::ordered_json metrics;
  for (auto& name : generation_metric_names()) metrics[name] = {{"generated", generated[name]}, {"floor", floor[name]}};
  out["metrics"] = metrics;
  return out;
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

PcaSpace fit_pca(const CellPass& real, size_t n_genes, int64_t hvg, int64_t components) {
  // Two passes over the real cells, holding one chunk densely at a time:
  // per-gene moments pick the genes and give their means, then the covariance.
  std::vector<double> sum(n_genes, 0), sum2(n_genes, 0);
  size_t n = 0;
  real([&](const CellSet& c, const Indices& which) {
    add_moments(c, which, sum, sum2);
    n += which.size();
  });
  auto [mean, var] = moments_from_sums(sum, sum2, n);
  int64_t G = var.size(0), n_hvg = std::min<int64_t>(hvg, G);
  auto order = std::get<1>(var.sort(0, true));
  PcaSpace s;
  for (int64_t j = 0; j < n_hvg; ++j) s.genes.push_back(order[j].item<int64_t>() + 1);
  std::sort(s.genes.begin(), s.genes.end());
  s.mean = mean.index({torch::tensor(s.genes, torch::kInt64) - 1});
  auto cov = torch::zeros({n_hvg, n_hvg}, torch::kFloat64);
  real([&](const CellSet& c, const Indices& which) {
    auto centred = log_normalised(c, which, s.genes) - s.mean;
    cov += centred.t().matmul(centred);
  });
  cov /= double(std::max<size_t>(1, n - 1));
  auto [values, vectors] = torch::linalg::eigh(cov, "L");  // ascending
  int64_t k = std::min<int64_t>({components, n_hvg, int64_t(n)});
  s.explained = values.flip(0).narrow(0, 0, k).contiguous();
  s.components = vectors.flip(1).narrow(1, 0, k).contiguous();
  // A fixed sign per component: its largest loading is positive.
  auto largest = s.components.abs().argmax(0);
  auto signs = s.components.gather(0, largest.unsqueeze(0)).sign();
  s.components = s.components * signs;
  return s;
}

CellPass pass_over(const CellSet& cells) {
  return [&cells](const CellVisitor& visit) {
    for (size_t first = 0; first < cells.size(); first += kPassChunkCells) {
      Indices which(std::min(cells.size() - first, kPassChunkCells));
      std::iota(which.begin(), which.end(), first);
      visit(cells, which);
    }
  };
}

PcaSpace fit_pca(const CellSet& real, int64_t hvg, int64_t components) {
  return fit_pca(pass_over(real), real.vocabulary.size(), hvg, components);
}

torch::Tensor project(const PcaSpace& s, const CellSet& cells, const Indices& which) {
  return (log_normalised(cells, which, s.genes) - s.mean).matmul(s.components);
}

namespace {

// The groups compared: all cells, then each class of --by with enough cells
// (the others listed in `unmatched`); each with its seed.
struct Group {
  std::string name;
  GroupChoice choice;
};

std::vector<Group> choose_groups(const GenerationInputs& in, const GenerationEvalOptions& o, nlohmann::ordered_json& unmatched) {
  std::vector<Group> out{{"", choose(iota_indices(in.real_labels.size()), iota_indices(in.gen_labels.size()), o, o.seed)}};
  if (o.by.empty()) return out;
  const CellSet &real = in.real_labels, &gen = in.gen_labels;
  int rc = find_label_column(real.labels, o.by), gc = find_label_column(gen.labels, o.by);
  if (rc < 0 || gc < 0) throw UsageError("--by: no label '" + o.by + "' in the " + (rc < 0 ? "real" : "generated") + " cells");
  std::map<std::string, std::pair<Indices, Indices>> groups;
  for (size_t i = 0; i < real.size(); ++i)
    if (real.codes[size_t(rc)][i] >= 0) groups[real.labels[size_t(rc)].categories[size_t(real.codes[size_t(rc)][i])]].first.push_back(i);
  for (size_t i = 0; i < gen.size(); ++i)
    if (gen.codes[size_t(gc)][i] >= 0) groups[gen.labels[size_t(gc)].categories[size_t(gen.codes[size_t(gc)][i])]].second.push_back(i);
  size_t class_index = 0;
  for (auto& [name, cells] : groups) {
    ++class_index;
    auto& [r, g] = cells;
    if (r.size() < 2 * size_t(o.min_cells) || g.size() < size_t(o.min_cells)) {
      unmatched.push_back({{"class", name}, {"real", r.size()}, {"generated", g.size()},
                           {"why", g.empty() ? "no generated cells" : r.empty() ? "no real cells" : "too few cells"}});
      continue;
    }
    out.push_back({name, choose(r, g, o, mix_seed(o.seed, class_index))});
  }
  return out;
}

// Every position the groups use, ascending.
Indices union_of(const std::vector<Group>& groups, bool real) {
  Indices all;
  for (auto& g : groups) {
    const Indices& parts = real ? g.choice.a : g.choice.g;
    all.insert(all.end(), parts.begin(), parts.end());
    if (real) all.insert(all.end(), g.choice.b.begin(), g.choice.b.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

nlohmann::ordered_json describe_space(const PcaSpace& space, const GenerationEvalOptions& o) {
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
  return report;
}

}  // namespace

nlohmann::ordered_json evaluate_generation(const GenerationInputs& in, const PcaSpace& space, const GenerationEvalOptions& o) {
  nlohmann::ordered_json report = describe_space(space, o), unmatched = nlohmann::ordered_json::array();
  detail("overall: " + std::to_string(in.real_labels.size()) + " real and " + std::to_string(in.gen_labels.size()) +
         " generated cells");
  std::vector<Group> groups = choose_groups(in, o, unmatched);
  // Only the cells some comparison uses are read.
  CellSet real = in.load_real(union_of(groups, true)), gen = in.load_gen(union_of(groups, false));
  report["overall"] = evaluate_group(real, gen, groups[0].choice, space, o);
  if (o.by.empty()) return report;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array(), average;
  std::map<std::string, std::pair<double, double>> sums;
  for (size_t i = 1; i < groups.size(); ++i) {
    auto res = evaluate_group(real, gen, groups[i].choice, space, o);
    for (auto& n : generation_metric_names()) {
      sums[n].first += res["metrics"][n]["generated"].get<double>();
      sums[n].second += res["metrics"][n]["floor"].get<double>();
    }
    nlohmann::ordered_json row = {{"class", groups[i].name}};
    row.update(res);
    classes.push_back(row);
  }
  const double evaluated = double(groups.size() - 1);
  for (auto& n : generation_metric_names())
    if (evaluated > 0) average[n] = {{"generated", sums[n].first / evaluated}, {"floor", sums[n].second / evaluated}};
  report["by"] = {{"label", o.by}, {"classes", classes}, {"average", average}, {"not_evaluated", unmatched}};
  return report;
}

nlohmann::ordered_json evaluate_generation(const CellSet& real, const CellSet& gen, const GenerationEvalOptions& o,
                                           PcaSpace* space_out) {
  PcaSpace space = fit_pca(real, o.hvg, o.components);
  auto loader = [](const CellSet& cells) { return [&cells](const Indices& positions) { return cells.subset(positions); }; };
  auto report = evaluate_generation(GenerationInputs{real, gen, loader(real), loader(gen)}, space, o);
  if (space_out) *space_out = space;
  return report;
}

}  // namespace scldm
