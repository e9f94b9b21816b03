#include "io/summary.hpp"

#include <algorithm>
#include <cmath>

#include "io/checkpoint.hpp"
#include "io/select.hpp"
#include "io/stream.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {
namespace {

// min / median / max of a list of values.
nlohmann::ordered_json spread(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return {{"min", v.front()}, {"median", median}, {"max", v.back()}};
}

nlohmann::ordered_json describe_labels(const std::vector<LabelColumn>& labels) {
  auto out = nlohmann::ordered_json::array();
  for (auto& l : labels) out.push_back({{"name", l.name}, {"categories", l.categories}});
  return out;
}

// Streams every cell through the selection, collecting per-cell statistics.
template <typename Source, typename Block>
void scan(Source& source, Block& block, const CellSelection& sel, nlohmann::ordered_json& facts,
          const std::function<double(const Block&, size_t)>& expressed) {
  std::vector<double> libs, genes;
  uint64_t zero = 0;
  while (source.next(block)) {
    for (size_t i = 0; i < block.size(); ++i) {
      if (!sel.keep(block, i)) continue;
      libs.push_back(block.library_size[i]);
      if (expressed) genes.push_back(expressed(block, i));
      if (block.library_size[i] == 0) ++zero;
    }
  }
  facts["selected_cells"] = libs.size();
  facts["library_size"] = spread(libs);
  if (expressed) {
    facts["genes_per_cell"] = spread(genes);
    facts["all_zero_cells"] = zero;
  }
}

double count_expressed(const CountBlock& b, size_t i) { return double(b.indptr[i + 1] - b.indptr[i]); }

}  // namespace

namespace {

Summary h5ad_summary(const OpenedInput& in, const H5adOptions& options, const std::vector<std::string>& where) {
  Summary s;
  const std::string& user_path = in.path;
  auto opened = open_h5ad(in, options);
  H5adReader& reader = *opened;
  auto& m = reader.matrix();
  auto& f = s.facts;
  f["file"] = user_path;
  f["format"] = "h5ad";
  f["cells"] = m.n_cells;
  f["genes"] = m.n_genes;
  f["matrix"] = {{"location", m.location}, {"encoding", m.encoding}, {"dtype", m.dtype}, {"stored_values", m.stored}};
  f["layers"] = h5::is_group(reader.file(), "layers") ? h5::list_children(h5::open_group(reader.file(), "layers", user_path))
                                                       : std::vector<std::string>{};
  f["raw"] = h5::exists(reader.file(), "raw/X");
  auto columns = [](const FrameReader& frame) {
    auto out = nlohmann::ordered_json::array();
    for (auto& c : frame.columns()) {
      nlohmann::ordered_json col = {{"name", c.name}, {"kind", c.kind}};
      if (c.n_categories) col["categories"] = c.n_categories;
      out.push_back(col);
    }
    return out;
  };
  f["obs"] = columns(reader.obs());
  f["var"] = columns(reader.var());
  f["labels"] = describe_labels(reader.schema().labels);
  f["example_genes"] = std::vector<std::string>(reader.schema().genes.begin(),
                                                reader.schema().genes.begin() + long(std::min<size_t>(5, m.n_genes)));
  if (h5::is_group(reader.file(), "uns/source")) {
    h5::Handle src = h5::open_group(reader.file(), "uns/source", user_path);
    for (auto& key : h5::list_children(src)) {
      h5::Handle d(H5Dopen2(src, key.c_str(), H5P_DEFAULT));
      if (d.valid() && h5::is_string_type(d) && h5::shape(d).empty()) f["source"][key] = h5::read_strings(d).at(0);
    }
  }
  CellSelection sel(where, reader.schema().labels, user_path);
  CountBlock block;
  try {
    scan<H5adReader, CountBlock>(reader, block, sel, f, count_expressed);
    f["valid"] = true;
  } catch (const Error& e) {
    f["valid"] = false;
    s.problem = e.what();
  }
  return s;
}

}  // namespace

Summary summarise_h5ad(const OpenedInput& in, const H5adOptions& options, const std::vector<std::string>& where) {
  // It calls into HDF5 on the user's file throughout: guarded (crash, memory).
  return h5::reading(in.path, [&] { return h5ad_summary(in, options, where); });
}

namespace {

// The description of a checkpoint into `f`; JSON library errors on a corrupt
// one propagate to the caller.
void describe_checkpoint(const std::string& path, const CheckpointFile& ck, Summary& s) {
  auto& f = s.facts;
  auto meta = nlohmann::ordered_json::parse(ck.meta.dump());
  f["file"] = path;
  f["format"] = "checkpoint";
  f["kind"] = json_string(ck.meta, "kind", "?");
  f["fingerprint"] = json_string(ck.meta, "fingerprint");
  if (meta.contains("genes")) {
    auto& genes = meta["genes"];
    f["genes"] = genes.size();
    std::vector<std::string> first;
    for (size_t i = 0; i < std::min<size_t>(5, genes.size()); ++i) first.push_back(genes[i]);
    f["example_genes"] = first;
  }
  if (meta.contains("encoder_genes") && meta["encoder_genes"].is_array()) f["encoder_genes"] = meta["encoder_genes"].size();
  if (meta.contains("attributes")) {  // a prior: its labels, guidance and VAE
    nlohmann::ordered_json attrs = nlohmann::ordered_json::array();
    for (auto& a : meta["attributes"]) {
      // Checked here: the renderer takes names and categories for strings.
      if (!a.is_object() || !a["name"].is_string() || !a["categories"].is_array())
        throw std::invalid_argument("malformed attributes");
      for (auto& c : a["categories"])
        if (!c.is_string()) throw std::invalid_argument("malformed attributes");
      attrs.push_back({{"name", a["name"]}, {"n", a["categories"].size()}, {"categories", a["categories"]}});
    }
    f["attributes"] = attrs;
  }
  for (auto* key : {"panels", "guidance", "vae", "config", "step", "total_steps", "epoch", "best_val_nll", "best_val_loss", "metrics",
                    "training", "provenance"})
    if (meta.contains(key)) f[key] = meta[key];
  uint64_t params = 0, bytes = 0;
  for (auto& b : ck.blobs) {
    bytes += b.bytes.size();
    if (b.name.rfind("param/", 0) == 0) params += b.bytes.size() / dtype_size(b.dtype);
  }
  f["parameters"] = params;
  f["tensor_bytes"] = bytes;
  f["valid"] = true;
}

}  // namespace

