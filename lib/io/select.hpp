// --where KEY=VALUE: selecting cells by label. Values of one key are OR-ed,
// different keys AND-ed; unknown keys or values are errors that list the
// valid ones.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "io/cells.hpp"

namespace scldm {

class CellSelection {
 public:
  CellSelection(const std::vector<std::string>& where, const std::vector<LabelColumn>& labels, const std::string& file);
  bool selects_all() const { return keys_.empty(); }
  bool keep(const CellMetaBlock& block, size_t i) const;

 private:
  struct Key {
    size_t column;
    std::vector<bool> accepted;  // by category code
  };
  std::vector<Key> keys_;
};

// --subsample FRAC: each cell is kept with probability FRAC, decided by
// (seed, the cell's position in the input) alone, so `rest` selects exactly
// the complement: a reproducible train/test split.
struct Subsample {
  double fraction = 1;
  uint64_t seed = 0;
  bool rest = false;
  bool active() const { return fraction < 1 || rest; }
  bool keep(uint64_t cell_index) const;
};

// A source that yields only the selected cells of another.
class SelectedSource : public CountSource {
 public:
  SelectedSource(std::unique_ptr<CountSource> inner, const std::vector<std::string>& where, Subsample subsample = {});
  const CountSchema& schema() const override { return schema_; }
  bool next(CountBlock& block) override;
  const std::string& path() const override { return inner_->path(); }
  CountSource& inner() { return *inner_; }
  uint64_t cells_seen() const { return seen_; }

 private:
  std::unique_ptr<CountSource> inner_;
  CellSelection selection_;
  Subsample subsample_;
  CountSchema schema_;
  CountBlock scratch_;
  uint64_t seen_ = 0;
};

}  // namespace scldm
