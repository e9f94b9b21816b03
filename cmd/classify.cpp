// scldm classify: train a classifier on frozen latents, or apply one.
#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "eval/classifier.hpp"
#include "io/cell_set.hpp"
#include "io/open.hpp"
#include "io/stream.hpp"
#include "io/text.hpp"
#include "model/vae_io.hpp"
#include "util/error.hpp"
#include "util/output.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {

// Latents of `paths`: read from a latent stream, or encoded from counts (of
// one file or several) with the VAE (`recorded` is the path a classifier remembers).
CellFeatures load_features(const Invocation& inv, const std::vector<std::string>& paths, const std::string& recorded,
                           const torch::Device& device) {
  const std::string& path = paths[0];
  refuse_terminal_input(path);
  OpenedInput in = paths.size() > 1 ? OpenedInput{} : open_input(path);
  std::unique_ptr<CountSource> counts;
  if (paths.size() > 1) {
    counts = open_cells(inv, paths);
  } else if (in.format == FileFormat::stream) {
    auto reader = std::make_unique<StreamReader>(std::move(in.bytes));
    if (reader->header().kind == StreamHeader::Kind::latent) return stream_features(*reader);
    counts = std::move(reader);
  } else if (in.format == FileFormat::h5ad) {
    counts = open_h5ad(in, h5ad_options(inv));
  } else {
    fail(path, std::string("not an h5ad file or stream (format: ") + format_name(in.format) + ")");
  }
  std::string vae_path = resolve_vae_path(inv, recorded);
  LoadedVae vae = load_vae(vae_path, device);
  CellSet cells = load_cells(*counts, vae.genes, false);
  note_panels(cells);
  return encoded_features(vae, cells, vae_path, uint64_t(inv.seed()), device);
}

int train(const Invocation& inv, const torch::Device& device) {
  if (!inv.args.has("label")) throw UsageError("--train needs --label KEY (the label to learn)");
  if (!inv.args.positionals().empty()) throw UsageError("DATA is for prediction; with --train give only --train FILE");
  ClassifierOptions o;
  o.kind = inv.args.text("model", cli::table_default);
  if (o.kind != "logreg" && o.kind != "mlp") throw UsageError("--model: when training, logreg or mlp (got '" + o.kind + "')");
  o.test_fraction = inv.args.number_in("test-fraction", cli::table_default, 0, 0.9);
  o.seed = uint64_t(inv.seed());
  std::string output = inv.output("clf.pt");
  if (output == "-") throw UsageError("the classifier is a file: give -o FILE");
  const std::vector<std::string> paths = expand_input_lists(inv.args.all("train"));
  const std::string path = joined_paths(paths);
  CellFeatures data = load_features(inv, paths, "", device);
  nlohmann::ordered_json report;
  report["train"] = path;
  Classifier clf = train_classifier(data, inv.args.text("label"), o, report);
  std::string text = inv.args.has("json") ? report.dump(2) + "\n"
                     : report.contains("held_out") ? "held-out cells of " + path + ":\n" + render_classification_report(report["held_out"])
                                                   : "";
  // The report first: a failing stdout must not leave a classifier behind.
  if (!text.empty()) {
    fputs(text.c_str(), stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) fail("-", "write error");
  }
  write_checkpoint(output, clf.to_checkpoint({{"report", report}, {"provenance", provenance(inv, {{"data", path}})}}));
  note("wrote " + output + " (" + o.kind + ", l2 " + std::to_string(clf.l2) + ")");
  return 0;
}

int predict(const Invocation& inv, const torch::Device& device) {
  std::string clf_path = inv.args.text("model");
  Classifier clf = Classifier::from_checkpoint(read_checkpoint(clf_path), clf_path);
  const std::vector<std::string> paths = inv.inputs();
  const std::string path = joined_paths(paths);
  CellFeatures data = load_features(inv, paths, clf.vae_path, device);
  if (data.vae_fingerprint != clf.vae_fingerprint)
    fail(path, "latents come from another VAE (" + (data.vae_fingerprint.empty() ? std::string("unnamed") : data.vae_fingerprint) +
                   ") than the classifier's (" + clf.vae_fingerprint + ")");
  if (data.x.size(1) != clf.features || (!clf.latent_shape.empty() && data.latent_shape != clf.latent_shape))
    fail(path, "latents have another shape than the classifier's");
  auto proba = clf.probabilities(data.x);
  auto predicted = proba.argmax(1);
  std::string tsv = "cell\tpredicted";
  for (auto& c : clf.classes) tsv += "\t" + tsv_field(c);
  tsv += "\n";
  auto p = proba.to(torch::kFloat64).contiguous();
  auto predicted_cpu = predicted.contiguous();
  const int64_t* pred = predicted_cpu.data_ptr<int64_t>();
  const double* v = p.data_ptr<double>();
  char num[32];
  for (size_t i = 0; i < data.ids.size(); ++i) {
    append_tsv_field(tsv, data.ids[i]);
    tsv += '\t';
    append_tsv_field(tsv, clf.classes[size_t(pred[i])]);
    for (size_t c = 0; c < clf.classes.size(); ++c) {
      snprintf(num, sizeof num, "\t%.6g", v[i * clf.classes.size() + c]);
      tsv += num;
    }
    tsv += "\n";
  }
  write_text_output(inv.output("-"), tsv);
  int col = find_label_column(data.labels, clf.label);
  if (col >= 0) {  // labelled input: how well did it do?
    std::vector<int64_t> truth;
    std::vector<int64_t> keep;
    for (size_t i = 0; i < data.ids.size(); ++i) {
      int32_t code = data.codes[size_t(col)][i];
      if (code < 0) continue;
      auto it = std::find(clf.classes.begin(), clf.classes.end(), data.labels[size_t(col)].categories[size_t(code)]);
      if (it == clf.classes.end()) continue;
      truth.push_back(int64_t(it - clf.classes.begin()));
      keep.push_back(int64_t(i));
    }
    if (!truth.empty())
      note(path + " is labelled (" + clf.label + "):\n" +
           render_classification_report(classification_report(truth, proba.index_select(0, torch::tensor(keep)), clf.classes)));
  }
  return 0;
}

}  // namespace

int run_classify(const Invocation& inv) {
  torch::Device device = setup_torch(inv);
  if (inv.args.has("train")) return train(inv, device);
  if (!inv.args.has("model")) throw UsageError("give --train FILE --label KEY to train, or --model clf.pt DATA to predict");
  return predict(inv, device);
}

}  // namespace scldm
