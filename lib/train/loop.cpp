#include "train/loop.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "io/checkpoint.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

void split_cells(size_t n, double fraction, uint64_t seed, Indices& train, Indices& val) {
  split_permutation(n, fraction, mix_seed(seed, 0x5EED), true, train, val);
  std::sort(val.begin(), val.end());
}

BatchOrder::BatchOrder(Indices train, uint64_t seed, int64_t batch_size, OrderScheme scheme)
    : train_(std::move(train)),
      seed_(seed),
      batch_size_(batch_size),
      steps_per_epoch_(int64_t((train_.size() + size_t(batch_size) - 1) / size_t(batch_size))),
      scheme_(scheme) {}

Indices BatchSlice::cells() const {
  Indices out;
  for (size_t i = offset; i < global.size(); i += stride) out.push_back(global[i]);
  return out;
}

torch::Tensor BatchSlice::rows() const {
  return torch::arange(int64_t(offset), int64_t(global.size()), int64_t(stride), torch::kInt64);
}

Indices BatchOrder::batch(int64_t step) {
  int64_t epoch = step / steps_per_epoch_, pos = step % steps_per_epoch_;
  if (epoch != epoch_) {
    order_ = plan(epoch).order;
    epoch_ = epoch;
  }
  size_t begin = size_t(pos * batch_size_), end = std::min(order_.size(), begin + size_t(batch_size_));
  return Indices(order_.begin() + long(begin), order_.begin() + long(end));
}

int64_t steps_within(double seconds, double step_seconds, double epoch_end_seconds, int64_t steps_per_epoch) {
  auto cost = [&](int64_t n) { return double(n) * step_seconds + double((n + steps_per_epoch - 1) / steps_per_epoch) * epoch_end_seconds; };
  const double per_step = step_seconds + epoch_end_seconds / double(steps_per_epoch);
  int64_t n = per_step > 0 ? int64_t(std::min(seconds / per_step, 1e15)) + 1 : 0;
  while (n > 0 && cost(n) > seconds) --n;
  return n;
}

double wsd_learning_rate(double lr, int64_t step, int64_t total) {
  int64_t phase = std::max<int64_t>(1, total / 10);
  if (step < phase) return lr / 100 + (lr - lr / 100) * double(step) / double(phase);
  int64_t decay_start = total - phase;
  if (step < decay_start) return lr;
  double f = double(step - decay_start) / double(phase);
  return lr + (lr / 10 - lr) * std::min(1.0, f);
}

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

std::string last_checkpoint_path(const std::string& output) {
  std::string base = ends_with(output, ".pt") ? output.substr(0, output.size() - 3) : output;
  return base + ".last.pt";
}

std::string optimizer_bytes(torch::optim::AdamW& opt) {
  torch::serialize::OutputArchive ar;
  opt.save(ar);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

void add_optimizer_state(CheckpointFile& ckpt, torch::optim::AdamW& optimizer) {
  Blob b{"optimizer", "uint8", {}, optimizer_bytes(optimizer)};
  b.shape = {int64_t(b.bytes.size())};
  ckpt.blobs.push_back(std::move(b));
}

void restore_optimizer(torch::optim::AdamW& opt, const std::string& bytes) {
  torch::serialize::InputArchive ar;
  std::istringstream is(bytes);
  ar.load_from(is);
  opt.load(ar);
}

MetricsLog::MetricsLog(const std::string& path, bool append, std::vector<std::string> columns)
    : columns_(std::move(columns)) {
  if (path.empty()) return;
  json_ = ends_with(path, ".jsonl");
  // A resumed run appends under the log's own header (a resume at another
  // world size has one column more or fewer).
  if (append && !json_) {
    std::ifstream in(path);
    std::string header;
    if (std::getline(in, header) && !header.empty()) columns_ = split(header, '\t');
    else append = false;
  }
  file_ = fopen(path.c_str(), append ? "a" : "w");
  if (!file_) fail(path, "cannot write the log");
  path_ = path;
  if (!json_ && !append) put(join(columns_, "\t"));
}

void MetricsLog::put(const std::string& line) {
  if (fprintf(file_, "%s\n", line.c_str()) < 0 || fflush(file_) != 0) fail(path_, "write error on the log");
}

MetricsLog::~MetricsLog() {
  if (file_) fclose(file_);  // every line was flushed and checked by put()
}

void MetricsLog::write(const nlohmann::json& row) {
  if (!file_) return;
  if (json_) return put(row.dump());
  std::vector<std::string> cells;
  for (auto& key : columns_)
    cells.push_back(!row.contains(key) ? "" : row[key].is_string() ? row[key].get<std::string>() : row[key].dump());
  put(join(cells, "\t"));
}

void record_step(MetricsLog& log, Progress& progress, int64_t step, int64_t epoch, double lr, double value, double grad_norm,
                 const char* loss_format, const nlohmann::json& extra) {
  if (!std::isfinite(value))
    throw Error("training diverged at step " + std::to_string(step) + " (loss is not finite); try a lower --lr");
  nlohmann::json row{{"step", step}, {"epoch", epoch}, {"kind", "train"}, {"lr", lr}, {"loss", value}, {"grad_norm", grad_norm}};
  row.update(extra);
  log.write(row);
  if (stderr_is_terminal()) {
    char status[64];
    snprintf(status, sizeof status, loss_format, value);
    progress.update(uint64_t(step), status);
  }
}

}  // namespace scldm
