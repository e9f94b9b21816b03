// scldm eval: generation metrics against real cells (or reconstruction
// metrics of a VAE, or conditional accuracy with a classifier).
#include <numeric>
#include <set>

#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "eval/classifier.hpp"
#include "eval/generation.hpp"
#include "model/cell_blocks.hpp"
#include "model/reconstruction.hpp"
#include "eval/svg.hpp"
#include "io/open.hpp"
#include "model/vae_io.hpp"
#include "pipeline/eval_inputs.hpp"
#include "util/error.hpp"
#include "util/output.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

std::vector<size_t> every(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}


std::string number(const nlohmann::ordered_json& v) {
  if (!v.is_number()) return "NA";
  char buf[32];
  snprintf(buf, sizeof buf, "%.4g", v.get<double>());
  return buf;
}

std::string render_generation(const nlohmann::ordered_json& r) {
  std::string s;
  char line[256];
  const auto& o = r["overall"];
  snprintf(line, sizeof line, "real %s (%zu cells), generated %s (%zu cells)\n", r["real"].get<std::string>().c_str(),
           r["real_cells"].get<size_t>(), r["generated"].get<std::string>().c_str(), r["generated_cells"].get<size_t>());
  s += line;
  snprintf(line, sizeof line, "space: %zu genes, %zu PCs of log1p(CP10k) fitted on the real cells; seed %llu\n",
           r["space"]["hvg"].get<size_t>(), r["space"]["components"].get<size_t>(), (unsigned long long)r["seed"].get<uint64_t>());
  s += line;
  snprintf(line, sizeof line, "compared: %zu generated and %zu real (half A) cells, each against %zu real (half B) cells\n\n",
           o["n_compared"].get<size_t>(), o["n_compared"].get<size_t>(), o["n_reference"].get<size_t>());
  s += line;
  snprintf(line, sizeof line, "%-14s %12s %12s\n", "metric", "generated", "real floor");
  s += line;
  for (auto& name : generation_metric_names()) {
    snprintf(line, sizeof line, "%-14s %12s %12s\n", name.c_str(), number(o["metrics"][name]["generated"]).c_str(),
             number(o["metrics"][name]["floor"]).c_str());
    s += line;
  }
  if (r.contains("by")) {
    const auto& by = r["by"];
    s += "\nper " + by["label"].get<std::string>() + " (generated / floor):\n";
    snprintf(line, sizeof line, "%-24s %6s %17s %19s %13s %15s\n", "class", "n", "W2", "MMD2", "1-NN acc", "Frechet");
    s += line;
    auto row = [&](const std::string& name, const std::string& n, const nlohmann::ordered_json& m) {
      auto pair = [&](const char* k) { return number(m[k]["generated"]) + " / " + number(m[k]["floor"]); };
      snprintf(line, sizeof line, "%-24.24s %6s %17s %19s %13s %15s\n", name.c_str(), n.c_str(), pair("w2").c_str(),
               pair("mmd2").c_str(), pair("nn_accuracy").c_str(), pair("frechet").c_str());
      s += line;
    };
    for (auto& c : by["classes"]) row(c["class"], std::to_string(c["n_compared"].get<size_t>()), c["metrics"]);
    if (!by["average"].empty()) row("average", "", by["average"]);
    for (auto& u : by["not_evaluated"])
      s += "not evaluated: " + u["class"].get<std::string>() + " (" + u["why"].get<std::string>() + ": " +
           std::to_string(u["real"].get<size_t>()) + " real, " + std::to_string(u["generated"].get<size_t>()) + " generated)\n";
  }
  if (r.contains("conditional_accuracy")) {
    const auto& c = r["conditional_accuracy"];
    snprintf(line, sizeof line, "\nconditional accuracy (%s): %s of generated cells classified as generated; %s on the real cells\n",
             c["label"].get<std::string>().c_str(), number(c["generated"]).c_str(), number(c["real"]).c_str());
    s += line;
    snprintf(line, sizeof line, "%-24s %10s %10s %12s\n", "class", "generated", "real", "cells");
    s += line;
    for (auto& k : c["classes"]) {
      const std::string cells = std::to_string(k["generated_cells"].get<size_t>()) + " / " + std::to_string(k["real_cells"].get<size_t>());
      snprintf(line, sizeof line, "%-24.24s %10s %10s %12s\n", k["class"].get<std::string>().c_str(), number(k["generated"]).c_str(),
               number(k["real"]).c_str(), cells.c_str());
      s += line;
    }
  }
  return s;
}

