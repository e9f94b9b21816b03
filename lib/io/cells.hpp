// The in-memory shape of cells as every reader yields and every writer takes
// them: blocks of cells with ids, categorical labels and library sizes, plus
// either sparse counts (CSR) or dense latents.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scldm {

// A categorical label column: cell codes index `categories`, -1 is missing.
struct LabelColumn {
  std::string name;
  std::vector<std::string> categories;
};

struct CellMetaBlock {
  std::vector<std::string> ids;
  std::vector<std::vector<int32_t>> labels;  // [column][cell]
  std::vector<double> library_size;          // per cell
  size_t size() const { return ids.size(); }
};

// Cells × genes counts in CSR form; gene indices ascend within a cell and
// only non-zero counts are stored.
struct CountBlock : CellMetaBlock {
  std::vector<uint64_t> indptr{0};
  std::vector<uint32_t> genes;
  std::vector<uint32_t> counts;
  // Real values in place of counts (decode --mean); only h5ad and TSV
  // outputs take them.
  std::vector<float> means;
  void clear(size_t n_label_columns);
  // Appends cell `i` of `other` (same genes and label columns).
  void append_cell(const CountBlock& other, size_t i);
};

// Cells × (tokens × dim) latents, row-major per cell.
struct LatentBlock : CellMetaBlock {
  std::vector<float> values;
  void clear(size_t n_label_columns);
};

// What a source of counts knows before the first cell.
struct CountSchema {
  std::vector<std::string> genes;
  std::vector<LabelColumn> labels;
  std::optional<uint64_t> n_cells;  // unknown for streams
  std::optional<uint64_t> stored;   // counts stored (at least the non-zeros), when known: to reserve memory
  // Several files read as one (MultiSource): the columns of `genes` each file
  // measured, its name, and the label column holding each cell's file. Empty:
  // every cell measured every gene.
  std::vector<std::vector<uint32_t>> panels;
  std::vector<std::string> panel_names, panel_files;  // names in the label, paths for messages
  int panel_label = -1;
};

// Any reader of counts: h5ad, count stream, text.
class CountSource {
 public:
  virtual ~CountSource() = default;
  virtual const CountSchema& schema() const = 0;
  // Fills `block` with the next cells; false when none are left.
  virtual bool next(CountBlock& block) = 0;
  virtual const std::string& path() const = 0;
};

int find_label_column(const std::vector<LabelColumn>& labels, const std::string& name);

}  // namespace scldm
