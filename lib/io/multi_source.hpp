// Several count sources read in turn as one (fit-vae A.h5ad B.h5ad ...):
// the genes are the union of theirs (in order of first appearance), label
// columns are matched by name (a file without one gives its cells a missing
// value), a new label column names each cell's file, and cell ids that
// recur across files are made unique with the file's name, as anndata's
// concat(index_unique=...) does. The schema's panels say which genes each
// file measured.
#pragma once
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "io/cells.hpp"

namespace scldm {

class MultiSource : public CountSource {
 public:
  // `source_label` names the label column of the files (an error when a file
  // has a column of that name).
  MultiSource(std::vector<std::unique_ptr<CountSource>> sources, const std::string& source_label);
  const CountSchema& schema() const override { return schema_; }
  bool next(CountBlock& block) override;
  // All the paths, for messages about the whole set (a file's own read
  // errors name that file).
  const std::string& path() const override { return name_; }

 private:
  struct Part {
    std::vector<uint32_t> genes;                // source column -> union column
    bool ascending = true;                      // genes keeps the source's order
    std::vector<int> columns;                   // union label column -> source column, -1: none
    std::vector<std::vector<int32_t>> codes;    // [union column][source code] -> union code
  };
  void add_genes(size_t s, std::vector<std::string>& union_genes);
  void add_labels(size_t s);
  void append(CountBlock& block, size_t i);
  std::string unique_id(const std::string& id);

  std::vector<std::unique_ptr<CountSource>> sources_;
  std::vector<Part> parts_;
  CountSchema schema_;
  CountBlock scratch_;
  std::string name_;
  size_t current_ = 0;
  std::unordered_set<std::string> ids_;
  bool renamed_ = false;
};

// The names cells' files go by in the source label: file names without
// directory and extension, or the paths as given where those collide.
std::vector<std::string> source_names(const std::vector<std::string>& paths);

}  // namespace scldm
