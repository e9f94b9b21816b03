// Text outputs for tools outside scldm: Matrix Market (cells x genes,
// integer coordinate) with .genes.tsv/.cells.tsv beside it, and dense TSV.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "io/cells.hpp"
#include "util/files.hpp"

namespace scldm {

class MtxWriter {
 public:
  // `out` receives the matrix; the entries are spooled to a temporary file
  // because the size line (cells, genes, entries) comes first.
  MtxWriter(ByteWriter& out, size_t n_genes);
  ~MtxWriter();
  void write(const CountBlock& block);
  void finish();

 private:
  ByteWriter& out_;
  size_t n_genes_;
  FILE* body_;
  uint64_t cells_ = 0, entries_ = 0;
};

// One line per cell: id, labels, then one column per gene.
class TsvWriter {
 public:
  TsvWriter(ByteWriter& out, const std::vector<std::string>& columns, const std::vector<LabelColumn>& labels);
  void write(const CountBlock& block, size_t n_genes);
  void write(const LatentBlock& block, size_t per_cell);

 private:
  void write_meta(const CellMetaBlock& block, size_t i);
  ByteWriter& out_;
  std::vector<LabelColumn> labels_;
  std::string line_;
};

// The cells table written beside a Matrix Market file: id and labels.
void write_cells_tsv(ByteWriter& out, const CellMetaBlock& block, const std::vector<LabelColumn>& labels);

}  // namespace scldm
