// A training set's cells left in their h5ad file and read by position: the
// out-of-core path of fit-vae, for data larger than memory. One scan at
// opening checks every cell and keeps what is small per cell (ids, labels,
// library sizes, the file row); read() fetches the counts of any cells.
#pragma once
#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/cell_set.hpp"
#include "io/h5ad_reader.hpp"
#include "util/indices.hpp"

namespace scldm {

class DiskCells {
 public:
  // The cells `where` selects (--where), without those with no counts; the
  // vocabulary is the file's genes.
  DiskCells(std::unique_ptr<H5adReader> reader, const std::vector<std::string>& where);
  size_t size() const { return rows_.size(); }
  const std::string& path() const { return path_; }
  // Vocabulary, labels, ids, codes and library sizes of every cell; no counts.
  const CellSet& meta() const { return meta_; }
  uint64_t stored_counts() const { return stored_; }
  // The cells at `positions` (ascending) with CellSet::origin set. Safe to
  // call from several threads (one read at a time). A file that changed
  // since the scan is an error naming it.
  CellSet read(const Indices& positions);
  // Every cell, as load_cells would give them (for a selection that fits memory).
  CellSet load_all();

 private:
  void scan(const std::vector<std::string>& where);
  void check_unchanged() const;
  void copy_cell(const CountBlock& block, size_t i, size_t position, CellSet& out) const;

  std::string path_;
  std::unique_ptr<H5adReader> reader_;
  CellSet meta_;
  std::vector<uint64_t> rows_;  // file row of each position
  std::vector<uint32_t> stored_per_cell_;  // counts of each position (to reserve memory)
  uint64_t max_span_ = 0;        // rows read at once (fewer for a dense matrix of many genes)
  uint64_t stored_ = 0;
  struct stat identity_ {};
  std::mutex mutex_;
};

}  // namespace scldm
