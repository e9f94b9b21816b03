#include "io/cell_set.hpp"

#include <unordered_map>

#include "util/error.hpp"

namespace scldm {

CellSet CellSet::empty_like() const {
  CellSet s;
  s.vocabulary = vocabulary;
  s.labels = labels;
  s.codes.assign(labels.size(), {});
  s.panels = panels;
  return s;
}

void CellSet::append_cell(const CellSet& other, size_t i) {
  genes.insert(genes.end(), other.genes.begin() + long(other.indptr[i]), other.genes.begin() + long(other.indptr[i + 1]));
  counts.insert(counts.end(), other.counts.begin() + long(other.indptr[i]), other.counts.begin() + long(other.indptr[i + 1]));
  indptr.push_back(genes.size());
  ids.push_back(other.ids[i]);
  library_size.push_back(other.library_size[i]);
  for (size_t c = 0; c < codes.size(); ++c) codes[c].push_back(other.codes[c][i]);
  origin.push_back(other.position(i));
}

CellSet CellSet::subset(const std::vector<size_t>& which) const {
  CellSet out = empty_like();
  for (size_t i : which) out.append_cell(*this, i);
  return out;
}

CellReader::CellReader(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty)
    : source_(source), skip_empty_(skip_empty) {
  const CountSchema& schema = source.schema();
  shape_.vocabulary = vocabulary.empty() ? schema.genes : vocabulary;
  shape_.labels = schema.labels;
  shape_.codes.assign(schema.labels.size(), {});
  std::unordered_map<std::string, int64_t> index;
  for (size_t i = 0; i < shape_.vocabulary.size(); ++i) index.emplace(shape_.vocabulary[i], int64_t(i) + 1);
  map_.assign(schema.genes.size(), 0);
  for (size_t g = 0; g < schema.genes.size(); ++g) {
    auto it = index.find(schema.genes[g]);
    if (it != index.end()) map_[g] = it->second;
    else ++shape_.unmatched_genes;
  }
  if (shape_.unmatched_genes == schema.genes.size())
    fail(source.path(), "none of its " + std::to_string(schema.genes.size()) + " genes is in the model's vocabulary");
  find_panels(schema);
}

// The vocabulary genes each file measured; none when every file measured all.
void CellReader::find_panels(const CountSchema& schema) {
  auto panels = std::make_shared<GenePanels>();
  panels->label_column = schema.panel_label;
  std::vector<std::vector<uint32_t>> columns = schema.panels;
  if (columns.empty()) {
    panels->names = {source_.path()};
    columns.emplace_back(schema.genes.size());
    for (size_t g = 0; g < schema.genes.size(); ++g) columns[0][g] = uint32_t(g);
  } else {
    panels->names = schema.panel_names;
  }
  bool complete = true;
  for (size_t p = 0; p < columns.size(); ++p) {
    std::vector<uint8_t> measured(shape_.vocabulary.size(), 0);
    size_t n = 0;
    for (uint32_t c : columns[p])
      if (map_[c] && !measured[size_t(map_[c] - 1)]) measured[size_t(map_[c] - 1)] = 1, ++n;
    if (n == 0) fail(schema.panel_files.empty() ? source_.path() : schema.panel_files[p], "none of its genes is in the model's vocabulary");
    complete = complete && n == measured.size();
    panels->measured.push_back(std::move(measured));
  }
  if (!complete) shape_.panels = std::move(panels);
}

// Cell i of the current source block into `chunk`; false when it is skipped.
bool CellReader::take(CellSet& chunk, size_t i) {
  size_t start = chunk.genes.size();
  double library = 0;  // over the vocabulary's genes: the model's softmax runs over them
  for (uint64_t k = block_.indptr[i]; k < block_.indptr[i + 1]; ++k) {
    int64_t v = map_[block_.genes[k]];
    if (v == 0) continue;
    chunk.genes.push_back(v);
    chunk.counts.push_back(float(block_.counts[k]));
    library += block_.counts[k];
  }
  if (skip_empty_ && chunk.genes.size() == start) {
    ++shape_.skipped_empty;
    return false;
  }
  chunk.indptr.push_back(chunk.genes.size());
  chunk.ids.push_back(block_.ids[i]);
  chunk.library_size.push_back(library);
  for (size_t c = 0; c < chunk.codes.size(); ++c) chunk.codes[c].push_back(block_.labels[c][i]);
  chunk.origin.push_back(yielded_++);
  return true;
}

bool CellReader::next(CellSet& chunk, size_t max_cells, uint64_t reserve_counts, uint64_t reserve_cells) {
  chunk = shape_.empty_like();
  // Grown by doubling, the arrays would briefly need up to three times their size.
  chunk.genes.reserve(reserve_counts);
  chunk.counts.reserve(reserve_counts);
  for (auto* v : {&chunk.indptr, &chunk.origin}) v->reserve(reserve_cells + 1);
  chunk.ids.reserve(reserve_cells);
  chunk.library_size.reserve(reserve_cells);
  while (chunk.size() < max_cells && !done_) {
    if (in_block_ >= block_.size()) {
      in_block_ = 0;
      if (!source_.next(block_)) done_ = true;
      continue;
    }
    take(chunk, in_block_++);
  }
  chunk.unmatched_genes = shape_.unmatched_genes;
  chunk.skipped_empty = shape_.skipped_empty;
  return chunk.size() > 0;
}

CellSet load_cells(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty) {
  CellReader reader(source, vocabulary, skip_empty);
  CellSet set;
  reader.next(set, SIZE_MAX, source.schema().stored.value_or(0), source.schema().n_cells.value_or(0));
  std::vector<uint64_t>().swap(set.origin);  // every cell: positions are the indices
  if (set.size() == 0) fail(source.path(), "no cells with counts");
  return set;
}

}  // namespace scldm
