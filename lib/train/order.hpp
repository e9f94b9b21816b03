// The order in which an epoch visits the training cells. In memory, a full
// shuffle. For cells read from disk during training, the scheme of
// CELLxGENE Census's loader and scDataset: the cells are cut into blocks of
// contiguous positions, the blocks are shuffled, and `buffer_blocks` blocks at
// a time are pooled and shuffled within the pool, so that each pool is one
// read of nearby rows. Both derive from (seed, epoch) alone.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/indices.hpp"

namespace scldm {

struct OrderScheme {
  size_t block_cells = 0;    // 0: a full shuffle
  size_t buffer_blocks = 1;  // blocks pooled per buffer
  bool blocked() const { return block_cells > 0; }
  nlohmann::json to_json() const;
  // A checkpoint's "order" (absent: a full shuffle); throws json errors.
  static OrderScheme from_json(const nlohmann::json& j);
};

// The order a checkpoint was trained with (meta.training.order); older
// checkpoints, without one, shuffled fully. A malformed one names `path`.
OrderScheme checkpoint_order(const nlohmann::json& meta, const std::string& path);

// Blocks of this many cells when reading from disk (Census reads 64 too).
inline constexpr size_t kOrderBlockCells = 64;

struct EpochPlan {
  Indices order;                   // the training cells in the epoch's order
  std::vector<size_t> buffer_end;  // buffer j is order[buffer_end[j-1], buffer_end[j])
};

// `train` as the split gave it (a full shuffle permutes it as it is).
EpochPlan epoch_plan(const Indices& train, const OrderScheme& scheme, uint64_t seed, int64_t epoch);

}  // namespace scldm
