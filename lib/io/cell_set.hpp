// Cells held in memory for training and encoding, with genes mapped to a
// model's vocabulary (1-based; 0 is padding). CSR, so memory is the
// non-zeros, not cells x genes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/cells.hpp"
#include "io/panels.hpp"

namespace scldm {

struct CellSet {
  std::vector<std::string> vocabulary;  // gene names; vocabulary[i] is index i + 1
  std::vector<LabelColumn> labels;
  std::vector<std::string> ids;
  std::vector<std::vector<int32_t>> codes;  // [column][cell]
  std::vector<double> library_size;  // total count over the vocabulary's genes
  std::vector<uint64_t> indptr{0};
  std::vector<int64_t> genes;  // vocabulary indices
  std::vector<float> counts;
  // The position of each cell in the whole data set, when this holds a part
  // of it (a chunk read in turn, a training batch read from disk): per-cell
  // randomness derives from it, so a cell's result does not depend on which
  // part it came in. Empty: cell i is cell i of the data.
  std::vector<uint64_t> origin;
  // Which vocabulary genes each cell's file measured; null: all of them.
  std::shared_ptr<const GenePanels> panels;
  uint64_t unmatched_genes = 0, skipped_empty = 0;
  size_t size() const { return ids.size(); }
  size_t expressed(size_t i) const { return size_t(indptr[i + 1] - indptr[i]); }
  uint64_t position(size_t i) const { return origin.empty() ? i : origin[i]; }
  size_t panel(size_t i) const { return panels->label_column < 0 ? 0 : size_t(codes[size_t(panels->label_column)][i]); }
  // An empty set with the same vocabulary and label columns.
  CellSet empty_like() const;
  // Appends cell i of `other` (same vocabulary and label columns).
  void append_cell(const CellSet& other, size_t i);
  // The cells at these indices, in that order, with their positions as origin.
  CellSet subset(const std::vector<size_t>& which) const;
  // Bytes held per stored count (gene index and count), for memory budgets.
  static constexpr size_t kBytesPerCount = sizeof(int64_t) + sizeof(float);
};

// Reads the cells of `source` in turn, genes mapped to a vocabulary: with an
// empty `vocabulary` the source's genes become it; otherwise genes are
// matched by name and the unmatched ones dropped (zero matches is an error).
// Vocabulary genes a file lacks are recorded as not measured (CellSet::panels).
// skip_empty drops cells without counts on the vocabulary (training), else
// they are kept. Positions (CellSet::origin) count the cells it yields.
class CellReader {
 public:
  CellReader(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty);
  // The next up to `max_cells` cells into `chunk` (replaced); false when
  // none are left. Reserves room for the counts and cells expected.
  bool next(CellSet& chunk, size_t max_cells, uint64_t reserve_counts = 0, uint64_t reserve_cells = 0);
  const CellSet& shape() const { return shape_; }  // vocabulary, labels, the counts so far
  CountSource& source() { return source_; }

 private:
  bool take(CellSet& chunk, size_t i);
  void find_panels(const CountSchema& schema);
  CountSource& source_;
  bool skip_empty_;
  CellSet shape_;
  std::vector<int64_t> map_;  // source column -> vocabulary index (0: unmatched)
  CountBlock block_;
  size_t in_block_ = 0;
  uint64_t yielded_ = 0;
  bool done_ = false;
};

// Reads every cell of `source` (CellReader's rules); no cells is an error.
CellSet load_cells(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty);

}  // namespace scldm