// Colours by --by when given, else one group per side.
void write_plot(const std::string& path, const PcaSpace& space, const EvalFiles& files, const std::string& by) {
  // The first 3,000 cells of each side.
  const CellSet real = files.load(false, every(std::min<size_t>(files.labels(false).size(), 3000)));
  const CellSet gen = files.load(true, every(std::min<size_t>(files.labels(true).size(), 3000)));
  std::vector<std::string> groups;
  std::vector<ScatterPoint> points;
  auto add = [&](const CellSet& c, bool generated) {
    int col = by.empty() ? -1 : find_label_column(c.labels, by);
    auto which = every(c.size());
    auto p = project(space, c, which);
    for (size_t i = 0; i < which.size(); ++i) {
      std::string name = col < 0 ? (generated ? "generated" : "real")
                         : c.codes[size_t(col)][i] < 0 ? "(none)"
                                                       : c.labels[size_t(col)].categories[size_t(c.codes[size_t(col)][i])];
      auto it = std::find(groups.begin(), groups.end(), name);
      if (it == groups.end()) it = groups.insert(groups.end(), name);
      points.push_back({p[int64_t(i)][0].item<double>(), p[int64_t(i)][1].item<double>(), int(it - groups.begin()), generated});
    }
  };
  add(real, false);
  add(gen, true);
  write_text_output(path, scatter_svg(points, groups, "real (filled) vs generated (open), first two PCs of the real cells", "PC1", "PC2"));
}

// How many cells of one side, per class the classifier knows, it assigns to their own label.
struct ClassHits {
  std::vector<size_t> cells, correct;  // per class of the classifier
  size_t skipped = 0;                  // labels the classifier never saw: neither right nor wrong
  std::set<std::string> unknown;
};

ClassHits classify_side(const Invocation& inv, Classifier& clf, LoadedVae& vae, const std::string& vae_path,
                        CountSource& source, const torch::Device& device) {
  CellReader reader(source, vae.genes, false);
  int col = find_label_column(reader.shape().labels, clf.label);
  if (col < 0) fail(source.path(), "has no label '" + clf.label + "' for --classifier");
  const LabelColumn& column = reader.shape().labels[size_t(col)];
  std::vector<int64_t> known(column.categories.size(), -1);
  for (size_t c = 0; c < known.size(); ++c) {
    auto it = std::find(clf.classes.begin(), clf.classes.end(), column.categories[c]);
    if (it != clf.classes.end()) known[c] = int64_t(it - clf.classes.begin());
  }
  ClassHits h{std::vector<size_t>(clf.classes.size()), std::vector<size_t>(clf.classes.size())};
  CellSet cells;  // a chunk at a time: whole cell blocks, so each cell's latent is as in one pass
  while (reader.next(cells, cell_chunk_size(device))) {
    auto features = encoded_features(vae, cells, vae_path, uint64_t(inv.seed()), device);
    auto predicted = clf.probabilities(features.x).argmax(1).contiguous();
    const int64_t* p = predicted.data_ptr<int64_t>();
    for (size_t i = 0; i < cells.size(); ++i) {
      int32_t code = cells.codes[size_t(col)][i];
      if (code < 0) continue;
      const int64_t k = known[size_t(code)];
      if (k < 0) {
        ++h.skipped;
        h.unknown.insert(column.categories[size_t(code)]);
        continue;
      }
      ++h.cells[size_t(k)];
      h.correct[size_t(k)] += p[i] == k;
    }
  }
  return h;
}

// part / whole, or null (no cells).
nlohmann::ordered_json share(size_t part, size_t whole) {
  return whole ? nlohmann::ordered_json(double(part) / double(whole)) : nlohmann::ordered_json();
}

// Fraction of generated cells the classifier assigns to their own label, overall and per class, next to the real cells'.
nlohmann::ordered_json conditional_accuracy(const Invocation& inv, const std::string& clf_path, const EvalFiles& files,
                                            const torch::Device& device) {
  CheckpointFile ck = read_checkpoint(clf_path);
  Classifier clf = Classifier::from_checkpoint(ck, clf_path);
  std::string vae_path = resolve_vae_path(inv, clf.vae_path);
  LoadedVae vae = load_vae(vae_path, device);
  if (vae.fingerprint != clf.vae_fingerprint) fail(clf_path, "was trained on latents of another VAE than " + vae_path);
  nlohmann::ordered_json out = {{"label", clf.label}, {"classifier", clf_path}};
  ClassHits sides[2];
  for (bool generated : {true, false}) {
    auto source = files.open(generated);
    ClassHits& h = sides[generated];
    h = classify_side(inv, clf, vae, vae_path, *source, device);
    if (h.skipped)
      note(source->path() + ": " + std::to_string(h.skipped) + " cells have a " + clf.label +
           " the classifier does not know (" + join(std::vector<std::string>(h.unknown.begin(), h.unknown.end()), ", ") +
           "); not counted in the conditional accuracy");
    const size_t n = std::accumulate(h.cells.begin(), h.cells.end(), size_t(0));
    if (n == 0) fail(source->path(), "no cell has a " + clf.label + " the classifier knows");
    out[generated ? "generated" : "real"] = share(std::accumulate(h.correct.begin(), h.correct.end(), size_t(0)), n);
    out[generated ? "generated_cells" : "real_cells"] = n;
  }
  for (size_t k = 0; k < clf.classes.size(); ++k)
    if (sides[0].cells[k] || sides[1].cells[k])
      out["classes"].push_back({{"class", clf.classes[k]}, {"generated", share(sides[1].correct[k], sides[1].cells[k])},
                                {"generated_cells", sides[1].cells[k]}, {"real", share(sides[0].correct[k], sides[0].cells[k])},
                                {"real_cells", sides[0].cells[k]}});
  return out;
}

