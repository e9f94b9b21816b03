#include "spec/auto_size.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scldm {

namespace {

// Seconds of the reference CPU (2 cores of an AMD EPYC Zen 4, bench/RESULTS.md
// "Defaults") per unit of work, and the budgets they are spent against.
constexpr double kVaeBudget = 600;
constexpr double kPriorBudget = 240;
constexpr double kAcceleratorSpeedup = 200;  // not measured here: a guess that only scales the budget
constexpr int64_t kMaxEpochs = 100;

struct PresetCost {
  const char* name;
  double seconds;  // VAE: per cell and gene at few genes (see vae_gene_cost); prior: per cell
};
// fit-vae on kang_ctrl_muscat (1,287 genes), validation included: base 518 s for 15 epochs of 7,797
// cells, tiny 382 s for 33; small from bench_vae's step time relative to base (0.79x).
constexpr PresetCost kVaePresets[] = {{"base", 3.0e-6}, {"small", 2.35e-6}, {"tiny", 1.0e-6}};
// Per cell and gene the cost grows with the genes (memory traffic; beyond ~5,000 genes the decoder
// recomputes its chunks): x (1 + G / 8000) fits kang and pbmc_sorted (8,846 genes: 565 s for 17
// epochs of 2,209 cells, tiny).
double vae_gene_cost(int64_t genes) { return double(genes) * (1 + double(genes) / 8000); }
// fit-prior, batch 256: 8.6, 0.205 and 0.054 s per step.
constexpr PresetCost kPriorPresets[] = {{"base", 3.4e-2}, {"small", 8.0e-4}, {"tiny", 2.1e-4}};
// The largest preset that trains this many epochs in the budget, else the
// smallest: on kang_ctrl_muscat, in the same time, a tiny VAE trained for 40
// epochs reconstructed held-out cells better than base for 10, and a small
// prior for 40 epochs generated no better than a tiny one for 100.
constexpr double kMinVaeEpochs = 30, kMinPriorEpochs = 100;

double budget_seconds(const RunShape& s, double default_seconds) {
  return (s.seconds > 0 ? s.seconds : default_seconds) * (s.accelerator ? kAcceleratorSpeedup : 1);
}

std::string describe_budget(const RunShape& s, double default_seconds) {
  if (s.seconds > 0) return "the --time budget";
  char text[160];
  snprintf(text, sizeof text, "about %g min of 2 CPU cores", default_seconds / 60);
  return text + (s.accelerator ? " x " + std::to_string(int(kAcceleratorSpeedup)) + " for the GPU" : std::string());
}

// "for 9809 cells on the CPU (the largest size that trains 30 epochs in about 10 min of 2 CPU cores)"
std::string why(const std::string& data, const RunShape& s, double min_epochs, double default_seconds) {
  return "for " + data + " on " + (s.accelerator ? "a GPU" : "the CPU") + " (the largest size that trains " +
         std::to_string(int(min_epochs)) + " epochs in " + describe_budget(s, default_seconds) + ")";
}

// Whole epochs when the budget holds at least one, else steps of a partial epoch.
void set_length(AutoChoice& c, double cell_passes, const RunShape& s) {
  const double epochs = cell_passes / double(std::max<int64_t>(1, s.cells));
  if (epochs >= 1) c.epochs = std::min<int64_t>(kMaxEpochs, int64_t(std::llround(epochs)));
  else c.max_steps = std::max<int64_t>(1, int64_t(cell_passes / double(std::max<int64_t>(1, s.batch))));
}

// The first (largest) preset whose cost per cell pass lets the budget train
// `min_epochs` epochs, else the last; as many epochs as the budget holds.
template <size_t N>
AutoChoice largest_within(const PresetCost (&presets)[N], double budget, double cost_scale, double min_epochs,
                          const RunShape& s) {
  const PresetCost* chosen = &presets[N - 1];
  for (const auto& p : presets)
    if (budget / (p.seconds * cost_scale) / double(std::max<int64_t>(1, s.cells)) >= min_epochs) {
      chosen = &p;
      break;
    }
  AutoChoice c;
  c.preset = chosen->name;
  set_length(c, budget / (chosen->seconds * cost_scale), s);
  return c;
}

}  // namespace

std::string AutoChoice::summary(bool with_length) const {
  std::string length = epochs > 0 ? std::to_string(epochs) + " epochs" : std::to_string(max_steps) + " steps";
  return preset + (with_length ? ", " + length : "") + " " + why;
}

nlohmann::json AutoChoice::to_json() const {
  return {{"preset", preset}, {"epochs", epochs}, {"max_steps", max_steps}, {"why", why}};
}

AutoChoice AutoChoice::from_json(const nlohmann::json& j) {
  AutoChoice c;
  c.preset = j.at("preset").get<std::string>();
  c.epochs = j.at("epochs").get<int64_t>();
  c.max_steps = j.at("max_steps").get<int64_t>();
  c.why = j.at("why").get<std::string>();
  return c;
}

AutoChoice auto_vae_run(const RunShape& s) {
  AutoChoice c = largest_within(kVaePresets, budget_seconds(s, kVaeBudget), vae_gene_cost(std::max<int64_t>(1, s.genes)),
                                kMinVaeEpochs, s);
  c.why = why(std::to_string(s.cells) + " cells x " + std::to_string(s.genes) + " genes", s, kMinVaeEpochs, kVaeBudget);
  return c;
}

AutoChoice auto_prior_run(const RunShape& s) {
  AutoChoice c = largest_within(kPriorPresets, budget_seconds(s, kPriorBudget), 1, kMinPriorEpochs, s);
  c.why = why(std::to_string(s.cells) + " cells", s, kMinPriorEpochs, kPriorBudget);
  return c;
}

}  // namespace scldm
