#include "pipeline/eval_inputs.hpp"

#include <unordered_set>

#include "io/select.hpp"
#include "util/error.hpp"
#include "util/indices.hpp"
#include "util/log.hpp"

namespace scldm {
EvalFiles::EvalFiles(const std::string& real, const H5adOptions& real_options, std::vector<std::string> where,
                     const std::string& generated)
    : real_(real, real_options), gen_(generated, H5adOptions{}), where_(std::move(where)) {
  auto r = open(false), g = open(true);
  std::unordered_set<std::string> in_generated(g->schema().genes.begin(), g->schema().genes.end());
  for (auto& gene : r->schema().genes)
    if (in_generated.count(gene)) shared_.push_back(gene);
  if (shared_.empty()) fail(generated, "shares no gene with " + real);
  if (shared_.size() < r->schema().genes.size() || shared_.size() < in_generated.size())
    note("comparing on the " + std::to_string(shared_.size()) + " genes the two files share (real " +
         std::to_string(r->schema().genes.size()) + ", generated " + std::to_string(in_generated.size()) + ")");
  real_labels_ = read_labels(false);
  gen_labels_ = read_labels(true);
  // The real cells are split in halves, each needing two cells for its spread.
  if (real_labels_.size() < 4)
    fail(real, "has " + std::to_string(real_labels_.size()) + " cells; eval needs at least 4 real cells");
  if (gen_labels_.size() < 2)
    fail(generated, "has " + std::to_string(gen_labels_.size()) + " cells; eval needs at least 2 generated cells");
}

std::unique_ptr<CountSource> EvalFiles::open(bool generated) const {
  if (generated) return gen_.open();
  return std::make_unique<SelectedSource>(real_.open(), where_);
}

// Ids, labels and library sizes of every cell; no counts.
CellSet EvalFiles::read_labels(bool generated) const {
  auto source = open(generated);
  CellReader reader(*source, shared_, false);
  CellSet all = reader.shape().empty_like(), chunk;
  while (reader.next(chunk, kPassChunkCells)) {
    all.ids.insert(all.ids.end(), chunk.ids.begin(), chunk.ids.end());
    all.library_size.insert(all.library_size.end(), chunk.library_size.begin(), chunk.library_size.end());
    for (size_t c = 0; c < all.codes.size(); ++c) all.codes[c].insert(all.codes[c].end(), chunk.codes[c].begin(), chunk.codes[c].end());
  }
  all.indptr.assign(all.ids.size() + 1, 0);  // no counts
  return all;
}

CellPass EvalFiles::pass(bool generated) const {
  return [this, generated](const CellVisitor& visit) {
    auto source = open(generated);
    CellReader reader(*source, shared_, false);
    CellSet chunk;
    while (reader.next(chunk, kPassChunkCells)) visit(chunk, iota_indices(chunk.size()));
  };
}

CellSet EvalFiles::load(bool generated, const std::vector<size_t>& positions) const {
  auto source = open(generated);
  CellReader reader(*source, shared_, false);
  CellSet out = reader.shape().empty_like(), chunk;
  size_t k = 0;
  while (k < positions.size() && reader.next(chunk, kPassChunkCells))
    for (size_t i = 0; i < chunk.size() && k < positions.size(); ++i)
      if (chunk.origin[i] == positions[k]) {
        out.append_cell(chunk, i);
        ++k;
      }
  if (k < positions.size()) fail(source->path(), "changed while eval was reading it (fewer cells on a later pass)");
  return out;
}

GenerationInputs EvalFiles::inputs() const {
  return GenerationInputs{real_labels_, gen_labels_, [this](const Indices& p) { return load(false, p); },
                          [this](const Indices& p) { return load(true, p); }};
}

}  // namespace scldm