int run_reconstruction(const Invocation& inv, const std::string& real_path, const torch::Device& device) {
  std::string vae_path = inv.args.text("vae");
  LoadedVae vae = load_vae(vae_path, device);
  auto source = open_cells(inv, real_path);
  // Read in chunks of whole cell blocks: the result is that of all cells at once.
  CellReader cells(*source, vae.genes, false);
  ReconstructionPass pass(vae.model, uint64_t(inv.seed()), device);
  CellSet chunk;
  while (cells.next(chunk, cell_chunk_size(device))) pass.add(chunk, every(chunk.size()));
  auto r = pass.result();
  if (r.cells == 0) fail(source->path(), "no cells with counts");
  nlohmann::ordered_json j = {{"real", real_path}, {"vae", vae_path}, {"vae_fingerprint", vae.fingerprint}, {"cells", r.cells},
                              {"seed", inv.seed()}, {"re", r.nll}, {"pcc", r.recon.pcc}, {"mse", r.recon.mse},
                              {"zero_accuracy", r.recon.zero_accuracy}};
  std::string text = inv.args.has("json") ? j.dump(2) + "\n" : "";
  if (text.empty()) {
    char buf[512];
    snprintf(buf, sizeof buf, "reconstruction of %s (%zu cells) by %s\nRE %.2f  PCC %.4f  MSE %.4f  zero accuracy %.4f\n",
             real_path.c_str(), r.cells, vae_path.c_str(), r.nll, r.recon.pcc, r.recon.mse, r.recon.zero_accuracy);
    text = buf;
  }
  write_text_output(inv.output("-"), text);
  return 0;
}

}  // namespace

int run_eval(const Invocation& inv) {
  torch::Device device = setup_torch(inv);
  if (!inv.args.has("real")) throw UsageError("--real FILE is required");
  std::string real_path = inv.args.text("real");
  if (!inv.args.has("generated")) {
    if (inv.args.has("vae")) return run_reconstruction(inv, real_path, device);
    throw UsageError("--generated FILE is required (or --vae for reconstruction metrics)");
  }
  std::string gen_path = inv.args.text("generated");
  if (inv.args.has("vae") && !inv.args.has("classifier"))
    throw UsageError("--vae with --generated serves --classifier; for reconstruction metrics give --real and --vae alone");
  if (inv.args.has("plot") && inv.args.text("plot") == inv.output("-"))
    throw UsageError("--plot and -o name the same file");
  GenerationEvalOptions o;
  o.hvg = inv.args.integer_in("hvg", cli::table_default, 2, 1 << 20);
  o.components = inv.args.integer_in("components", cli::table_default, 2, 1000);
  o.max_cells = inv.args.integer_in("max-cells", cli::table_default, 4, 1 << 24);
  o.knn = inv.args.integer_in("knn", cli::table_default, 1, 1000);
  o.w2 = inv.args.text("w2", cli::table_default);
  o.seed = uint64_t(inv.seed());
  o.by = inv.args.text("by");
  refuse_terminal_input(real_path);
  EvalFiles files(real_path, h5ad_options(inv), inv.args.all("where"), gen_path);
  PcaSpace space = fit_pca(files.pass(false), files.shared_genes().size(), o.hvg, o.components);
  nlohmann::ordered_json report;
  report["real"] = real_path;
  report["generated"] = gen_path;
  report["real_cells"] = files.labels(false).size();
  report["generated_cells"] = files.labels(true).size();
  report.update(evaluate_generation(files.inputs(), space, o));
  if (inv.args.has("classifier")) report["conditional_accuracy"] = conditional_accuracy(inv, inv.args.text("classifier"), files, device);
  if (inv.args.has("plot")) write_plot(inv.args.text("plot"), space, files, o.by);
  write_text_output(inv.output("-"), inv.args.has("json") ? report.dump(2) + "\n" : render_generation(report));
  return 0;
}

}  // namespace scldm
