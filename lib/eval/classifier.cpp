#include "eval/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "spec/checkpoints.hpp"
#include "model/weights.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {


torch::nn::Sequential make_net(const std::string& kind, int64_t features, int64_t hidden, int64_t classes) {
  torch::nn::Sequential net;
  if (kind == "mlp") {
    net->push_back(torch::nn::Linear(features, hidden));
    net->push_back(torch::nn::ReLU());
    net->push_back(torch::nn::Linear(hidden, classes));
  } else {
    net->push_back(torch::nn::Linear(features, classes));
  }
  return net;
}

torch::Tensor rows(const torch::Tensor& x, const Indices& which) {
  return x.index_select(0, index_tensor(which));
}

torch::Tensor targets(const std::vector<int64_t>& y, const Indices& which) {
  std::vector<int64_t> out;
  for (size_t i : which) out.push_back(y[i]);
  return torch::tensor(out, torch::kInt64);
}

// Full-batch L-BFGS on cross-entropy + l2/2 · |weights|² (biases unpenalised).
void fit(torch::nn::Sequential& net, const torch::Tensor& x, const torch::Tensor& y, double l2, int64_t max_iter) {
  torch::optim::LBFGS opt(net->parameters(), torch::optim::LBFGSOptions(1).max_iter(max_iter).line_search_fn("strong_wolfe"));
  auto closure = [&]() {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    for (auto& p : net->named_parameters())
      if (p.key().find("weight") != std::string::npos) loss = loss + 0.5 * l2 * p.value().pow(2).sum();
    loss.backward();
    return loss;
  };
  opt.step(closure);
}

}  // namespace

torch::Tensor Classifier::probabilities(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return torch::softmax(net->forward((x - mean) / sd), 1);
}

CheckpointFile Classifier::to_checkpoint(const nlohmann::json& extra) const {
  CheckpointFile ck;
  ck.meta = extra;
  ck.meta["kind"] = "classifier";
  ck.meta["config"] = {{"model", kind}, {"hidden", hidden}, {"features", features}, {"l2", l2}, {"latent_shape", latent_shape}};
  ck.meta["label"] = label;
  ck.meta["classes"] = classes;
  ck.meta["vae"] = {{"fingerprint", vae_fingerprint}, {"path", vae_path}};
  ck.blobs.push_back(tensor_blob("feature/mean", mean));
  ck.blobs.push_back(tensor_blob("feature/sd", sd));
  for (auto& p : net->named_parameters()) ck.blobs.push_back(tensor_blob("param/" + p.key(), p.value()));
  ck.meta["fingerprint"] = classifier_fingerprint(ck);
  return ck;
}

Classifier Classifier::from_checkpoint(const CheckpointFile& ck, const std::string& path) {
  if (json_string(ck.meta, "kind") != "classifier")
    fail(path, "is a scldm checkpoint of kind '" + json_string(ck.meta, "kind", "?") + "', not a classifier");
  Classifier c;
  try {
    c.kind = ck.meta.at("config").at("model");
    c.hidden = ck.meta.at("config").at("hidden");
    c.features = ck.meta.at("config").at("features");
    c.l2 = ck.meta.at("config").at("l2");
    c.latent_shape = ck.meta.at("config").value("latent_shape", std::vector<int64_t>{});
    c.label = ck.meta.at("label");
    c.classes = ck.meta.at("classes").get<std::vector<std::string>>();
    c.vae_fingerprint = ck.meta.at("vae").at("fingerprint");
    c.vae_path = ck.meta.at("vae").at("path");
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad classifier description (" + json_problem(e) + ")");
  }
  validate_checkpoint(ck, path);  // tensor shapes and fingerprint
  const Blob *m = ck.find("feature/mean"), *s = ck.find("feature/sd");
  if (!m || !s) fail(path, "missing the feature standardisation");
  c.mean = blob_tensor(*m);
  c.sd = blob_tensor(*s);
  c.net = make_net(c.kind, c.features, c.hidden, int64_t(c.classes.size()));
  load_weights(*c.net, ck, path);
  c.net->eval();
  return c;
}

