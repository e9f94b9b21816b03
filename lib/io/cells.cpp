#include "io/cells.hpp"

namespace scldm {

namespace {
void clear_meta(CellMetaBlock& b, size_t n_label_columns) {
  b.ids.clear();
  b.library_size.clear();
  b.labels.assign(n_label_columns, {});
}
}  // namespace

void CountBlock::clear(size_t n_label_columns) {
  clear_meta(*this, n_label_columns);
  indptr.assign(1, 0);
  genes.clear();
  counts.clear();
  means.clear();
}

void CountBlock::append_cell(const CountBlock& other, size_t i) {
  ids.push_back(other.ids[i]);
  library_size.push_back(other.library_size[i]);
  for (size_t c = 0; c < labels.size(); ++c) labels[c].push_back(other.labels[c][i]);
  genes.insert(genes.end(), other.genes.begin() + long(other.indptr[i]), other.genes.begin() + long(other.indptr[i + 1]));
  counts.insert(counts.end(), other.counts.begin() + long(other.indptr[i]),
                other.counts.begin() + long(other.indptr[i + 1]));
  indptr.push_back(genes.size());
}

void LatentBlock::clear(size_t n_label_columns) {
  clear_meta(*this, n_label_columns);
  values.clear();
}

int find_label_column(const std::vector<LabelColumn>& labels, const std::string& name) {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i].name == name) return int(i);
  return -1;
}

}  // namespace scldm
