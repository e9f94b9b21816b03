// Generating latents from the prior (scldm-model(7), SAMPLING AND GUIDANCE): per-cell noise and
// library size from (seed, cell index), the guided flow integrated from
// t = 0 to 1, written as a latent stream the decoder reads.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/prior_io.hpp"
#include "sample/ode.hpp"

namespace scldm {

struct SampleOptions {
  SolverOptions solver;
  Guidance guidance;
  int64_t batch_size = 256;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
  std::vector<std::string> ids;  // per cell; empty: cell1, cell2, ...
  nlohmann::json provenance = nlohmann::json::object();
};

// The labels of the cells to generate, [attribute] -> category (-1: none for
// that attribute): the same for every cell (-n), or one row per cell (--like,
// --conditions). Nothing is held per cell in the first case, so -n is not
// limited by memory.
struct SampleRequests {
  uint64_t size = 0;
  std::vector<int32_t> fixed;
  std::vector<std::vector<int32_t>> per_cell;
  const std::vector<int32_t>& at(uint64_t i) const { return per_cell.empty() ? fixed : per_cell[i]; }
};

// Writes the latents with those labels and sampled library sizes to
// `output`, batch by batch as they are made.
void sample_to_stream(LoadedPrior& prior, const SampleRequests& requests, const SampleOptions& options,
                      const std::string& output);

// Latents [n, m, D] and library sizes for `requests`, cells numbered from `first`.
torch::Tensor sample_latents(LoadedPrior& prior, const std::vector<std::vector<int32_t>>& requests, uint64_t first,
                             const SampleOptions& options, std::vector<double>& library_size, SolveStats* stats = nullptr);

}  // namespace scldm