namespace {

int label_column(const std::vector<LabelColumn>& labels, const std::string& label) {
  int col = find_label_column(labels, label);
  if (col >= 0) return col;
  std::string list;
  for (auto& l : labels) list += (list.empty() ? "" : ", ") + l.name;
  throw UsageError("--label: no label '" + label + "' (labels: " + (list.empty() ? "none" : list) + ")");
}

// The labelled cells, cut into train, validation (both within `rest`) and test.
struct LabelledSplit {
  Indices rest, train, val, test;
};

LabelledSplit split_labelled(const std::vector<int64_t>& y, const Classifier& c, const ClassifierOptions& o) {
  Indices labelled;
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] >= 0) labelled.push_back(i);
  if (labelled.size() < 10) throw Error("too few labelled cells to train a classifier (" + std::to_string(labelled.size()) + ")");
  std::vector<bool> seen(c.classes.size(), false);
  for (size_t i : labelled) seen[size_t(y[i])] = true;
  if (std::count(seen.begin(), seen.end(), true) < 2)
    throw Error("the cells carry a single " + c.label + " (" + c.classes[size_t(y[labelled[0]])] + "): nothing to tell apart");
  LabelledSplit s;
  Indices rest;
  // Stratification is not needed for the sizes here; a seeded permutation is.
  split_permutation(labelled.size(), o.test_fraction, mix_seed(o.seed, 0x7E57), false, rest, s.test);
  split_permutation(rest.size(), o.val_fraction, mix_seed(o.seed, 0x7A1), false, s.train, s.val);
  auto pick = [&](const Indices& positions, const Indices& within) {
    Indices out;
    for (size_t p : positions) out.push_back(within[p]);
    return out;
  };
  s.test = pick(s.test, labelled);
  s.rest = pick(rest, labelled);
  s.train = pick(s.train, s.rest);
  s.val = pick(s.val, s.rest);
  return s;
}

// Fits one network per l2 of the grid on the training cells; sets c.l2 to
// the one with the lowest validation log-loss and returns the search.
nlohmann::ordered_json search_l2(Classifier& c, const torch::Tensor& standard, const std::vector<int64_t>& y,
                                 const LabelledSplit& s, const ClassifierOptions& o) {
  double best_loss = INFINITY;
  nlohmann::ordered_json search = nlohmann::ordered_json::array();
  for (double l2 : o.l2_grid) {
    torch::manual_seed(o.seed);
    auto net = make_net(o.kind, c.features, o.hidden, int64_t(c.classes.size()));
    fit(net, rows(standard, s.train), targets(y, s.train), l2, o.max_iter);
    torch::NoGradGuard no_grad;
    double loss = s.val.empty() ? 0
        : torch::nn::functional::cross_entropy(net->forward(rows(standard, s.val)), targets(y, s.val)).item<double>();
    search.push_back({{"l2", l2}, {"val_log_loss", loss}});
    detail("l2 " + std::to_string(l2) + ": validation log-loss " + std::to_string(loss));
    if (loss < best_loss) best_loss = loss, c.l2 = l2;
  }
  return search;
}

}  // namespace

Classifier train_classifier(const CellFeatures& data, const std::string& label, const ClassifierOptions& o,
                            nlohmann::ordered_json& report) {
  int col = label_column(data.labels, label);
  Classifier c;
  c.kind = o.kind;
  c.label = label;
  c.classes = data.labels[size_t(col)].categories;
  c.hidden = o.kind == "mlp" ? o.hidden : 0;
  c.features = data.x.size(1);
  c.latent_shape = data.latent_shape;
  c.vae_fingerprint = data.vae_fingerprint;
  c.vae_path = data.vae_path;
  std::vector<int64_t> y(data.codes[size_t(col)].begin(), data.codes[size_t(col)].end());
  LabelledSplit s = split_labelled(y, c, o);
  auto x_rest = rows(data.x, s.rest);
  c.mean = x_rest.mean(0);
  c.sd = x_rest.std(0).clamp_min(1e-6);
  auto standard = (data.x - c.mean) / c.sd;
  auto search = search_l2(c, standard, y, s, o);
  torch::manual_seed(o.seed);
  c.net = make_net(o.kind, c.features, o.hidden, int64_t(c.classes.size()));
  fit(c.net, rows(standard, s.rest), targets(y, s.rest), c.l2, o.max_iter);
  c.net->eval();
  report["model"] = o.kind;
  report["label"] = label;
  report["l2"] = c.l2;
  report["l2_search"] = search;
  report["cells"] = {{"train", s.train.size()}, {"validation", s.val.size()}, {"test", s.test.size()}};
  if (!s.test.empty()) {
    std::vector<int64_t> truth;
    for (size_t i : s.test) truth.push_back(y[i]);
    report["held_out"] = classification_report(truth, c.probabilities(rows(data.x, s.test)), c.classes);
  }
  return c;
}

