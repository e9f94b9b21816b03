// Cells held in memory for training and encoding, with genes mapped to a
// model's vocabulary (1-based; 0 is padding). CSR, so memory is the
// non-zeros, not cells x genes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/cells.hpp"

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
  uint64_t unmatched_genes = 0, skipped_empty = 0;
  size_t size() const { return ids.size(); }
  size_t expressed(size_t i) const { return size_t(indptr[i + 1] - indptr[i]); }
};

// Reads every cell of `source`. With an empty `vocabulary` the source's genes
// become the vocabulary; otherwise genes are matched by name and the
// unmatched ones dropped (zero matches is an error). skip_empty drops cells
// without counts on the vocabulary (training), else they are kept.
CellSet load_cells(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty);

}  // namespace scldm
