// scldm fit-vae: train the VAE on counts.
#include <sys/stat.h>

#include <optional>

#include "cmd/common-model.hpp"
#include "io/checkpoint.hpp"
#include "io/disk_cells.hpp"
#include "io/open.hpp"
#include "io/select.hpp"
#include "util/text.hpp"
#include "spec/checkpoints.hpp"
#include "cmd/runners-model.hpp"
#include "train/vae_trainer.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

namespace {

// The preset's sizes, or with `preset` "" the checkpoint's of --resume; size
// options given override them (and must then agree with a resumed checkpoint).
VaeConfig config_from_options(const Invocation& inv, const std::string& preset) {
  VaeConfig c;
  const bool from_checkpoint = preset.empty();
  if (from_checkpoint) {
    std::string path = inv.args.text("resume");
    c = vae_description(read_checkpoint(path, false), path);
  } else {
    c = vae_preset(preset);
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
  if (inv.args.has("input-norm") || !from_checkpoint) c.input_norm = inv.args.text("input-norm", cli::table_default);
  c.validate();
  return c;
}

// Where the training cells live: on disk when an h5ad file stored by cell
// holds more counts than --memory (after --where), else in memory. Pipes and
// FIFOs are read once, into memory.
struct TrainingData {
  std::unique_ptr<DiskCells> disk;
  CellSet memory;
};

TrainingData training_data(const Invocation& inv, const std::vector<std::string>& paths, uint64_t budget,
                           bool may_read_from_disk) {
  TrainingData d;
  const std::vector<std::string> vocabulary = vocabulary_option(inv);
  if (paths.size() > 1 || !vocabulary.empty()) {
    d.memory = load_cells(*open_cells(inv, paths), vocabulary, true);
    return d;
  }
  const std::string& path = paths[0];
  struct stat st;
  const bool regular = path != "-" && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  OpenedInput in = regular && may_read_from_disk ? open_input(path) : OpenedInput{};
  if (in.format != FileFormat::h5ad) {
    d.memory = load_cells(*open_cells(inv, path), {}, true);
    return d;
  }
  auto reader = open_h5ad(in, h5ad_options(inv));
  const bool over = reader->matrix().stored * CellSet::kBytesPerCount > budget;
  if (!over || reader->matrix().encoding == "csc") {
    if (over) note(path + ": its counts exceed --memory but are stored by gene (CSC): loading them (convert to CSR to train from disk)");
    SelectedSource source(std::move(reader), inv.args.all("where"));
    d.memory = load_cells(source, {}, true);
    return d;
  }
  d.disk = std::make_unique<DiskCells>(std::move(reader), inv.args.all("where"));
  const uint64_t bytes = d.disk->stored_counts() * CellSet::kBytesPerCount;
  if (bytes <= budget) {  // --where kept few enough
    d.memory = d.disk->load_all();
    d.disk.reset();
    return d;
  }
  note(path + ": its counts (about " + human_bytes(double(bytes)) + " in memory) exceed --memory " +
       inv.args.text("memory", cli::table_default) + ": reading them from disk during training");
  return d;
}

// Blocks of contiguous cells, as many per buffer as a quarter of the budget
// holds (CellsOnDisk keeps up to four buffers).
OrderScheme disk_order(const DiskCells& disk, uint64_t budget) {
  const double bytes_per_cell = double(disk.stored_counts()) / double(disk.size()) * CellSet::kBytesPerCount + 64;
  OrderScheme s;
  s.block_cells = kOrderBlockCells;
  s.buffer_blocks = std::max<size_t>(1, size_t(double(budget) / 4 / (bytes_per_cell * double(s.block_cells))));
  return s;
}

// --lr not given: the resumed run's (`meta` of --resume), else the preset's.
double default_lr(const TrainingOptions& opt, const std::optional<nlohmann::json>& meta_of_resumed, const std::string& preset) {
  return meta_of_resumed ? resumed_lr(*meta_of_resumed, opt.resume) : vae_preset_lr(preset);
}

uint64_t memory_budget(const Invocation& inv) {
  return parse_byte_size(inv.args.text("memory", cli::table_default)).value();  // checked when parsed
}

}  // namespace

int run_fit_vae(const Invocation& inv) {
  VaeTrainOptions opt;
  read_training_options(inv, opt, 10);
  // A given --lr is checked before the data are read; the default waits for the preset.
  if (inv.args.has("lr")) opt.lr = inv.args.number_in("lr", opt.lr, 1e-12, 10);
  const std::string provisional = provisional_preset(inv);
  VaeConfig config = config_from_options(inv, provisional);  // usage errors before the data are read
  if (auto status = run_local_ranks(inv, opt)) return *status;
  join_data_parallel(inv, opt);
  opt.encode_shared_genes = inv.args.text("encoder-genes", cli::table_default) == "shared";
  const std::vector<std::string> paths = inv.inputs();
  const std::string data_path = joined_paths(paths);
  opt.provenance = provenance(inv, {{"data", data_path}});
  const uint64_t budget = memory_budget(inv);
  // A resumed run keeps its data order (and reads from disk only in blocks).
  std::optional<nlohmann::json> meta_of_resumed;
  std::optional<OrderScheme> resumed;
  if (inv.args.has("resume")) {
    meta_of_resumed = read_checkpoint(opt.resume, false).meta;
    resumed = checkpoint_order(*meta_of_resumed, opt.resume);
  }
  TrainingData data = training_data(inv, paths, budget, !resumed || resumed->blocked());
  const std::unique_ptr<DiskCells>& disk = data.disk;
  const CellSet& meta = disk ? disk->meta() : data.memory;
  opt.order = resumed ? *resumed : disk ? disk_order(*disk, budget) : OrderScheme{};
  if (meta.unmatched_genes) note(data_path + ": " + std::to_string(meta.unmatched_genes) + " genes are not in --genes (ignored)");
  note_panels(meta);
  if (meta.skipped_empty) note(data_path + ": skipped " + std::to_string(meta.skipped_empty) + " cells without counts");
  detail("training on " + std::to_string(meta.size()) + " cells x " + std::to_string(meta.vocabulary.size()) + " genes");
  const std::string preset = resolve_preset(inv, opt, [&] {
    return auto_vae_run({int64_t(meta.size()), int64_t(meta.vocabulary.size()), opt.batch_size, opt.device.is_cuda(), opt.time_budget});
  });
  if (preset != provisional) config = config_from_options(inv, preset);
  if (!inv.args.has("lr")) opt.lr = default_lr(opt, meta_of_resumed, preset);
  std::unique_ptr<TrainingCells> cells;
  if (disk) cells = std::make_unique<CellsOnDisk>(*disk);
  else cells = std::make_unique<CellsInMemory>(data.memory);
  note(train_vae(*cells, config, opt).summary());
  return 0;
}

}  // namespace scldm
