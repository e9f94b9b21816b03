#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "model/cell_blocks.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {
namespace {

constexpr const char* kBestPrefix = "best/";

// The state the loop keeps across steps, saved in NAME.last.pt.
struct LoopState {
  int64_t step = 0, best_step = 0;
  double best = INFINITY;
  nlohmann::json best_metrics = nlohmann::json::object();
  std::vector<Blob> best_weights;  // named "param/...", "ema/..."
  Validation last;
};

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class Loop {
 public:
  Loop(TrainingTask& task, size_t n_cells, const TrainingOptions& opt) : task_(task), opt_(opt), n_cells_(n_cells) {}

  TrainingResult run();

 private:
  CheckpointFile checkpoint(int64_t step, const nlohmann::json& metrics, std::vector<Blob> weights, double best) const;
  void save_last(torch::optim::AdamW& optimizer);
  void write_output();
  void resume(torch::optim::AdamW& optimizer);
  void end_epoch(MetricsLog& log, int64_t epoch);
  BatchSlice slice(BatchOrder& batches, int64_t step) const;
  double step_gradients(const BatchSlice& slice, int64_t step);
  double whole_gradients(const BatchSlice& slice, int64_t step, double weight);
  double part_gradients(const BatchSlice& slice, int64_t step);
  double time_step(BatchOrder& batches, torch::optim::AdamW& optimizer);
  void plan_steps(BatchOrder& batches, torch::optim::AdamW& optimizer);
  [[noreturn]] void diverged(const std::string& why) const;
  int rank() const { return opt_.group ? opt_.group->rank() : 0; }

  TrainingTask& task_;
  const TrainingOptions& opt_;
  size_t n_cells_;
  Indices train_, val_;
  int64_t total_ = 0, steps_per_epoch_ = 1;
  nlohmann::json plan_;  // --time: how the steps were planned (kept in checkpoints)
  LoopState s_;
  TrainingResult result_;
};

CheckpointFile Loop::checkpoint(int64_t step, const nlohmann::json& metrics, std::vector<Blob> weights, double best) const {
  CheckpointFile ck;
  task_.describe(ck.meta);
  ck.meta["kind"] = task_.kind();
  ck.meta["step"] = step;
  ck.meta["epoch"] = double(step) / double(steps_per_epoch_);
  ck.meta["total_steps"] = total_;
  ck.meta[task_.best_key()] = number_or_null(best);
  ck.meta["metrics"] = metrics;
  ck.meta["training"] = {{"seed", opt_.seed},       {"batch_size", opt_.batch_size}, {"lr", opt_.lr},
                         {"val_fraction", opt_.val_fraction}, {"cells", n_cells_},  {"train_cells", train_.size()},
                         {"val_cells", val_.size()}, {"order", opt_.order.to_json()}};
  if (!plan_.is_null()) ck.meta["training"]["time"] = plan_;
  if (!opt_.auto_choice.is_null()) ck.meta["training"]["auto"] = opt_.auto_choice;
  if (opt_.group)
    ck.meta["training"]["data_parallel"] = {{"world_size", opt_.group->size()}, {"backend", opt_.group->backend()}};
  ck.meta["provenance"] = opt_.provenance;
  ck.blobs = std::move(weights);
  ck.meta["fingerprint"] = task_.fingerprint(ck);
  return ck;
}

void Loop::save_last(torch::optim::AdamW& optimizer) {
  if (rank() != 0) return;
  CheckpointFile ck = checkpoint(s_.step, s_.last.metrics, task_.weights(), s_.best);
  ck.meta["best_step"] = s_.best_step;
  ck.meta["best_metrics"] = s_.best_metrics;
  for (auto b : s_.best_weights) {
    b.name = kBestPrefix + b.name;
    ck.blobs.push_back(std::move(b));
  }
  add_optimizer_state(ck, optimizer);
  write_checkpoint(result_.last_path, ck);
  result_.wrote_last = true;
}

void Loop::write_output() {
  if (rank() != 0) return;
  // Without validation (or before the first one) the best weights are the last.
  bool have_best = !s_.best_weights.empty();
  CheckpointFile ck = checkpoint(have_best ? s_.best_step : s_.step, have_best ? s_.best_metrics : s_.last.metrics,
                                 have_best ? s_.best_weights : task_.weights(), s_.best);
  write_checkpoint(opt_.output, ck);
  result_.wrote_best = true;
  result_.best_step = have_best ? s_.best_step : s_.step;
}

void Loop::resume(torch::optim::AdamW& optimizer) {
  const std::string& path = opt_.resume;
  CheckpointFile ck = read_checkpoint(path);
  std::string kind = json_string(ck.meta, "kind", "?");
  if (kind != task_.kind())
    fail(path, "is a checkpoint of kind '" + kind + "', not a " + task_.kind() + " to resume");
  const Blob* ob = ck.find("optimizer");
  if (!ob) fail(path, "holds no optimizer state (resume from NAME.last.pt, not the final checkpoint)");
  task_.restore(ck, path);
  try {
    restore_optimizer(optimizer, ob->bytes);
  } catch (const std::exception&) {
    fail(path, "its optimizer state is corrupt or belongs to another model");
  }
  try {
    s_.step = ck.meta.at("step").get<int64_t>();
    const auto& best = ck.meta.at(task_.best_key());
    s_.best = best.is_number() ? best.get<double>() : INFINITY;  // null: no validation yet
    s_.best_step = ck.meta.value("best_step", int64_t(0));
    s_.best_metrics = ck.meta.value("best_metrics", nlohmann::json::object());
    s_.last.metrics = ck.meta.value("metrics", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad training state (" + json_problem(e) + ")");
  }
  if (s_.step < 0) fail(path, "bad training state (negative step)");
  // A run planned by --time keeps its plan (its schedule ends at that step).
  if (ck.meta.contains("training") && ck.meta["training"].contains("time")) {
    plan_ = ck.meta["training"]["time"];
    total_ = ck.meta.value("total_steps", total_);
    note("keeping the plan of " + path + ": " + std::to_string(total_) + " steps");
  } else if (opt_.time_budget > 0) {
    throw UsageError("--time plans a run from its start; " + path + " was not planned with --time");
  }
  if (checkpoint_order(ck.meta, path).to_json() != opt_.order.to_json())
    fail(path, "was trained with another data order than this run's (" + checkpoint_order(ck.meta, path).to_json().dump() + ")");
  for (auto& b : ck.blobs)
    if (b.name.rfind(kBestPrefix, 0) == 0) {
      Blob w = b;
      w.name = b.name.substr(std::string(kBestPrefix).size());
      s_.best_weights.push_back(std::move(w));
    }
  if (s_.step > total_)
    throw UsageError("--resume: " + path + " is at step " + std::to_string(s_.step) + ", beyond the " +
                     std::to_string(total_) + " steps of this run (--epochs/--max-steps)");
  note("resuming " + path + " at step " + std::to_string(s_.step) + " of " + std::to_string(total_));
}

void Loop::diverged(const std::string& why) const {
  std::string where = result_.wrote_last ? "; the last good state is in " + result_.last_path : "";
  throw Error("training diverged at step " + std::to_string(s_.step) + " (" + why + "); try a lower --lr" + where);
}

void Loop::end_epoch(MetricsLog& log, int64_t epoch) {
  s_.last = task_.validate(val_);
  nlohmann::json row = s_.last.metrics;
  row["step"] = s_.step;
  row["epoch"] = epoch;
  row["kind"] = "val";
  log.write(row);
  if (!val_.empty() && !std::isfinite(s_.last.loss)) diverged("the validation loss is not finite");
  if (!s_.last.summary.empty()) note("epoch " + std::to_string(epoch + 1) + ": " + s_.last.summary);
  if (val_.empty() || s_.last.loss < s_.best) {
    if (!val_.empty()) s_.best = s_.last.loss;
    s_.best_step = s_.step;
    s_.best_metrics = s_.last.metrics;
    s_.best_weights = task_.weights();
  }
}

// This rank's share of step `step`'s batch.
BatchSlice Loop::slice(BatchOrder& batches, int64_t step) const {
  BatchSlice b{batches.batch(step)};
  if (opt_.group) b.offset = size_t(opt_.group->rank()), b.stride = size_t(opt_.group->size());
  return b;
}

// The gradients of the batch's mean loss (summed over the ranks, each rank's
// mean weighted by its share of the batch); returns that loss.
double Loop::step_gradients(const BatchSlice& slice, int64_t step) {
  const size_t n = slice.size();
  double loss = 0;  // a rank may get no cell of a batch shorter than the ranks
  if (n > 0) {
    task_.begin_step(slice, step);
    const double weight = double(n) / double(slice.global.size());
    loss = opt_.device.is_cuda() ? whole_gradients(slice, step, weight) : part_gradients(slice, step);
  }
  if (!opt_.group) return loss;
  return sum_gradients(*opt_.group, task_.parameters(), {loss})[0];
}

double Loop::whole_gradients(const BatchSlice& slice, int64_t step, double weight) {
  auto loss = task_.loss(slice, step);
  if (weight != 1) loss = loss * weight;
  loss.backward();
  return loss.item<double>();
}

// On the CPU a rank's share runs as parts of about task_.part_cells() cells
// (every K-th cell, K from the share's size alone), each on one thread with
// single-threaded kernels, their gradients summed in part order: the
// arithmetic is the same for any -@, and threads run whole forward and
// backward passes rather than splitting small kernels (faster: bench/RESULTS.md).
// Parts run in rounds of one per thread, each round's gradients added in
// order and freed, so memory holds a round's, not every part's.
double Loop::part_gradients(const BatchSlice& slice, int64_t step) {
  const size_t per_part = task_.part_cells(), parts = std::max<size_t>(1, (slice.size() + per_part / 2) / per_part);
  const size_t round = size_t(std::max(1, at::get_num_threads()));
  const double batch = double(slice.global.size());
  std::vector<torch::Tensor> params = task_.parameters(), sums(params.size());
  double loss = 0;
  for (size_t first = 0; first < parts; first += round) {
    const size_t n = std::min(round, parts - first);
    std::vector<std::vector<torch::Tensor>> grads(n);
    std::vector<double> losses(n);
    for_each_single_threaded(int64_t(n), [&](int64_t r) {
      const BatchSlice part = slice.part(first + size_t(r), parts);
      auto part_loss = task_.loss(part, step) * (double(part.size()) / batch);
      grads[size_t(r)] = torch::autograd::grad({part_loss}, params, {}, false, false, true);
      losses[size_t(r)] = part_loss.item<double>();
    });
    torch::NoGradGuard no_grad;
    for (size_t r = 0; r < n; ++r) {
      loss += losses[r];
      for (size_t i = 0; i < params.size(); ++i)  // a tensor of its own: autograd's may be views
        if (grads[r][i].defined()) sums[i] = sums[i].defined() ? sums[i].add_(grads[r][i]) : grads[r][i].clone();
    }
  }
  // The step starts from zeroed gradients (zero_grad): the sum replaces them.
  for (size_t i = 0; i < params.size(); ++i)
    if (sums[i].defined()) params[i].mutable_grad() = sums[i];
  return loss;
}

// Step 0's loss and gradients, timed and discarded (the model, the optimiser
// and the data are as before): the mean of three after a first warm-up (the
// mean, not the fastest: steps on a shared machine take what they take).
double Loop::time_step(BatchOrder& batches, torch::optim::AdamW& optimizer) {
  const BatchSlice batch = slice(batches, 0);
  double total = 0;
  for (int k = 0; k < 4; ++k) {
    auto t = std::chrono::steady_clock::now();
    optimizer.zero_grad();
    step_gradients(batch, 0);
    torch::nn::utils::clip_grad_norm_(task_.parameters(), opt_.clip);
    if (k > 0) total += seconds_since(t);
  }
  // The optimiser's step, timed on copies of the parameters and gradients
  // (twice as long: the prior's EMA update does about as much again).
  std::vector<torch::Tensor> copies;
  for (auto& p : task_.parameters()) {
    torch::NoGradGuard no_grad;
    copies.push_back(p.detach().clone().requires_grad_(true));
    copies.back().mutable_grad() = p.grad().defined() ? p.grad().clone() : torch::zeros_like(p);
  }
  torch::optim::AdamW throwaway(copies, task_.optimizer_options(opt_.lr));
  throwaway.step();  // creates the moment buffers
  auto t = std::chrono::steady_clock::now();
  throwaway.step();
  const double update = 2 * seconds_since(t);
  optimizer.zero_grad();
  return total / 3 + update;
}

// --time: as many steps as the time left holds, from the measured step and
// validation times; the run is then the one --max-steps N gives.
void Loop::plan_steps(BatchOrder& batches, torch::optim::AdamW& optimizer) {
  double step = time_step(batches, optimizer), validation = val_.empty() ? 0 : task_.validation_seconds(val_);
  // 3 % kept for what the probes miss (optimiser steps, checkpoints, the last output).
  double left = 0.97 * (opt_.time_budget - seconds_since(opt_.started));
  if (opt_.group) {  // one plan for all ranks: the slowest's speed, the least time left
    for (const auto& r : opt_.group->gather({step, validation, left}))
      step = std::max(step, r[0]), validation = std::max(validation, r[1]), left = std::min(left, r[2]);
  }
  int64_t steps = steps_within(left, step, validation, steps_per_epoch_);
  if (opt_.epochs_given) steps = std::min(steps, opt_.epochs * steps_per_epoch_);
  if (steps < 1) {
    warn("--time leaves no room for a step and its validation here (" + std::to_string(step) + " s + " + std::to_string(validation) + " s): training one step");
    steps = 1;
  }
  total_ = steps;
  plan_ = {{"budget_s", opt_.time_budget}, {"step_s", step}, {"validation_s", validation}, {"steps", steps}};
  char text[256];
  snprintf(text, sizeof text, "--time: %.3g s per step, %.3g s per validation: %lld steps (%.3g epochs); --max-steps %lld repeats this run",
           step, validation, (long long)steps, double(steps) / double(steps_per_epoch_), (long long)steps);
  note(text);
}

TrainingResult Loop::run() {
  split_cells(n_cells_, opt_.val_fraction, opt_.seed, train_, val_);
  if (train_.empty()) throw Error("no training cells left after the validation split");
  task_.prepare(train_, val_);
  BatchOrder batches(train_, opt_.seed, opt_.batch_size, opt_.order);
  steps_per_epoch_ = batches.steps_per_epoch();
  total_ = opt_.max_steps > 0 ? opt_.max_steps : opt_.epochs * steps_per_epoch_;
  result_.best_path = opt_.output;
  result_.last_path = last_checkpoint_path(opt_.output);

  torch::optim::AdamW optimizer(task_.parameters(), task_.optimizer_options(opt_.lr));
  if (!opt_.resume.empty()) resume(optimizer);
  std::vector<std::string> columns{"step", "epoch", "kind", "lr", "loss", "grad_norm"};
  for (auto& c : task_.validation_columns()) columns.push_back(c);
  if (opt_.group) columns.push_back("allreduce_s");
  MetricsLog log(rank() == 0 ? opt_.log : "", !opt_.resume.empty(), columns);
  task_.start(batches, s_.step);
  if (opt_.time_budget > 0 && opt_.resume.empty()) plan_steps(batches, optimizer);

  Progress progress("training", uint64_t(total_));
  bool interrupted = false;
  while (s_.step < total_) {
    const int64_t epoch = s_.step / steps_per_epoch_;
    const double lr = wsd_learning_rate(opt_.lr, s_.step, total_);
    set_learning_rate(optimizer, lr);
    optimizer.zero_grad();
    const double loss = step_gradients(slice(batches, s_.step), s_.step);
    double grad_norm = torch::nn::utils::clip_grad_norm_(task_.parameters(), opt_.clip);
    if (!std::isfinite(grad_norm)) diverged("the gradients are not finite");
    optimizer.step();
    task_.after_step(s_.step);
    ++s_.step;
    nlohmann::json extra = nlohmann::json::object();
    if (opt_.group) extra["allreduce_s"] = opt_.group->take_seconds();
    record_step(log, progress, s_.step, epoch, lr, loss, grad_norm, task_.loss_format(), extra);
    if (s_.step % steps_per_epoch_ == 0 || s_.step == total_) {
      progress.finish();
      end_epoch(log, epoch);
      save_last(optimizer);
    } else if ((opt_.checkpoint_every > 0 && s_.step % opt_.checkpoint_every == 0) || s_.step == opt_.stop_after) {
      save_last(optimizer);
    }
    if (s_.step == opt_.stop_after) {
      interrupted = true;
      break;
    }
  }
  progress.finish();
  if (!interrupted) write_output();
  result_.steps = s_.step;
  result_.best_val_loss = s_.best;
  result_.last = s_.last;
  return result_;
}

}  // namespace

std::string TrainingResult::summary() const {
  std::string s;
  if (wrote_best) s = "wrote " + best_path + " (weights of step " + std::to_string(best_step) + ")";
  if (wrote_last) s += (s.empty() ? "wrote " : " and ") + last_path + " (step " + std::to_string(steps) + ", for --resume)";
  if (s.empty()) return "nothing to train: the checkpoint is already at step " + std::to_string(steps);
  return s;
}

double TrainingTask::validation_seconds(const Indices& val) {
  auto t = std::chrono::steady_clock::now();
  validate(val);
  return seconds_since(t);
}

TrainingResult run_training(TrainingTask& task, size_t n_cells, const TrainingOptions& options) {
  return Loop(task, n_cells, options).run();
}

}  // namespace scldm
