// Streaming .h5ad writer: counts as CSR (float32 values; indices and indptr
// of one integer type, as scipy needs for slicing: int32 while the
// non-zeros and genes fit, else both int64) in growing chunked datasets, so
// memory is bounded by the block. obs holds the label categoricals and
// library_size; var's index the genes; uns/scldm the provenance. Readable
// by anndata >= 0.8. Every string written must be UTF-8 without NUL bytes
// (an Error naming the file and the string otherwise); provenance and uns
// strings are made valid instead (U+FFFD). finish() checks every close, so
// that a full disk is an error, never a committed, corrupt file.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cells.hpp"
#include "io/hdf5.hpp"

namespace scldm {

struct H5adWriterOptions {
  std::string display_name;  // the name in messages (the user's output, not its temporary file)
  // X/indices and X/indptr turn int64 once the non-zeros exceed this; tests lower it.
  uint64_t int32_limit = 2147483647;
};

class H5adWriter {
 public:
  H5adWriter(const std::string& path, std::vector<std::string> genes, std::vector<LabelColumn> labels,
             const nlohmann::json& provenance, H5adWriterOptions options = {});
  ~H5adWriter();
  void write(const CountBlock& block);
  // uns/<key>: JSON objects as dicts, numeric arrays as arrays, the rest as strings.
  void write_uns(const std::string& key, const nlohmann::json& tree);
  void finish();  // writes the shape and closes the file
  uint64_t cells() const { return n_cells_; }
  bool wide_indices() const { return wide_; }

 private:
  template <typename T>
  void widen(std::unique_ptr<h5::Appender>& appender, const std::string& name, h5::Appender::Type type, uint64_t chunk);
  void promote_indices();  // rewrites X/indices and X/indptr as int64
  void promote_data();     // rewrites X/data as float64
  std::string path_, name_;  // the file HDF5 writes; its name in messages
  H5adWriterOptions opt_;
  h5::Handle file_;
  std::vector<std::string> genes_;
  std::vector<LabelColumn> labels_;
  std::unique_ptr<h5::Appender> data_, indices_, indptr_, obs_names_, library_size_;
  std::vector<std::unique_ptr<h5::Appender>> codes_;
  uint64_t n_cells_ = 0, nnz_ = 0;
  bool wide_ = false;  // int64 indices and indptr
  bool double_data_ = false;  // float64 values (a count above 2^24)
  bool finished_ = false;
};

}  // namespace scldm
