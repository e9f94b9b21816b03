// scldm encode: cells -> latent stream, or an h5ad copy with obsm/X_scldm.
#include <algorithm>

#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "pipeline/encode.hpp"
#include "util/paths.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

int run_encode(const Invocation& inv) {
  torch::Device device = setup_torch(inv);
  std::string vae_path = resolve_vae_path(inv);
  LoadedVae vae = load_vae(vae_path, device);
  const std::vector<std::string> inputs = inv.inputs();
  const std::string input = joined_paths(inputs);
  std::string output = inv.output("-");
  bool to_h5ad = lower(output).size() > 5 && ends_with(lower(output), ".h5ad");
  if (to_h5ad && (input == "-" || inv.args.has("where") || inputs.size() > 1))
    throw UsageError("-o x.h5ad copies the input file: it needs one h5ad file as input and no --where");
  auto source = open_cells(inv, inputs);
  CellReader cells(*source, vae.genes, false);
  if (cells.shape().unmatched_genes)
    note(input + ": " + std::to_string(cells.shape().unmatched_genes) + " genes are not in the VAE's vocabulary (ignored)");
  note_panels(cells.shape());
  EncodeOptions opt;
  opt.batch_size = inv.args.integer_in("batch-size", cli::table_default, 1, 1 << 20);
  opt.seed = uint64_t(inv.seed());
  opt.device = device;
  if (inv.args.has("labels")) {
    opt.labels = split(inv.args.text("labels"), ',');
    for (size_t i = 0; i < opt.labels.size(); ++i)
      if (std::count(opt.labels.begin(), opt.labels.begin() + long(i), opt.labels[i]))
        throw UsageError("--labels: " + opt.labels[i] + " given twice");
  }
  opt.provenance = provenance(inv, {{"vae_fingerprint", vae.fingerprint}, {"vae_path", absolute_path(vae_path)}, {"source", input}});
  if (to_h5ad) encode_into_h5ad_copy(vae, cells, input, output, opt);
  else encode_to_stream(vae, cells, output, opt);
  return 0;
}

}  // namespace scldm
