// scldm sample: latents from the prior, with guidance towards labels.
#include <cstdlib>
#include <unistd.h>

#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "io/h5ad_frame.hpp"
#include "io/hdf5.hpp"
#include "io/open.hpp"
#include "util/paths.hpp"
#include "sample/sampler.hpp"
#include "util/error.hpp"
#include "util/lines.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

using Requests = std::vector<std::vector<int32_t>>;  // [cell][attribute]

std::string resolve_prior_path(const Invocation& inv) {
  if (inv.args.has("prior")) return inv.args.text("prior");
  if (const char* env = getenv("SCLDM_PRIOR"); env && *env) return env;
  if (access("prior.pt", R_OK) == 0) return "prior.pt";
  throw UsageError("no prior: give --prior FILE (or set SCLDM_PRIOR, or run where prior.pt is)");
}

// Listing at most 20 values keeps an error message to one line.
std::string listing(const std::vector<std::string>& values) {
  if (values.size() <= 20) return join(values, ", ");
  return join(std::vector<std::string>(values.begin(), values.begin() + 20), ", ") + ", ... (" +
         std::to_string(values.size()) + " in all)";
}

// What the user typed is a usage error (exit 2); what a file holds is not (exit 1).
[[noreturn]] void refuse(bool in_file, const std::string& message) {
  if (in_file) throw Error(message);
  throw UsageError(message);
}

size_t find_attribute(const PriorDescription& d, const std::string& name, const std::string& where, bool in_file = false) {
  for (size_t a = 0; a < d.attributes.size(); ++a)
    if (d.attributes[a].name == name) return a;
  auto names = d.attribute_names();
  refuse(in_file, where + ": the prior has no attribute '" + name + "' (attributes: " +
                      (names.empty() ? "none, it is unconditional" : listing(names)) + ")");
}

int32_t find_category(const Attribute& a, const std::string& value, const std::string& where, bool in_file = false) {
  for (size_t c = 0; c < a.categories.size(); ++c)
    if (a.categories[c] == value) return int32_t(c);
  refuse(in_file, where + ": '" + value + "' is not a " + a.name + " the prior knows (" + listing(a.categories) + ")");
}

// --condition KEY=VALUE, each attribute at most once.
std::vector<int32_t> fixed_labels(const Invocation& inv, const PriorDescription& d) {
  std::vector<int32_t> codes(d.attributes.size(), -1);
  for (auto& arg : inv.args.all("condition")) {
    auto eq = arg.find('=');
    if (eq == std::string::npos) throw UsageError("--condition: expected KEY=VALUE, got '" + arg + "'");
    size_t a = find_attribute(d, arg.substr(0, eq), "--condition");
    if (codes[a] >= 0) throw UsageError("--condition: " + d.attributes[a].name + " given twice");
    codes[a] = find_category(d.attributes[a], arg.substr(eq + 1), "--condition");
  }
  return codes;
}

// --like: the labels of every cell of a real h5ad (attributes it lacks stay unconditioned).
Requests like_rows(const std::string& file_path, const std::string& path, const PriorDescription& d,
                   std::vector<std::string>& ids) {
  h5::Handle file = h5::open_file(file_path, path);
  FrameReader obs(file, "obs", path);
  ids = obs.index();
  Requests out(ids.size(), std::vector<int32_t>(d.attributes.size(), -1));
  for (size_t a = 0; a < d.attributes.size(); ++a) {
    bool present = false;
    for (auto& col : obs.columns()) present |= col.name == d.attributes[a].name;
    if (!present) {
      note(path + ": no obs column " + d.attributes[a].name + "; generating without that label");
      continue;
    }
    auto values = obs.read_strings(d.attributes[a].name);
    for (size_t i = 0; i < values.size(); ++i)
      if (!values[i].empty()) out[i][a] = find_category(d.attributes[a], values[i], path + ": cell " + ids[i], true);
  }
  return out;
}

Requests like_labels(const std::string& path, const PriorDescription& d, std::vector<std::string>& ids) {
  refuse_terminal_input(path);
  OpenedInput in = open_input(path);  // spools a pipe or FIFO
  if (in.format != FileFormat::h5ad) fail(path, "--like needs an h5ad file (format: " + std::string(format_name(in.format)) + ")");
  return h5::reading(path, [&] { return like_rows(in.h5ad_path, path, d, ids); });
}

// --conditions FILE: a TSV whose header names attributes; empty or NA is no label.
Requests table_labels(const std::string& path, const PriorDescription& d) {
  std::vector<std::string> lines = read_lines(path);
  std::vector<size_t> columns;
  for (auto& name : split(lines[0], '\t')) {
    columns.push_back(find_attribute(d, name, path, true));
    if (std::count(columns.begin(), columns.end(), columns.back()) > 1) fail(path, "the header names " + name + " twice");
  }
  Requests out;
  for (size_t row = 2; row <= lines.size(); ++row) {
    const std::string& line = lines[row - 1];
    if (line.empty()) continue;
    auto values = split(line, '\t');
    if (values.size() != columns.size())
      fail(path, "line " + std::to_string(row) + " has " + std::to_string(values.size()) + " fields, the header " +
                     std::to_string(columns.size()));
    std::vector<int32_t> codes(d.attributes.size(), -1);
    for (size_t k = 0; k < columns.size(); ++k)
      if (!values[k].empty() && values[k] != "NA")
        codes[columns[k]] = find_category(d.attributes[columns[k]], values[k], path + ": line " + std::to_string(row), true);
    out.push_back(codes);
  }
  if (out.empty()) fail(path, "no cells listed");
  return out;
}

