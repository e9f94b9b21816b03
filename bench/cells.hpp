// The benchmarks' way of reading an h5ad file into memory.
#pragma once
#include <string>
#include <vector>

#include "io/h5ad_reader.hpp"
#include "io/cell_set.hpp"

namespace scldm {

// Every cell of `path`, genes matched to `vocab` (empty: the file's genes).
inline CellSet load_h5ad_cells(const std::string& path, const std::vector<std::string>& vocab) {
  H5adReader reader(path);
  return load_cells(reader, vocab, false);
}

}  // namespace scldm
