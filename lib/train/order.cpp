#include "train/order.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace scldm {

nlohmann::json OrderScheme::to_json() const {
  if (!blocked()) return {{"kind", "shuffle"}};
  return {{"kind", "blocks"}, {"block_cells", block_cells}, {"buffer_blocks", buffer_blocks}};
}

OrderScheme OrderScheme::from_json(const nlohmann::json& j) {
  OrderScheme s;
  if (j.is_null() || j.at("kind").get<std::string>() == "shuffle") return s;
  s.block_cells = j.at("block_cells").get<size_t>();
  s.buffer_blocks = std::max<size_t>(1, j.at("buffer_blocks").get<size_t>());
  return s;
}

OrderScheme checkpoint_order(const nlohmann::json& meta, const std::string& path) {
  if (!meta.contains("training")) return {};  // not a training checkpoint: the resume check says so
  try {
    const auto& training = meta.at("training");
    return OrderScheme::from_json(training.contains("order") ? training.at("order") : nlohmann::json());
  } catch (const nlohmann::json::exception& e) {
    fail(path, "bad training state (" + json_problem(e) + ")");
  }
}

namespace {

// The training cells grouped by block (positions ascending within each).
std::vector<Indices> blocks_of(const Indices& train, size_t block_cells) {
  Indices sorted = train;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Indices> blocks;
  for (size_t c : sorted) {
    if (blocks.empty() || blocks.back().front() / block_cells != c / block_cells) blocks.emplace_back();
    blocks.back().push_back(c);
  }
  return blocks;
}

}  // namespace

EpochPlan epoch_plan(const Indices& train, const OrderScheme& scheme, uint64_t seed, int64_t epoch) {
  EpochPlan plan;
  const uint64_t epoch_seed = mix_seed(seed, uint64_t(epoch) + 1);
  if (!scheme.blocked()) {
    plan.order = shuffled_indices(train, epoch_seed);
    plan.buffer_end = {plan.order.size()};
    return plan;
  }
  std::vector<Indices> blocks = blocks_of(train, scheme.block_cells);
  Indices visit = shuffled_indices(iota_indices(blocks.size()), mix_seed(epoch_seed, 0xB10C));
  for (size_t first = 0, buffer = 0; first < visit.size(); first += scheme.buffer_blocks, ++buffer) {
    Indices pool;
    for (size_t b = first; b < std::min(visit.size(), first + scheme.buffer_blocks); ++b)
      pool.insert(pool.end(), blocks[visit[b]].begin(), blocks[visit[b]].end());
    pool = shuffled_indices(std::move(pool), mix_seed(epoch_seed, 0xB0F000 + buffer));
    plan.order.insert(plan.order.end(), pool.begin(), pool.end());
    plan.buffer_end.push_back(plan.order.size());
  }
  return plan;
}

}  // namespace scldm
