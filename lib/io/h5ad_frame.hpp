// Reading anndata dataframes (obs, var) in every encoding anndata >= 0.7
// writes: categoricals (codes + categories, or codes with a reference to
// __categories/<name>), string arrays, booleans, nullable columns, numbers.
#pragma once
#include <hdf5.h>

#include <optional>
#include <string>
#include <vector>

#include "io/cells.hpp"

namespace scldm {

struct FrameColumn {
  std::string name;
  std::string kind;  // categorical, string, bool, nullable-string, nullable-bool, nullable-integer, numeric
  size_t n_categories = 0;  // for label-like kinds
  bool is_label() const { return kind != "numeric" && kind != "nullable-integer" && kind != "other"; }
};

class FrameReader {
 public:
  // `group` is the dataframe's path in the file ("obs", "var", "raw/var").
  FrameReader(hid_t file, std::string group, std::string file_name);
  const std::vector<std::string>& index() const { return index_; }
  const std::vector<FrameColumn>& columns() const { return columns_; }
  // A label-like column as categories + codes (-1 = missing).
  LabelColumn read_labels(const std::string& column, std::vector<int32_t>& codes) const;
  // Any label-like column's values as strings (missing -> "").
  std::vector<std::string> read_strings(const std::string& column) const;

 private:
  FrameColumn describe(const std::string& name) const;
  hid_t file_;
  std::string group_, file_name_;
  std::vector<std::string> index_;
  std::vector<FrameColumn> columns_;
};

}  // namespace scldm
