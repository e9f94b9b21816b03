#include "train/training_cells.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace scldm {

CellSet CellsInMemory::batch(const Indices& cells, int64_t) { return data_.subset(cells); }

void CellsInMemory::for_each_part(const Indices& cells, size_t part_cells, const PartFunction& f) {
  for (size_t first = 0; first < cells.size(); first += part_cells)
    f(data_, Indices(cells.begin() + long(first), cells.begin() + long(std::min(cells.size(), first + part_cells))));
}

CellsOnDisk::~CellsOnDisk() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void CellsOnDisk::start(const BatchOrder& order, int64_t step) {
  order_.emplace(order);
  const int64_t epoch = step / order.steps_per_epoch();
  train_cells_ = order.plan(epoch).order.size();
  const size_t from = size_t(step % order.steps_per_epoch()) * size_t(order.batch_size());
  reader_ = std::thread([this, epoch, from] {
    try {
      read_ahead(epoch, from);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      changed_.notify_all();
    }
  });
}

// The reading thread: every buffer from the one holding position `from` of
// `epoch` on, until stopped.
void CellsOnDisk::read_ahead(int64_t epoch, size_t from) {
  for (;; ++epoch) {
    EpochPlan plan = order_->plan(epoch);
    for (size_t j = 0, begin = 0; j < plan.buffer_end.size(); begin = plan.buffer_end[j++]) {
      if (plan.buffer_end[j] <= from) continue;
      Indices positions(plan.order.begin() + long(begin), plan.order.begin() + long(plan.buffer_end[j]));
      std::sort(positions.begin(), positions.end());
      Buffer b{epoch, begin, plan.buffer_end[j], disk_.read(positions)};
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || !ready_; });
      if (stop_) return;
      ready_ = std::move(b);
      changed_.notify_all();
    }
    from = 0;
  }
}

CellsOnDisk::Buffer CellsOnDisk::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_ || error_; });
  if (error_) std::rethrow_exception(error_);
  Buffer b = std::move(*ready_);
  ready_.reset();
  changed_.notify_all();
  return b;
}

bool CellsOnDisk::find(uint64_t position, CellSet& out) const {
  for (const Buffer& b : held_) {
    auto it = std::lower_bound(b.cells.origin.begin(), b.cells.origin.end(), position);
    if (it != b.cells.origin.end() && *it == position) {
      out.append_cell(b.cells, size_t(it - b.cells.origin.begin()));
      return true;
    }
  }
  return false;
}

CellSet CellsOnDisk::batch(const Indices& cells, int64_t step) {
  if (!order_) throw Error("internal: CellsOnDisk::batch before start");
  const int64_t epoch = step / order_->steps_per_epoch();
  const size_t first = size_t(step % order_->steps_per_epoch()) * size_t(order_->batch_size());
  const size_t last = std::min(train_cells_, first + size_t(order_->batch_size()));
  auto behind = [&](const Buffer& b) { return b.epoch < epoch || (b.epoch == epoch && b.end <= first); };
  while (!held_.empty() && behind(held_.front())) held_.pop_front();
  while (held_.empty() || held_.back().epoch < epoch || (held_.back().epoch == epoch && held_.back().end < last)) {
    held_.push_back(take());
    while (!held_.empty() && behind(held_.front())) held_.pop_front();
  }
  CellSet out = disk_.meta().empty_like();
  for (size_t c : cells)
    if (!find(c, out)) throw Error("internal: cell " + std::to_string(c) + " of step " + std::to_string(step) + " is in no buffer read");
  return out;
}

void CellsOnDisk::for_each_part(const Indices& cells, size_t part_cells, const PartFunction& f) {
  Indices sorted = cells;
  std::sort(sorted.begin(), sorted.end());
  for (size_t first = 0; first < sorted.size(); first += part_cells) {
    CellSet part = disk_.read(Indices(sorted.begin() + long(first), sorted.begin() + long(std::min(sorted.size(), first + part_cells))));
    f(part, iota_indices(part.size()));
  }
}

}  // namespace scldm
