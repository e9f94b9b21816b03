// Pieces every training loop here shares: the fixed validation split, the
// per-epoch data order, the learning-rate schedule, optimizer state in a
// checkpoint, and the metrics log. Everything derives from (seed, step), so a
// resumed run continues exactly as an uninterrupted one.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/data_parallel.hpp"
#include "train/order.hpp"
#include "util/indices.hpp"

namespace scldm {

// What every training run takes (fit-vae and fit-prior share these options).
struct TrainingOptions {
  int64_t epochs = 10;
  int64_t max_steps = 0;  // 0: epochs decide
  bool epochs_given = false;  // --epochs given: it bounds a --time plan
  // --time: > 0 plans the steps so that the run ends this many seconds after
  // `started` (the schedule then is the one --max-steps N gives).
  double time_budget = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int64_t batch_size = 128;
  double lr = 1e-3;
  double val_fraction = 0.1;
  double clip = 10;
  uint64_t seed = 0;
  int64_t checkpoint_every = 0;
  int64_t stop_after = 0;  // > 0: stop at this step as an interruption would (tests)
  std::string output;      // best checkpoint; the last goes to <output minus .pt>.last.pt
  std::string resume;
  std::string log;  // TSV, or JSON lines when it ends in .jsonl
  torch::Device device = torch::kCPU;
  nlohmann::json provenance = nlohmann::json::object();
  // Data parallelism: the job this process is a rank of (null: one process).
  // batch_size is the global batch, which the ranks share.
  WorldSetup world;  // this process's rank, as the launcher's environment says
  std::shared_ptr<DataParallel> group;
  OrderScheme order;             // how epochs visit the cells (kept in checkpoints)
  nlohmann::json auto_choice;    // --preset auto: what it chose (kept in checkpoints); null otherwise
};

// A permutation of 0..n-1 from the seed; the first `fraction` validates.
void split_cells(size_t n, double fraction, uint64_t seed, Indices& train, Indices& val);

// One rank's share of an optimiser step's batch: the cells of the whole
// (global) batch and which of them this rank computes, every stride-th from
// `offset`. Randomness is drawn for the whole batch and the rank's rows taken,
// so that the ranks together see the draws of one process.
struct BatchSlice {
  Indices global;
  size_t offset = 0, stride = 1;
  bool whole() const { return offset == 0 && stride == 1; }
  size_t size() const { return offset < global.size() ? (global.size() - offset + stride - 1) / stride : 0; }
  // Part k of k_parts: every k_parts-th of this slice's cells from its k-th.
  BatchSlice part(size_t k, size_t k_parts) const { return {global, offset + k * stride, stride * k_parts}; }
  Indices cells() const;             // this rank's cells, in order
  torch::Tensor rows() const;        // their positions in `global` (int64)
  // `drawn`'s rows of this rank (all of it for the whole batch).
  torch::Tensor mine(const torch::Tensor& drawn) const { return whole() ? drawn : drawn.index_select(0, rows()); }
};

// The cells of each optimiser step: epoch e is epoch_plan(train, scheme,
// seed, e).order cut into batches of batch_size (the last one shorter).
class BatchOrder {
 public:
  BatchOrder(Indices train, uint64_t seed, int64_t batch_size, OrderScheme scheme = {});
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t batch_size() const { return batch_size_; }
  // Epoch `epoch`'s plan (computed afresh: safe from any thread).
  EpochPlan plan(int64_t epoch) const { return epoch_plan(train_, scheme_, seed_, epoch); }
  // Step `step`'s batch (the global batch of every data-parallel rank).
  Indices batch(int64_t step);

 private:
  Indices train_, order_;
  uint64_t seed_;
  int64_t batch_size_, steps_per_epoch_, epoch_ = -1;
  OrderScheme scheme_;
};

// The most steps whose training (step_seconds each) and epoch ends
// (validation and checkpoint, epoch_end_seconds each, one after every
// steps_per_epoch steps and after the last) fit in `seconds`; 0 if none.
int64_t steps_within(double seconds, double step_seconds, double epoch_end_seconds, int64_t steps_per_epoch);

// Learning rate at `step` of `total`: warm-up over the first 10 % from
// lr/100, constant, decay over the last 10 % to lr/10.
double wsd_learning_rate(double lr, int64_t step, int64_t total);
void set_learning_rate(torch::optim::AdamW& optimizer, double lr);

// <output minus .pt>.last.pt
std::string last_checkpoint_path(const std::string& output);

std::string optimizer_bytes(torch::optim::AdamW& optimizer);
// The optimizer state as the checkpoint blob "optimizer" (uint8).
void add_optimizer_state(struct CheckpointFile& ckpt, torch::optim::AdamW& optimizer);
void restore_optimizer(torch::optim::AdamW& optimizer, const std::string& bytes);

// Per-step and per-validation rows as TSV (the given columns), or as JSON
// lines when the path ends in .jsonl.
class MetricsLog {
 public:
  MetricsLog(const std::string& path, bool append, std::vector<std::string> columns);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void write(const nlohmann::json& row);

 private:
  void put(const std::string& line);
  std::string path_;
  FILE* file_ = nullptr;
  bool json_ = false;
  std::vector<std::string> columns_;
};

class Progress;

// After an optimiser step: the loss (a non-finite loss is an error
// suggesting a lower --lr), a log row (with `extra` columns), and the
// progress bar on a TTY.
void record_step(MetricsLog& log, Progress& progress, int64_t step, int64_t epoch, double lr, double loss, double grad_norm,
                 const char* loss_format, const nlohmann::json& extra = nlohmann::json::object());

}  // namespace scldm
