// The library-size model (scldm-model(7), THE LIBRARY-SIZE MODEL): mean and SD of log L per
// combination of labels, with fall-back to coarser groups (fewer attributes)
// and finally to all cells. Torch-free; stored as JSON in the prior.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/config.hpp"

namespace scldm {

// codes[cell][attribute]: category index, or -1 when the cell has none.
// Returns {"groups": {"cell_type=B, condition=stim": {n, mean, sd}, ...}}
// with one group for every subset of attributes (the empty one is "").
nlohmann::json library_stats(const std::vector<Attribute>& attributes, const std::vector<std::vector<int32_t>>& codes,
                             const std::vector<double>& library_size);

struct LibraryGroup {
  std::string key;  // the group used ("" = all cells)
  double mean = 0, sd = 0;
  bool exact = true;  // false when it fell back to a coarser group
};

// The finest group with at least two cells among the subsets of the
// requested labels (codes[a] = -1: not requested).
LibraryGroup library_lookup(const nlohmann::json& stats, const std::vector<Attribute>& attributes,
                            const std::vector<int32_t>& codes);

// Bit a set when codes[a] >= 0 (attribute a is requested).
uint32_t requested_attributes(const std::vector<int32_t>& codes);

// "cell_type=B, condition=stim" for the requested attributes in `mask`.
std::string group_key(const std::vector<Attribute>& attributes, const std::vector<int32_t>& codes, uint32_t mask);

}  // namespace scldm