nlohmann::ordered_json classification_report(const std::vector<int64_t>& truth, const torch::Tensor& proba,
                                             const std::vector<std::string>& classes) {
  const size_t C = classes.size(), n = truth.size();
  auto predicted = proba.argmax(1);
  std::vector<std::vector<int64_t>> confusion(C, std::vector<int64_t>(C, 0));
  size_t correct = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t p = predicted[int64_t(i)].item<int64_t>();
    confusion[size_t(truth[i])][size_t(p)]++;
    correct += p == truth[i];
  }
  nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
  double f1_sum = 0, auc_sum = 0;
  size_t f1_n = 0, auc_n = 0;
  auto p_cpu = proba.to(torch::kFloat64).contiguous();
  for (size_t c = 0; c < C; ++c) {
    int64_t tp = confusion[c][c], fn = 0, fp = 0;
    for (size_t k = 0; k < C; ++k)
      if (k != c) fn += confusion[c][k], fp += confusion[k][c];
    int64_t support = tp + fn;
    double precision = tp + fp > 0 ? double(tp) / double(tp + fp) : 0;
    double recall = support > 0 ? double(tp) / double(support) : NAN;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    // One-vs-rest ROC AUC: the probability that a cell of class c scores above one of another class.
    std::vector<std::pair<double, bool>> scores;
    for (size_t i = 0; i < n; ++i) scores.push_back({p_cpu[int64_t(i)][int64_t(c)].item<double>(), truth[i] == int64_t(c)});
    std::sort(scores.begin(), scores.end());
    double pos = double(support), neg = double(n) - pos, rank_sum = 0;
    for (size_t i = 0; i < scores.size();) {  // average ranks over ties
      size_t j = i;
      while (j < scores.size() && scores[j].first == scores[i].first) ++j;
      double rank = (double(i) + double(j) + 1) / 2;
      for (size_t k = i; k < j; ++k)
        if (scores[k].second) rank_sum += rank;
      i = j;
    }
    double auc = pos > 0 && neg > 0 ? (rank_sum - pos * (pos + 1) / 2) / (pos * neg) : NAN;
    if (support > 0) f1_sum += f1, ++f1_n;
    if (std::isfinite(auc)) auc_sum += auc, ++auc_n;
    per_class.push_back({{"class", classes[c]}, {"support", support}, {"precision", precision},
                         {"recall", std::isfinite(recall) ? nlohmann::ordered_json(recall) : nlohmann::ordered_json()},
                         {"f1", f1}, {"roc_auc", std::isfinite(auc) ? nlohmann::ordered_json(auc) : nlohmann::ordered_json()}});
  }
  nlohmann::ordered_json r;
  r["cells"] = n;
  r["accuracy"] = n ? double(correct) / double(n) : NAN;
  r["macro_f1"] = f1_n ? f1_sum / double(f1_n) : NAN;
  r["macro_roc_auc"] = auc_n ? auc_sum / double(auc_n) : NAN;
  r["per_class"] = per_class;
  r["confusion"] = {{"rows", "true class"}, {"columns", "predicted class"}, {"classes", classes}, {"counts", confusion}};
  return r;
}

std::string render_classification_report(const nlohmann::ordered_json& r) {
  std::ostringstream s;
  char line[256];
  snprintf(line, sizeof line, "cells %zu  accuracy %.4f  macro-F1 %.4f  macro ROC AUC %.4f\n", r["cells"].get<size_t>(),
           r["accuracy"].get<double>(), r["macro_f1"].get<double>(), r["macro_roc_auc"].is_number() ? r["macro_roc_auc"].get<double>() : NAN);
  s << line;
  snprintf(line, sizeof line, "%-28s %8s %9s %7s %7s %7s\n", "class", "support", "precision", "recall", "F1", "AUC");
  s << line;
  auto num = [](const nlohmann::ordered_json& v) { return v.is_number() ? v.get<double>() : NAN; };
  for (auto& c : r["per_class"]) {
    snprintf(line, sizeof line, "%-28.28s %8lld %9.4f %7.4f %7.4f %7.4f\n", c["class"].get<std::string>().c_str(),
             (long long)c["support"].get<int64_t>(), num(c["precision"]), num(c["recall"]), num(c["f1"]), num(c["roc_auc"]));
    s << line;
  }
  s << "confusion (rows: true, columns: predicted)\n";
  for (auto& row : r["confusion"]["counts"]) {
    std::string cells;
    for (auto& v : row) cells += (cells.empty() ? "" : "\t") + std::to_string(v.get<int64_t>());
    s << cells << "\n";
  }
  return s.str();
}

}  // namespace scldm
