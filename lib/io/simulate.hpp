// A Splatter-like simulator of UMI counts, so examples and the README run
// without real data: gene base means from a gamma distribution, log-normal
// library sizes, log-normal fold changes for a fraction of genes per cell
// type, and a condition effect (stim vs ctrl) partly shared by all cell
// types and partly type-specific; counts are negative binomial (gamma-
// Poisson with a biological coefficient of variation). The ground truth
// goes to uns/simulation of an h5ad output.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cells.hpp"

namespace scldm {

struct SimulationParams {
  int64_t cells = 1000, genes = 500;
  std::vector<std::string> cell_types{"B", "T", "NK", "Mono"};
  std::vector<std::string> conditions{"ctrl", "stim"};
  double mean_shape = 0.6, mean_rate = 0.3;  // gene base means ~ Gamma(shape, rate)
  double library_mean = 1500, library_sd = 0.4;  // log-normal: median and SD of log L
  double type_de_fraction = 0.1, type_de_mean = 1.0, type_de_sd = 0.4;  // log fold changes
  double stim_de_fraction = 0.05, stim_de_mean = 1.5, stim_de_sd = 0.5, stim_shared = 0.5;
  double bcv = 0.3;  // NB dispersion: theta = 1 / bcv^2
  uint64_t seed = 0;
  int64_t threads = 1;  // cells generated in parallel; the output does not depend on it

  nlohmann::json to_json() const;
};

// The simulated cells as a source of counts, cells in order; `truth()` holds
// the ground truth after construction (base means, fold changes).
class SimulatedSource : public CountSource {
 public:
  explicit SimulatedSource(const SimulationParams& params);
  const CountSchema& schema() const override { return schema_; }
  bool next(CountBlock& block) override;
  const std::string& path() const override { return name_; }
  const nlohmann::json& truth() const { return truth_; }

 private:
  SimulationParams p_;
  CountSchema schema_;
  std::string name_ = "simulation";
  std::vector<double> base_;                    // [G], sums to 1
  std::vector<std::vector<double>> type_fc_;    // [type][G]
  std::vector<std::vector<double>> stim_fc_;    // [type][G]
  nlohmann::json truth_;
  int64_t next_cell_ = 0;
  // Cells [begin, end) into `block` (cleared first).
  void simulate_cells(int64_t begin, int64_t end, CountBlock& block) const;
};

}  // namespace scldm
