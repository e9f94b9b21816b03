#include "io/select.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {

CellSelection::CellSelection(const std::vector<std::string>& where, const std::vector<LabelColumn>& labels,
                             const std::string& file) {
  for (auto& w : where) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--where: expected KEY=VALUE, got '" + w + "'");
    std::string key = w.substr(0, eq), value = w.substr(eq + 1);
    int col = find_label_column(labels, key);
    if (col < 0) {
      std::vector<std::string> names;
      for (auto& l : labels) names.push_back(l.name);
      fail(file, "--where: no label column '" + key + "' (labels: " + (names.empty() ? "none" : join(names, ", ")) + ")");
    }
    auto& cats = labels[size_t(col)].categories;
    auto it = std::find(cats.begin(), cats.end(), value);
    if (it == cats.end())
      fail(file, "--where: '" + value + "' is not a value of " + key + " (values: " + join(cats, ", ") + ")");
    auto k = std::find_if(keys_.begin(), keys_.end(), [&](const Key& x) { return x.column == size_t(col); });
    if (k == keys_.end()) {
      keys_.push_back({size_t(col), std::vector<bool>(cats.size(), false)});
      k = keys_.end() - 1;
    }
    k->accepted[size_t(it - cats.begin())] = true;
  }
}

bool CellSelection::keep(const CellMetaBlock& block, size_t i) const {
  for (auto& k : keys_) {
    int32_t code = block.labels[k.column][i];
    if (code < 0 || !k.accepted[size_t(code)]) return false;
  }
  return true;
}

bool Subsample::keep(uint64_t cell_index) const {
  if (!active()) return true;
  // splitmix64 of (seed, index) as a uniform number in [0, 1).
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (cell_index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  bool in = double(z >> 11) * 0x1.0p-53 < fraction;
  return in != rest;
}

SelectedSource::SelectedSource(std::unique_ptr<CountSource> inner, const std::vector<std::string>& where, Subsample subsample)
    : inner_(std::move(inner)),
      selection_(where, inner_->schema().labels, inner_->path()),
      subsample_(subsample),
      schema_(inner_->schema()) {
  if (!selection_.selects_all() || subsample_.active()) {
    schema_.n_cells.reset();
    schema_.stored.reset();
  }
}

bool SelectedSource::next(CountBlock& block) {
  if (selection_.selects_all() && !subsample_.active()) {
    bool more = inner_->next(block);
    seen_ += block.size();
    return more;
  }
  // Skip blocks in which no cell is selected rather than yield empty ones.
  while (inner_->next(scratch_)) {
    block.clear(schema_.labels.size());
    for (size_t i = 0; i < scratch_.size(); ++i)
      if (subsample_.keep(seen_ + i) && selection_.keep(scratch_, i)) block.append_cell(scratch_, i);
    seen_ += scratch_.size();
    if (block.size() > 0) return true;
  }
  block.clear(schema_.labels.size());
  return false;
}

}  // namespace scldm
