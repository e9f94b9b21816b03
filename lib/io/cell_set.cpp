#include "io/cell_set.hpp"

#include <unordered_map>

#include "util/error.hpp"

namespace scldm {

CellSet load_cells(CountSource& source, const std::vector<std::string>& vocabulary, bool skip_empty) {
  const CountSchema& schema = source.schema();
  CellSet set;
  set.vocabulary = vocabulary.empty() ? schema.genes : vocabulary;
  set.labels = schema.labels;
  set.codes.assign(schema.labels.size(), {});
  std::unordered_map<std::string, int64_t> index;
  for (size_t i = 0; i < set.vocabulary.size(); ++i) index.emplace(set.vocabulary[i], int64_t(i) + 1);
  std::vector<int64_t> map(schema.genes.size(), 0);  // source column -> vocabulary index (0: unmatched)
  for (size_t g = 0; g < schema.genes.size(); ++g) {
    auto it = index.find(schema.genes[g]);
    if (it != index.end()) map[g] = it->second;
    else ++set.unmatched_genes;
  }
  if (set.unmatched_genes == schema.genes.size())
    fail(source.path(), "none of its " + std::to_string(schema.genes.size()) + " genes is in the model's vocabulary");
  CountBlock block;
  while (source.next(block)) {
    for (size_t i = 0; i < block.size(); ++i) {
      size_t start = set.genes.size();
      double library = 0;  // over the vocabulary's genes: the model's softmax runs over them
      for (uint64_t k = block.indptr[i]; k < block.indptr[i + 1]; ++k) {
        int64_t v = map[block.genes[k]];
        if (v == 0) continue;
        set.genes.push_back(v);
        set.counts.push_back(float(block.counts[k]));
        library += block.counts[k];
      }
      if (skip_empty && set.genes.size() == start) {
        ++set.skipped_empty;
        continue;
      }
      set.indptr.push_back(set.genes.size());
      set.ids.push_back(block.ids[i]);
      set.library_size.push_back(library);
      for (size_t c = 0; c < set.codes.size(); ++c) set.codes[c].push_back(block.labels[c][i]);
    }
  }
  if (set.size() == 0) fail(source.path(), "no cells with counts");
  return set;
}

}  // namespace scldm
