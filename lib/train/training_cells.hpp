// Where the VAE's training cells come from: memory (CellSet), or their h5ad
// file read during training (DiskCells, for data larger than memory). Either
// way a batch arrives as a small CellSet whose origin holds the cells'
// positions, so a cell's randomness, and thus training, does not depend on
// the store: the same order gives the same model from memory or from disk.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "io/cell_set.hpp"
#include "io/disk_cells.hpp"
#include "train/loop.hpp"

namespace scldm {

class TrainingCells {
 public:
  virtual ~TrainingCells() = default;
  // Vocabulary and label columns; ids, codes and library sizes of every cell.
  virtual const CellSet& meta() const = 0;
  size_t size() const { return meta().size(); }
  // Before the batch of `step`, the first of this run.
  virtual void start(const BatchOrder& /*order*/, int64_t /*step*/) {}
  // The cells of step `step`'s batch (positions), in that order.
  virtual CellSet batch(const Indices& cells, int64_t step) = 0;
  // `f(part, which)` on the cells (ascending positions) a part of at most
  // `part_cells` at a time, in order.
  using PartFunction = std::function<void(const CellSet&, const Indices&)>;
  virtual void for_each_part(const Indices& cells, size_t part_cells, const PartFunction& f) = 0;
};

class CellsInMemory : public TrainingCells {
 public:
  explicit CellsInMemory(const CellSet& data) : data_(data) {}
  const CellSet& meta() const override { return data_; }
  CellSet batch(const Indices& cells, int64_t step) override;
  void for_each_part(const Indices& cells, size_t part_cells, const PartFunction& f) override;

 private:
  const CellSet& data_;
};

// Reads the cells of the order's buffers (epoch_plan) on a background thread,
// one buffer ahead of the batches; holds at most four buffers (the one read,
// the one ready, and the one or two the current batch draws from).
class CellsOnDisk : public TrainingCells {
 public:
  explicit CellsOnDisk(DiskCells& disk) : disk_(disk) {}
  ~CellsOnDisk() override;
  const CellSet& meta() const override { return disk_.meta(); }
  void start(const BatchOrder& order, int64_t step) override;
  CellSet batch(const Indices& cells, int64_t step) override;
  void for_each_part(const Indices& cells, size_t part_cells, const PartFunction& f) override;

 private:
  struct Buffer {
    int64_t epoch = 0;
    size_t begin = 0, end = 0;  // its place in the epoch's order
    CellSet cells;              // positions ascending
  };
  void read_ahead(int64_t epoch, size_t from);
  Buffer take();
  bool find(uint64_t position, CellSet& out) const;

  DiskCells& disk_;
  std::optional<BatchOrder> order_;
  size_t train_cells_ = 0;
  std::deque<Buffer> held_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Buffer> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread reader_;
};

}  // namespace scldm
