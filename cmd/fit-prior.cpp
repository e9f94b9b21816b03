// scldm fit-prior: train the latent DiT prior on a latent stream (or on an
// h5ad encoded once with a VAE).
#include <optional>

#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "io/checkpoint.hpp"
#include "io/open.hpp"
#include "io/select.hpp"
#include "model/cell_blocks.hpp"
#include "model/infer.hpp"
#include "util/paths.hpp"
#include "train/prior_trainer.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {

// What a run starts from: the preset's sizes and the defaults, or with
// --resume the checkpoint's sizes, attributes and guidance settings. Options
// given override them (and must then agree with a resumed checkpoint).
struct PriorSetup {
  PriorDescription resumed;  // --resume's checkpoint
  std::optional<double> resumed_lr;  // its run's learning rate, where --lr is not given
  std::vector<std::string> conditions;
};

PriorSetup setup_from_options(const Invocation& inv, PriorTrainOptions& opt) {
  PriorSetup s;
  PriorDescription& resumed = s.resumed;
  const bool resume = inv.args.has("resume");
  if (resume) {
    std::string path = inv.args.text("resume");
    const nlohmann::json meta = read_checkpoint(path, false).meta;
    resumed = PriorDescription::from_meta(meta, path);
    if (!inv.args.has("lr")) s.resumed_lr = resumed_lr(meta, path);  // continues its schedule
  }
  // Not given: the checkpoint's when resuming, else the table's default.
  auto fresh = [&](const char* name) { return inv.args.has(name) || !resume; };
  opt.strategy = fresh("strategy") ? inv.args.text("strategy", cli::table_default) : resumed.strategy;
  opt.cfg_dropout =
      fresh("cfg-dropout") ? inv.args.number_in("cfg-dropout", cli::table_default, 0, 1) : resumed.cfg_dropout;
  opt.ema_decay = fresh("ema-decay") ? inv.args.number_in("ema-decay", cli::table_default, 0, 1) : resumed.ema_decay;
  s.conditions = inv.args.has("condition") || !resume ? inv.args.all("condition") : resumed.attribute_names();
  for (size_t i = 0; i < s.conditions.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (s.conditions[i] == s.conditions[j]) throw UsageError("--condition " + s.conditions[i] + " given twice");
  return s;
}

// The preset's sizes, or with `preset` "" the resumed checkpoint's; size options override them.
DitConfig config_from_options(const Invocation& inv, const std::string& preset, const PriorDescription& resumed) {
  DitConfig c = preset.empty() ? resumed.config : dit_preset(preset);
  c.width = inv.args.integer_in("width", c.width, 2, 1 << 16);
  c.blocks = inv.args.integer_in("blocks", c.blocks, 0, 256);
  c.heads = inv.args.integer_in("heads", c.heads, 1, 1 << 10);
  return c;
}

// Latents of h5ad inputs, encoded once with the VAE up front.
LatentSet encode_h5ad(const Invocation& inv, SelectedSource& source, const std::string& name,
                      const std::vector<std::string>& conditions, PriorTrainOptions& opt, const torch::Device& device) {
  std::string vae_path = resolve_vae_path(inv);
  LoadedVae vae = load_vae(vae_path, device);
  note("encoding the cells of " + name + " with " + vae_path);
  EncodeOptions eo;
  eo.seed = uint64_t(inv.seed());
  eo.device = device;
  // Read and encoded a chunk at a time into rows reserved for every cell of
  // the files (--where keeps fewer; counts streams do not say: chunks are
  // joined at the end): only the latents and labels stay.
  CellReader cells(source, vae.genes, false);
  note_panels(cells.shape());
  CellSet all = cells.shape().empty_like(), chunk;
  const std::optional<uint64_t> declared = source.inner().schema().n_cells;
  auto latents = torch::empty({int64_t(declared.value_or(0)), vae.config.tokens, vae.config.latent_dim});
  std::vector<torch::Tensor> chunks;
  int64_t row = 0;
  while (cells.next(chunk, cell_chunk_size(device))) {
    auto z = encode_cells(vae, chunk, iota_indices(chunk.size()), eo);
    if (declared) latents.narrow(0, row, z.size(0)).copy_(z);
    else chunks.push_back(z);
    row += z.size(0);
    for (size_t c = 0; c < all.codes.size(); ++c) all.codes[c].insert(all.codes[c].end(), chunk.codes[c].begin(), chunk.codes[c].end());
    all.library_size.insert(all.library_size.end(), chunk.library_size.begin(), chunk.library_size.end());
  }
  if (row == 0) fail(name, "no cells with counts");
  opt.vae_fingerprint = vae.fingerprint;
  opt.vae_path = absolute_path(vae_path);
  latents = declared ? latents.narrow(0, 0, row) : torch::cat(chunks);
  return make_latent_set(latents, all.labels, all.codes, all.library_size, conditions, name);
}

LatentSet read_input(const Invocation& inv, const std::vector<std::string>& paths, const std::vector<std::string>& conditions,
                     PriorTrainOptions& opt, const torch::Device& device) {
  if (paths.size() > 1) {
    auto source = open_cells(inv, paths);
    return encode_h5ad(inv, *source, joined_paths(paths), conditions, opt, device);
  }
  const std::string& path = paths[0];
  refuse_terminal_input(path);
  OpenedInput in = open_input(path);
  if (in.format == FileFormat::h5ad) {
    SelectedSource source(open_h5ad(in, h5ad_options(inv)), inv.args.all("where"));
    return encode_h5ad(inv, source, in.path, conditions, opt, device);
  }
  if (in.format != FileFormat::stream) fail(path, std::string("not a latent stream or h5ad file (format: ") + format_name(in.format) + ")");
  if (inv.args.has("where")) throw UsageError("--where selects cells of an h5ad input; filter before encoding");
  StreamReader reader(std::move(in.bytes));
  LatentSet set = read_latents(reader, conditions);
  const auto& prov = reader.header().provenance;
  opt.vae_fingerprint = json_string(prov, "vae_fingerprint");
  opt.vae_path = json_string(prov, "vae_path");
  if (opt.vae_fingerprint.empty()) warn(path + ": the stream does not name its VAE; sample | decode will need --vae and --force");
  return set;
}

}  // namespace

