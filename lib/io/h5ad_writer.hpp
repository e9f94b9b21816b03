// Streaming .h5ad writer: counts as CSR (float32 values, int32 indices, int64
// indptr) in growing chunked datasets, so memory is bounded by the block.
// obs holds the label categoricals and library_size; var's index the genes;
// uns/scldm the provenance. Readable by anndata >= 0.8.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cells.hpp"
#include "io/hdf5.hpp"

namespace scldm {

class H5adWriter {
 public:
  H5adWriter(const std::string& path, std::vector<std::string> genes, std::vector<LabelColumn> labels,
             const nlohmann::json& provenance);
  ~H5adWriter();
  void write(const CountBlock& block);
  // uns/<key>: JSON objects as dicts, numeric arrays as arrays, the rest as strings.
  void write_uns(const std::string& key, const nlohmann::json& tree);
  void finish();  // writes the shape and closes the file
  uint64_t cells() const { return n_cells_; }

 private:
  std::string path_;
  h5::Handle file_;
  std::vector<std::string> genes_;
  std::vector<LabelColumn> labels_;
  std::unique_ptr<h5::Appender> data_, indices_, indptr_, obs_names_, library_size_;
  std::vector<std::unique_ptr<h5::Appender>> codes_;
  uint64_t n_cells_ = 0, nnz_ = 0;
  bool finished_ = false;
};

}  // namespace scldm
