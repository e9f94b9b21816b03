// scldm fit-vae: train the VAE on counts.
#include <optional>

#include "cmd/common-model.hpp"
#include "io/checkpoint.hpp"
#include "io/disk_cells.hpp"
#include "io/open.hpp"
#include "util/text.hpp"
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

// The data's counts on disk when they exceed --memory and can be read by
// position (an h5ad file stored by cell); else null and they are loaded.
std::unique_ptr<DiskCells> cells_on_disk(const Invocation& inv, const std::string& path, uint64_t budget) {
  if (path == "-") return nullptr;
  OpenedInput in = open_input(path);
  if (in.format != FileFormat::h5ad || in.h5ad_path != path) return nullptr;  // streams, spooled FIFOs
  auto reader = open_h5ad(in, h5ad_options(inv));
  const uint64_t bytes = reader->matrix().stored * CellSet::kBytesPerCount;
  if (bytes <= budget || reader->matrix().encoding == "csc") return nullptr;
  note(path + ": its counts (about " + human_bytes(double(bytes)) + " in memory) exceed --memory " +
       inv.args.text("memory", cli::table_default) + ": reading them from disk during training");
  return std::make_unique<DiskCells>(std::move(reader), inv.args.all("where"));
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

uint64_t memory_budget(const Invocation& inv) {
  return parse_byte_size(inv.args.text("memory", cli::table_default)).value();  // checked when parsed
}

}  // namespace

int run_fit_vae(const Invocation& inv) {
  VaeConfig config = config_from_options(inv);
  VaeTrainOptions opt;
  read_training_options(inv, opt);
  std::string data_path = inv.input(0);
  opt.provenance = provenance(inv, {{"data", data_path}});
  const uint64_t budget = memory_budget(inv);
  // A resumed run keeps its data order (and reads from disk only in blocks).
  std::optional<OrderScheme> resumed;
  if (inv.args.has("resume")) resumed = checkpoint_order(read_checkpoint(opt.resume, false).meta, opt.resume);
  std::unique_ptr<DiskCells> disk = resumed && !resumed->blocked() ? nullptr : cells_on_disk(inv, data_path, budget);
  CellSet in_memory;
  if (!disk) {
    auto source = open_cells(inv, data_path);
    in_memory = load_cells(*source, {}, true);
  }
  const CellSet& meta = disk ? disk->meta() : in_memory;
  opt.order = resumed ? *resumed : disk ? disk_order(*disk, budget) : OrderScheme{};
  if (meta.skipped_empty) note(data_path + ": skipped " + std::to_string(meta.skipped_empty) + " cells without counts");
  detail("training on " + std::to_string(meta.size()) + " cells x " + std::to_string(meta.vocabulary.size()) + " genes");
  std::unique_ptr<TrainingCells> cells;
  if (disk) cells = std::make_unique<CellsOnDisk>(*disk);
  else cells = std::make_unique<CellsInMemory>(in_memory);
  note(train_vae(*cells, config, opt).summary());
  return 0;
}

}  // namespace scldm
