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

SelectedSource::SelectedSource(std::unique_ptr<CountSource> inner, const std::vector<std::string>& where)
    : inner_(std::move(inner)), selection_(where, inner_->schema().labels, inner_->path()), schema_(inner_->schema()) {
  if (!selection_.selects_all()) schema_.n_cells.reset();
}

bool SelectedSource::next(CountBlock& block) {
  if (selection_.selects_all()) {
    bool more = inner_->next(block);
    seen_ += block.size();
    return more;
  }
  // Skip blocks in which no cell is selected rather than yield empty ones.
  while (inner_->next(scratch_)) {
    seen_ += scratch_.size();
    block.clear(schema_.labels.size());
    for (size_t i = 0; i < scratch_.size(); ++i)
      if (selection_.keep(scratch_, i)) block.append_cell(scratch_, i);
    if (block.size() > 0) return true;
  }
  block.clear(schema_.labels.size());
  return false;
}

}  // namespace scldm
