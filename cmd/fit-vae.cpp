// scldm fit-vae: train the VAE on counts.
#include "cmd/common-model.hpp"
#include "spec/checkpoints.hpp"
#include "cmd/runners-model.hpp"
#include "train/vae_trainer.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {

// The preset's sizes, or with --resume the checkpoint's; size options given
// override them (and must then agree with a resumed checkpoint).
VaeConfig config_from_options(const Invocation& inv) {
  VaeConfig c;
  const bool from_checkpoint = inv.args.has("resume") && !inv.args.has("preset");
  if (from_checkpoint) {
    std::string path = inv.args.text("resume");
    c = vae_description(read_checkpoint(path, false), path);
  } else {
    c = vae_preset(inv.args.text("preset", cli::table_default));
  }
  auto size = [&](const char* name, int64_t& field) { field = inv.args.integer_in(name, field, 1, 1 << 16); };
  size("embed-dim", c.embed);
  size("latent-tokens", c.tokens);
  size("latent-dim", c.latent_dim);
  size("heads", c.heads);
  size("cross-heads", c.heads_cross);
  size("max-genes", c.max_genes);
  c.blocks = inv.args.integer_in("blocks", c.blocks, 0, 256);
  // Not given: the checkpoint's when resuming, else the table's default.
  if (inv.args.has("beta") || !from_checkpoint) c.beta = inv.args.number_in("beta", cli::table_default, 0, 1e6);
  if (inv.args.has("input") || !from_checkpoint) c.input = inv.args.text("input", cli::table_default);
  c.validate();
  return c;
}

}  // namespace

int run_fit_vae(const Invocation& inv) {
  VaeConfig config = config_from_options(inv);
  VaeTrainOptions opt;
  read_training_options(inv, opt);
  std::string data_path = inv.input(0);
  opt.provenance = provenance(inv, {{"data", data_path}});
  auto source = open_cells(inv, data_path);
  CellSet cells = load_cells(*source, {}, true);
  if (cells.skipped_empty) note(data_path + ": skipped " + std::to_string(cells.skipped_empty) + " cells without counts");
  detail("training on " + std::to_string(cells.size()) + " cells x " + std::to_string(cells.vocabulary.size()) + " genes");
  note(train_vae(cells, config, opt).summary());
  return 0;
}

}  // namespace scldm