SampleRequests requests_from_options(const Invocation& inv, const PriorDescription& d, std::vector<std::string>& ids) {
  bool like = inv.args.has("like"), table = inv.args.has("conditions");
  if (like && table) throw UsageError("--like and --conditions both give per-cell labels; use one");
  if ((like || table) && inv.args.has("cells")) throw UsageError("-n: the number of cells comes from --like/--conditions");
  SampleRequests r;
  r.fixed = fixed_labels(inv, d);
  if (!like && !table) {
    r.size = uint64_t(inv.args.integer_in("cells", cli::table_default, 1, int64_t(1) << 40));
    return r;
  }
  r.per_cell = like ? like_labels(inv.args.text("like"), d, ids) : table_labels(inv.args.text("conditions"), d);
  for (auto& codes : r.per_cell)  // --condition overrides the per-cell labels
    for (size_t a = 0; a < codes.size(); ++a)
      if (r.fixed[a] >= 0) codes[a] = r.fixed[a];
  r.size = r.per_cell.size();
  return r;
}

// --cfg W sets every attribute's weight; --cfg KEY=W one attribute's.
Guidance guidance_from_options(const Invocation& inv, const PriorDescription& d) {
  Guidance g;
  std::string strategy = inv.args.has("strategy") ? inv.args.text("strategy") : d.strategy;
  g.strategy = strategy == "additive" ? Guidance::Strategy::additive : Guidance::Strategy::joint;
  // Not 1 (the plain conditional model): a little guidance keeps generated
  // cells of rare labels recognisable (scldm-sample(1)). A prior trained
  // without label dropout has no null model to guide from: 1 there.
  const double default_weight = d.cfg_dropout > 0 ? parse_double(inv.args.stated_default("cfg")).value() : 1.0;
  g.weights.assign(std::max<size_t>(1, d.attributes.size()), default_weight);
  bool per_attribute = false, global = false;
  std::vector<bool> named(g.weights.size(), false);
  for (auto& arg : inv.args.all("cfg")) {
    auto eq = arg.find('=');
    auto w = parse_double(eq == std::string::npos ? arg : arg.substr(eq + 1));
    if (!w || !std::isfinite(*w)) throw UsageError("--cfg: expected W or KEY=W with a number W, got '" + arg + "'");
    if (eq == std::string::npos) {
      if (global) throw UsageError("--cfg W given twice");
      global = true;
      std::fill(g.weights.begin(), g.weights.end(), *w);
    } else {
      size_t a = find_attribute(d, arg.substr(0, eq), "--cfg");
      if (named[a]) throw UsageError("--cfg " + d.attributes[a].name + "=W given twice");
      named[a] = true;
      g.weights[a] = *w;
      per_attribute = true;
    }
  }
  if (per_attribute && g.strategy == Guidance::Strategy::joint &&
      std::adjacent_find(g.weights.begin(), g.weights.end(), std::not_equal_to<>()) != g.weights.end())
    throw UsageError("--cfg KEY=W: per-attribute weights need additive guidance (--strategy additive)");
  return g;
}

}  // namespace

int run_sample(const Invocation& inv) {
  torch::Device device = setup_torch(inv);
  std::string prior_path = resolve_prior_path(inv);
  LoadedPrior prior = load_prior(prior_path, device);
  const PriorDescription& d = prior.description;
  SampleOptions opt;
  SampleRequests requests = requests_from_options(inv, d, opt.ids);
  opt.guidance = guidance_from_options(inv, d);
  opt.solver.solver = inv.args.text("solver", cli::table_default);
  opt.solver.steps = inv.args.integer_in("steps", cli::table_default, 1, 1 << 20);
  opt.solver.atol = inv.args.number_in("atol", cli::table_default, 1e-12, 1);
  opt.solver.rtol = inv.args.number_in("rtol", cli::table_default, 0, 1);
  opt.batch_size = inv.args.integer_in("batch-size", cli::table_default, 1, 1 << 20);
  opt.seed = uint64_t(inv.seed());
  opt.device = device;
  opt.provenance = provenance(inv, {{"vae_fingerprint", d.vae_fingerprint},
                                    {"vae_path", d.vae_path},
                                    {"prior_fingerprint", prior.fingerprint},
                                    {"prior_path", absolute_path(prior_path)},
                                    {"ema", prior.ema}});
  if (!prior.ema) warn(prior_path + ": no EMA weights; sampling with the raw weights");
  std::string output = inv.output("-");
  if (ends_with(lower(output), ".h5ad") || ends_with(lower(output), ".tsv"))
    throw UsageError("sample writes a latent stream; pipe it into 'scldm decode -o " + output + "'");
  sample_to_stream(prior, requests, opt, output);
  return 0;
}

}  // namespace scldm
