// Helpers shared by the unit tests.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "io/cells.hpp"

namespace scldm::test {

// A fresh temporary directory for one test, removed by the caller's TearDown.
inline std::string temp_dir() {
  char tmpl[] = "/tmp/scldm-test-XXXXXX";
  return mkdtemp(tmpl);
}

inline std::string shared_data(const std::string& file) { return std::string(SCLDM_SHARED_DIR) + "/data/" + file; }

inline bool exists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// A small deterministic block: cell i has genes {i % g, (i*7+3) % g, ...}.
inline CountBlock make_block(size_t n_cells, size_t n_genes, size_t first_id = 0) {
  CountBlock b;
  b.clear(2);
  for (size_t i = 0; i < n_cells; ++i) {
    size_t id = first_id + i;
    b.ids.push_back("cell" + std::to_string(id));
    double total = 0;
    for (size_t g = 0; g < n_genes; ++g) {
      if ((g * 31 + id * 17) % 5 != 0) continue;
      uint32_t c = uint32_t(1 + (g + id) % 9);
      b.genes.push_back(uint32_t(g));
      b.counts.push_back(c);
      total += c;
    }
    b.indptr.push_back(b.genes.size());
    b.library_size.push_back(total);
    b.labels[0].push_back(int32_t(id % 3));
    b.labels[1].push_back(id % 4 == 0 ? -1 : int32_t(id % 2));
  }
  return b;
}

inline std::vector<LabelColumn> block_labels() {
  return {{"cell_type", {"B", "T", "NK"}}, {"condition", {"ctrl", "stim"}}};
}

}  // namespace scldm::test
