// Text outputs for tools outside scldm: Matrix Market (cells x genes,
// integer coordinate) with .genes.tsv/.cells.tsv beside it, and dense TSV.
// Fields holding a tab, a line end or a double quote are quoted the way
// pandas, R and spreadsheet tools read them ("a""b"), so any label, cell id
// or gene name survives the round trip.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "io/cells.hpp"
#include "util/bytes.hpp"

namespace scldm {

// `field` as one TSV field (quoted when it must be).
std::string tsv_field(const std::string& field);
// Appends `field` (quoted when it must be) to `line`.
void append_tsv_field(std::string& line, const std::string& field);

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
  std::string spool_path_;
  std::unique_ptr<ByteWriter> body_;
  int body_fd_ = -1;
  uint64_t cells_ = 0, entries_ = 0;
};

// One line per cell: id, labels, then one column per gene (or latent value).
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

// The cells table written beside a Matrix Market file: a header line
// ("cell", the label names, "library_size"), then one line per cell.
void write_cells_tsv_header(ByteWriter& out, const std::vector<LabelColumn>& labels);
void write_cells_tsv(ByteWriter& out, const CellMetaBlock& block, const std::vector<LabelColumn>& labels);

}  // namespace scldm
