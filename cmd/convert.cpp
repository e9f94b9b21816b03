// scldm convert: counts between h5ad, record stream, Matrix Market and TSV.
#include "cmd/runners.hpp"
#include "io/convert.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {

int run_convert(const Invocation& inv) {
  std::string in = inv.input(0);
  refuse_terminal_input(in);
  ConvertOptions opt;
  if (inv.args.positionals().size() > 1 && inv.args.has("output"))
    throw UsageError("give the output either as OUT or with -o, not both");
  opt.output = inv.args.positionals().size() > 1 ? inv.input(1) : inv.output("-");
  opt.format = inv.args.has("output-format") ? inv.args.text("output-format") : format_from_path(opt.output);
  opt.level = int(inv.args.integer_in("level", cli::table_default, -50, 19));
  opt.where = inv.args.all("where");
  opt.subsample.fraction = inv.args.number_in("subsample", 1, 0, 1);
  opt.subsample.seed = uint64_t(inv.args.integer_in("subsample-seed", cli::table_default, 0, INT64_MAX));
  opt.subsample.rest = inv.args.has("rest");
  if (opt.subsample.rest && !inv.args.has("subsample")) throw UsageError("--rest needs --subsample FRAC");
  opt.h5ad = h5ad_options(inv);
  opt.provenance = provenance(inv, {{"source", in}});
  convert(in, opt);
  return 0;
}

}  // namespace scldm
