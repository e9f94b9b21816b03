// Reading anndata dataframes (obs, var) in every encoding anndata >= 0.7
// writes: categoricals (codes + categories, or codes with a reference to
// __categories/<name>), string arrays, booleans, nullable columns, numbers.
//
// Strict: the index and every column (codes, values, masks) hold exactly one
// value per row, checked before anything is read; categories are distinct;
// codes are in range. An empty category or string value is a missing label.
// Each public method runs under h5::reading() (crash guard, memory errors).
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
  // With `n_rows` (the cells or genes of the matrix at `matrix`), an index
  // of another length is an error saying so.
  FrameReader(hid_t file, std::string group, std::string file_name, std::optional<uint64_t> n_rows = std::nullopt,
              const std::string& matrix = "X");
  const std::vector<std::string>& index() const { return index_; }
  uint64_t rows() const { return rows_; }
  const std::vector<FrameColumn>& columns() const { return columns_; }
  // A label-like column as categories + codes (-1 = missing).
  LabelColumn read_labels(const std::string& column, std::vector<int32_t>& codes) const;
  // Any column's values as strings (missing -> "").
  std::vector<std::string> read_strings(const std::string& column) const;

 private:
  void open(std::optional<uint64_t> n_rows, const std::string& matrix);
  FrameColumn describe(const std::string& name) const;
  const FrameColumn& find(const std::string& column, bool label) const;
  // The dataset at `path` must have one value per row.
  void check_rows(hid_t dset, const std::string& path) const;
  LabelColumn labels_of(const FrameColumn& c, std::vector<int32_t>& codes) const;
  std::vector<std::string> strings_of(const FrameColumn& c) const;

  hid_t file_;
  std::string group_, file_name_, noun_;  // noun_: "cells" or "genes"
  uint64_t rows_ = 0;
  std::vector<std::string> index_;
  std::vector<FrameColumn> columns_;
};

}  // namespace scldm