Summary summarise_checkpoint(const std::string& path) {
  Summary s;
  CheckpointFile ck = read_checkpoint(path);  // checks the CRC of the whole file
  try {
    describe_checkpoint(path, ck, s);
  } catch (const std::exception& e) {  // JSON library errors, malformed entries
    s.facts = {{"file", path}, {"format", "checkpoint"}, {"valid", false}};
    s.problem = path + ": bad description (" + json_problem(e) + ")";
  }
  return s;
}

Summary summarise_stream(std::unique_ptr<ByteReader> in, const std::vector<std::string>& where) {
  Summary s;
  StreamReader reader(std::move(in));
  auto& h = reader.header();
  auto& f = s.facts;
  f["file"] = reader.path();
  f["format"] = "stream";
  f["kind"] = h.kind_name();
  if (h.kind == StreamHeader::Kind::counts) {
    f["genes"] = h.genes.size();
    f["example_genes"] = std::vector<std::string>(h.genes.begin(), h.genes.begin() + long(std::min<size_t>(5, h.genes.size())));
  } else {
    f["shape"] = {h.tokens, h.dim};
  }
  f["labels"] = describe_labels(h.labels);
  f["provenance"] = nlohmann::ordered_json::parse(h.provenance.dump());
  CellSelection sel(where, h.labels, reader.path());
  try {
    if (h.kind == StreamHeader::Kind::counts) {
      CountBlock block;
      scan<StreamReader, CountBlock>(reader, block, sel, f, count_expressed);
    } else {
      LatentBlock block;
      scan<StreamReader, LatentBlock>(reader, block, sel, f, nullptr);
    }
    f["records"] = reader.records_read();
    f["bytes"] = reader.bytes_read();
    f["valid"] = true;
  } catch (const Error& e) {
    f["records_before_error"] = reader.records_read();
    f["valid"] = false;
    s.problem = e.what();
  }
  return s;
}

namespace {

std::string scalar_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    // Whole numbers print without ".0"; outside int64 (or NaN) the cast is undefined.
    if (std::abs(d) < 9.0e15 && d == std::floor(d)) return std::to_string(int64_t(d));
  }
  return v.dump();
}

// "cell_type (categorical, 8)" for a column, "cell_type (3: B, NK, T)" for a label.
std::string describe_entry(const nlohmann::ordered_json& x) {
  std::string p = x["name"].get<std::string>();
  if (x.contains("kind"))
    return p + " (" + x["kind"].get<std::string>() + (x.contains("categories") ? ", " + scalar_text(x["categories"]) : "") + ")";
  if (!x.contains("categories")) return p;
  std::vector<std::string> cats;
  for (auto& c : x["categories"]) cats.push_back(c.get<std::string>());
  size_t n = cats.size();
  if (n > 6) cats.resize(6), cats.push_back("...");
  return p + " (" + std::to_string(n) + ": " + join(cats, ", ") + ")";
}

void render(const nlohmann::ordered_json& j, const std::string& indent, std::string& out) {
  for (auto& [key, v] : j.items()) {
    std::string label = indent + key;
    std::string pad(label.size() < 20 ? 20 - label.size() : 1, ' ');
    if (v.is_object()) {
      // Small flat objects (min/median/max) fit on one line.
      bool flat = v.size() <= 4 && std::all_of(v.begin(), v.end(), [](auto& x) { return x.is_primitive(); });
      if (flat) {
        std::vector<std::string> parts;
        for (auto& [k, x] : v.items()) parts.push_back(k + " " + scalar_text(x));
        out += label + pad + join(parts, ", ") + "\n";
      } else {
        out += label + "\n";
        render(v, indent + "  ", out);
      }
    } else if (v.is_array()) {
      std::vector<std::string> parts;
      for (auto& x : v) {
        if (x.is_object() && x.contains("name")) {
          parts.push_back(describe_entry(x));
        } else {
          parts.push_back(scalar_text(x));
        }
      }
      out += label + pad + (parts.empty() ? "-" : join(parts, "; ")) + "\n";
    } else {
      out += label + pad + (v.is_null() ? "-" : scalar_text(v)) + "\n";
    }
  }
}

}  // namespace

std::string render_summary(const nlohmann::ordered_json& facts) {
  std::string out;
  render(facts, "", out);
  return out;
}

}  // namespace scldm
