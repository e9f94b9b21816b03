// The real and generated cells of `scldm eval --generated`, read from their
// files in passes on their shared genes: every cell's labels, chunks for the
// PCA, and only the cells a comparison uses. Memory does not grow with the
// number of cells.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/generation.hpp"
#include "io/cell_set.hpp"
#include "io/open.hpp"

namespace scldm {

class EvalFiles {
 public:
  // `where` selects real cells (--where); the generated cells are all used.
  EvalFiles(const std::string& real, const H5adOptions& real_options, std::vector<std::string> where, const std::string& generated);
  const std::vector<std::string>& shared_genes() const { return shared_; }
  const CellSet& labels(bool generated) const { return generated ? gen_labels_ : real_labels_; }
  // A fresh source of one side's counts (for a pass with another vocabulary).
  std::unique_ptr<CountSource> open(bool generated) const;
  CellPass pass(bool generated) const;
  // The cells at `positions` (ascending), on the shared genes.
  CellSet load(bool generated, const std::vector<size_t>& positions) const;
  GenerationInputs inputs() const;

 private:
  CellSet read_labels(bool generated) const;
  ReopenableCounts real_, gen_;
  std::vector<std::string> where_, shared_;
  CellSet real_labels_, gen_labels_;
};

}  // namespace scldm
