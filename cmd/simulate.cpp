// scldm simulate: a synthetic dataset with known ground truth.
#include <algorithm>
#include <thread>

#include "cmd/runners.hpp"
#include "io/convert.hpp"
#include "io/simulate.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

// A comma-separated list of distinct, non-empty names.
std::vector<std::string> names_option(const Invocation& inv, const std::string& option) {
  auto names = split(inv.args.text(option), ',');
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) throw UsageError("--" + option + ": an empty name in '" + inv.args.text(option) + "'");
    if (std::count(names.begin(), names.begin() + long(i), names[i]))
      throw UsageError("--" + option + ": " + names[i] + " given twice");
  }
  return names;
}

}  // namespace

int run_simulate(const Invocation& inv) {
  SimulationParams p;
  p.cells = inv.args.integer_in("cells", cli::table_default, 1, int64_t(1) << 32);
  p.genes = inv.args.integer_in("genes", cli::table_default, 1, 1 << 20);
  if (inv.args.has("cell-types")) p.cell_types = names_option(inv, "cell-types");
  if (inv.args.has("conditions")) p.conditions = names_option(inv, "conditions");
  p.library_mean = inv.args.number_in("library-size", cli::table_default, 1, 1e9);
  p.type_de_fraction = inv.args.number_in("type-de", cli::table_default, 0, 1);
  p.stim_de_fraction = inv.args.number_in("stim-de", cli::table_default, 0, 1);
  p.bcv = inv.args.number_in("bcv", cli::table_default, 1e-3, 10);
  p.seed = uint64_t(inv.seed());
  // Every core unless -@ says otherwise ("all cores" in the table).
  p.threads = inv.args.integer("threads", int64_t(std::max(1u, std::thread::hardware_concurrency())));
  SimulatedSource source(p);
  ConvertOptions out;
  out.output = inv.output("-");
  out.format = format_from_path(out.output);
  out.provenance = provenance(inv, {{"simulation", p.to_json().dump()}});
  out.uns["simulation"] = source.truth();
  uint64_t n = write_counts(source, out);
  detail("simulated " + std::to_string(n) + " cells x " + std::to_string(p.genes) + " genes");
  return 0;
}

}  // namespace scldm
