#include "io/multi_source.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

std::vector<std::string> source_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (auto& p : paths) {
    std::string base = p == "-" ? "stdin" : p.substr(p.find_last_of('/') + 1);
    const size_t dot = base.find_last_of('.');
    names.push_back(dot == std::string::npos || dot == 0 ? base : base.substr(0, dot));
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (std::count(names.begin(), names.end(), names[i]) > 1) return paths;
  return names;
}

MultiSource::MultiSource(std::vector<std::unique_ptr<CountSource>> sources, const std::string& source_label)
    : sources_(std::move(sources)), parts_(sources_.size()) {
  std::vector<std::string> paths;
  for (auto& s : sources_) {
    paths.push_back(s->path());
    name_ += (name_.empty() ? "" : " ") + s->path();
  }
  schema_.panel_names = source_names(paths);
  schema_.panel_files = paths;
  std::vector<std::string> genes;
  for (size_t s = 0; s < sources_.size(); ++s) {
    if (find_label_column(sources_[s]->schema().labels, source_label) >= 0)
      fail(paths[s], "has a label column '" + source_label + "' already; give --source-label another name for the file of origin");
    add_genes(s, genes);
    add_labels(s);
  }
  schema_.genes = std::move(genes);
  for (Part& p : parts_) p.columns.resize(schema_.labels.size(), -1), p.codes.resize(schema_.labels.size());
  schema_.panel_label = int(schema_.labels.size());
  schema_.labels.push_back({source_label, schema_.panel_names});
  uint64_t cells = 0, stored = 0;
  bool known = true, stored_known = true;
  for (auto& s : sources_) {
    known = known && s->schema().n_cells, stored_known = stored_known && s->schema().stored;
    cells += s->schema().n_cells.value_or(0), stored += s->schema().stored.value_or(0);
  }
  if (known) schema_.n_cells = cells;
  if (stored_known) schema_.stored = stored;
}

// Maps source s's genes into the union, adding the new ones.
void MultiSource::add_genes(size_t s, std::vector<std::string>& union_genes) {
  std::unordered_map<std::string, uint32_t> index;
  for (size_t g = 0; g < union_genes.size(); ++g) index.emplace(union_genes[g], uint32_t(g));
  Part& part = parts_[s];
  std::vector<uint32_t> panel;
  for (const std::string& name : sources_[s]->schema().genes) {
    auto [it, added] = index.emplace(name, uint32_t(union_genes.size()));
    if (added) union_genes.push_back(name);
    if (!part.genes.empty() && it->second < part.genes.back()) part.ascending = false;
    part.genes.push_back(it->second);
    panel.push_back(it->second);
  }
  std::sort(panel.begin(), panel.end());
  schema_.panels.push_back(std::move(panel));
}

// Matches source s's label columns to the union's by name, categories by value.
void MultiSource::add_labels(size_t s) {
  const auto& labels = sources_[s]->schema().labels;
  for (size_t c = 0; c < labels.size(); ++c) {
    int u = find_label_column(schema_.labels, labels[c].name);
    if (u < 0) {
      u = int(schema_.labels.size());
      schema_.labels.push_back({labels[c].name, {}});
    }
    auto& categories = schema_.labels[size_t(u)].categories;
    std::vector<int32_t> codes;
    for (auto& value : labels[c].categories) {
      auto it = std::find(categories.begin(), categories.end(), value);
      codes.push_back(int32_t(it - categories.begin()));
      if (it == categories.end()) categories.push_back(value);
    }
    Part& part = parts_[s];
    part.columns.resize(schema_.labels.size(), -1);
    part.codes.resize(schema_.labels.size());
    part.columns[size_t(u)] = int(c);
    part.codes[size_t(u)] = std::move(codes);
  }
}

bool MultiSource::next(CountBlock& block) {
  for (; current_ < sources_.size(); ++current_) {
    if (!sources_[current_]->next(scratch_)) continue;
    block.clear(schema_.labels.size());
    for (size_t i = 0; i < scratch_.size(); ++i) append(block, i);
    return true;
  }
  return false;
}

// Cell i of the current source's block, in the union's genes and labels.
void MultiSource::append(CountBlock& block, size_t i) {
  const Part& part = parts_[current_];
  const size_t first = block.genes.size();
  for (uint64_t k = scratch_.indptr[i]; k < scratch_.indptr[i + 1]; ++k) {
    block.genes.push_back(part.genes[scratch_.genes[k]]);
    block.counts.push_back(scratch_.counts[k]);
  }
  if (!part.ascending) {  // gene indices must ascend within a cell
    const size_t n = block.genes.size() - first;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return block.genes[first + a] < block.genes[first + b]; });
    std::vector<uint32_t> genes(n), counts(n);
    for (size_t k = 0; k < n; ++k) genes[k] = block.genes[first + order[k]], counts[k] = block.counts[first + order[k]];
    std::copy(genes.begin(), genes.end(), block.genes.begin() + long(first));
    std::copy(counts.begin(), counts.end(), block.counts.begin() + long(first));
  }
  block.indptr.push_back(block.genes.size());
  block.ids.push_back(unique_id(scratch_.ids[i]));
  block.library_size.push_back(scratch_.library_size[i]);
  for (size_t u = 0; u + 1 < schema_.labels.size(); ++u) {
    const int c = part.columns[u];
    const int32_t code = c < 0 ? -1 : scratch_.labels[size_t(c)][i];
    block.labels[u].push_back(code < 0 ? -1 : part.codes[u][size_t(code)]);
  }
  block.labels.back().push_back(int32_t(current_));
}

std::string MultiSource::unique_id(const std::string& id) {
  if (ids_.insert(id).second) return id;
  if (!renamed_) note("cell ids recur in the input files: the later ones get '-' and their file's name appended");
  renamed_ = true;
  std::string unique = id + "-" + schema_.panel_names[current_];
  for (int k = 2; !ids_.insert(unique).second; ++k) unique = id + "-" + schema_.panel_names[current_] + "-" + std::to_string(k);
  return unique;
}

}  // namespace scldm