int run_fit_prior(const Invocation& inv) {
  PriorTrainOptions opt;
  read_training_options(inv, opt, 100);
  // A given --lr is checked before the data are read; the default waits for the preset (or a resumed run's).
  if (inv.args.has("lr")) opt.lr = inv.args.number_in("lr", opt.lr, 1e-12, 10);
  auto [resumed, resumed_rate, conditions] = setup_from_options(inv, opt);
  const std::string provisional = provisional_preset(inv);
  DitConfig config = config_from_options(inv, provisional, resumed);
  config.validate();  // usage errors before the data are read
  if (auto status = run_local_ranks(inv, opt)) return *status;
  join_data_parallel(inv, opt);
  const std::vector<std::string> paths = inv.inputs();
  const std::string path = joined_paths(paths);
  LatentSet data = read_input(inv, paths, conditions, opt, opt.device);
  for (size_t a = 0; a < data.attributes.size(); ++a) {
    size_t missing = 0;
    for (auto& c : data.codes) missing += c[a] < 0;
    if (missing) note(path + ": " + std::to_string(missing) + " cells have no " + data.attributes[a].name + " (trained as null)");
  }
  if (conditions.empty()) note("no --condition: training an unconditional prior");
  const std::string preset = resolve_preset(inv, opt, [&] {
    return auto_prior_run({int64_t(data.size()), 0, opt.batch_size, opt.device.is_cuda(), opt.time_budget});
  });
  if (preset != provisional) config = config_from_options(inv, preset, resumed);
  if (!inv.args.has("lr")) opt.lr = resumed_rate ? *resumed_rate : dit_preset_lr(preset);
  opt.provenance = provenance(inv, {{"data", path}, {"vae_fingerprint", opt.vae_fingerprint}});
  detail("training on " + std::to_string(data.size()) + " latents of " + std::to_string(data.z.size(1)) + " x " +
         std::to_string(data.z.size(2)));
  note(train_prior(data, config, opt).summary());
  return 0;
}

}  // namespace scldm
