// The one training loop of fit-vae and fit-prior. A model plugs in as a
// TrainingTask (its loss, validation, checkpoint content); the loop owns the
// split, the data order, the optimiser and its schedule, divergence checks,
// the metrics log, resuming and the checkpoints:
//
// - NAME.last.pt is rewritten at every epoch end (and --checkpoint-every):
//   the weights, the optimiser state and step for --resume, and the best
//   weights so far ("best/..." blobs);
// - the output (-o) is written once, when the run ends, with the weights of
//   the best validation loss (the last ones without validation cells). A run
//   that fails or is interrupted leaves an existing output as it was.
//
// Everything that varies from step to step derives from (seed, step), so a
// resumed run continues exactly as an uninterrupted one.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "train/loop.hpp"

namespace scldm {

struct Validation {
  double loss = NAN;  // decides the best weights; NaN without validation cells
  nlohmann::json metrics = nlohmann::json::object();  // logged and stored in checkpoints
  std::string summary;  // printed after each epoch; "" for none
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual std::string kind() const = 0;      // checkpoint kind: "vae", "prior"
  virtual std::string best_key() const = 0;  // meta key of the best validation loss
  virtual std::vector<std::string> validation_columns() const = 0;  // of the metrics log
  virtual const char* loss_format() const = 0;  // progress bar, e.g. "loss %.1f"
  // Called once the cells are split, before anything else.
  virtual void prepare(const Indices& train, const Indices& val) = 0;
  // Called before the first step of this run, `step` (after a resume: the
  // checkpoint's), with the order every batch comes from.
  virtual void start(const class BatchOrder& /*order*/, int64_t /*step*/) {}
  virtual std::vector<torch::Tensor> parameters() = 0;
  virtual torch::optim::AdamWOptions optimizer_options(double lr) const = 0;
  // Cells per part of a step on the CPU: parts run in parallel, each on one
  // thread (bench/RESULTS.md, "Parts of a step"); smaller parts parallelise
  // more, larger ones waste less per operation.
  virtual size_t part_cells() const { return 32; }
  // Before the losses of step `step`: this rank's share of its batch.
  virtual void begin_step(const BatchSlice& /*mine*/, int64_t /*step*/) {}
  // The training loss at `step`: the mean over the slice's cells, a part of
  // this rank's share (all randomness from the seed and step, drawn for the
  // whole batch). On the CPU parts run concurrently, one per thread.
  virtual torch::Tensor loss(const BatchSlice& part, int64_t step) = 0;
  virtual void after_step(int64_t /*step*/) {}
  // With data parallelism every rank calls it with all validation cells,
  // computes its share and sums or gathers over the ranks (the same result
  // on every rank).
  virtual Validation validate(const Indices& val) = 0;
  // Seconds one validation takes (planning --time): by default, one timed.
  virtual double validation_seconds(const Indices& val);
  // The model's description (configuration, vocabulary, ...) into `meta`.
  virtual void describe(nlohmann::json& meta) const = 0;
  // The weights as blobs "param/..." (and "ema/...").
  virtual std::vector<Blob> weights() = 0;
  // Refuses a checkpoint of another model or data; loads its weights.
  virtual void restore(const CheckpointFile& ck, const std::string& path) = 0;
  virtual std::string fingerprint(const CheckpointFile& ck) const = 0;
};

struct TrainingResult {
  int64_t steps = 0;
  int64_t best_step = 0;
  double best_val_loss = NAN;
  Validation last;
  std::string best_path, last_path;
  bool wrote_best = false, wrote_last = false;
  // "wrote vae.pt (best of step 40) and vae.last.pt (step 50)", or what was not written.
  std::string summary() const;
};

TrainingResult run_training(TrainingTask& task, size_t n_cells, const TrainingOptions& options);

}  // namespace scldm
