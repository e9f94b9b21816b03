#include "spec/auto_size.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scldm {

namespace {

// Seconds of the reference CPU (2 cores of an AMD EPYC Zen 4, bench/RESULTS.md
// "Defaults") per unit of work, and the budgets they are spent against.
constexpr double kVaeBudget = 600;
// The prior's budget is the VAE's: on the tour's split a small prior (498 s) generated cells much
// closer to the real ones than a tiny one (58 s): Frechet 11.9 against 15.6, 1-NN 0.642 against 0.670.
constexpr double kPriorBudget = 600;
constexpr double kAcceleratorSpeedup = 200;  // not measured here: a guess that only scales the budget
constexpr int64_t kMaxEpochs = 100;

struct PresetCost {
  const char* name;
  double seconds;     // VAE: per cell and unit of vae_gene_cost; prior: per cell
  double min_epochs;  // chosen only where the budget trains this many epochs (the last preset: always)
};
// fit-vae on kang_ctrl_muscat's 7,797 training cells x 1,287 genes, 10 epochs, validation included
// (2026-12-01, third session: rows kept, the blocks' second half fused): base 101 s, small 79.9 s,
// tiny 37.2 s (before: 106, 93.3, 40.9 s; 168.6, 111.4, 60.3 s).
// The minimum epochs: on the tour's split, in about 10 minutes, small for 69 epochs reconstructed
// held-out cells far better than base for 35 (PCC 0.164 against 0.128), base for 10 worse than tiny
// for 40: base pays where it trains 100 epochs (small data, a GPU), small from 30.
constexpr PresetCost kVaePresets[] = {{"base", 0.69e-6, 100}, {"small", 0.55e-6, 30}, {"tiny", 0.26e-6, 0}};
// A cell's cost is a fixed part (encoder, decoder trunk, optimiser) and the decoder's gene side, one
// token per gene: G + 580 fits kang and pbmc_sorted (8,846 genes: base 2 epochs of 2,209 cells, 50.5 s).
double vae_gene_cost(int64_t genes) { return double(genes) + 580; }
// fit-prior on the latents of a small or base VAE (16 tokens; a tiny VAE's 4 cost ~2.5x less), batch
// 256, 2 threads, validation included (2026-12-01): base 1.09 s per step, small 498 s and tiny 58 s for
// 100 epochs of 7,797 cells.
constexpr PresetCost kPriorPresets[] = {{"base", 4.4e-3, 100}, {"small", 6.4e-4, 100}, {"tiny", 7.5e-5, 0}};

double budget_seconds(const RunShape& s, double default_seconds) {
  return (s.seconds > 0 ? s.seconds : default_seconds) * (s.accelerator ? kAcceleratorSpeedup : 1);
}

std::string describe_budget(const RunShape& s, double default_seconds) {
  if (s.seconds > 0) return "the --time budget";
  char text[160];
  snprintf(text, sizeof text, "about %g min of 2 CPU cores", default_seconds / 60);
  return text + (s.accelerator ? " x " + std::to_string(int(kAcceleratorSpeedup)) + " for the GPU" : std::string());
}

// "base 100, small 30 epochs" (the presets' minimum epochs but the last's), or "100 epochs" when equal.
template <size_t N>
std::string minimum_epochs(const PresetCost (&presets)[N]) {
  std::string text;
  bool equal = true;
  for (size_t i = 0; i + 1 < N; ++i) {
    text += std::string(i ? ", " : "") + presets[i].name + " " + std::to_string(int(presets[i].min_epochs));
    equal = equal && presets[i].min_epochs == presets[0].min_epochs;
  }
  return (equal ? std::to_string(int(presets[0].min_epochs)) : text) + " epochs";
}

// "for 9809 cells on the CPU (the largest size that trains 100 epochs in about 4 min of 2 CPU cores)"
template <size_t N>
std::string why(const std::string& data, const RunShape& s, const PresetCost (&presets)[N], double default_seconds) {
  return "for " + data + " on " + (s.accelerator ? "a GPU" : "the CPU") + " (the largest size that trains " +
         minimum_epochs(presets) + " in " + describe_budget(s, default_seconds) + ")";
}

// Whole epochs when the budget holds at least one, else steps of a partial epoch.
void set_length(AutoChoice& c, double cell_passes, const RunShape& s) {
  const double epochs = cell_passes / double(std::max<int64_t>(1, s.cells));
  if (epochs >= 1) c.epochs = std::min<int64_t>(kMaxEpochs, int64_t(std::llround(epochs)));
  else c.max_steps = std::max<int64_t>(1, int64_t(cell_passes / double(std::max<int64_t>(1, s.batch))));
}

// The first (largest) preset whose cost per cell pass lets the budget train
// its minimum epochs, else the last; as many epochs as the budget holds.
template <size_t N>
AutoChoice largest_within(const PresetCost (&presets)[N], double budget, double cost_scale, const RunShape& s) {
  const PresetCost* chosen = &presets[N - 1];
  for (const auto& p : presets)
    if (budget / (p.seconds * cost_scale) / double(std::max<int64_t>(1, s.cells)) >= p.min_epochs) {
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
  AutoChoice c = largest_within(kVaePresets, budget_seconds(s, kVaeBudget), vae_gene_cost(std::max<int64_t>(1, s.genes)), s);
  c.why = why(std::to_string(s.cells) + " cells x " + std::to_string(s.genes) + " genes", s, kVaePresets, kVaeBudget);
  return c;
}

AutoChoice auto_prior_run(const RunShape& s) {
  AutoChoice c = largest_within(kPriorPresets, budget_seconds(s, kPriorBudget), 1, s);
  c.why = why(std::to_string(s.cells) + " cells", s, kPriorPresets, kPriorBudget);
  return c;
}

}  // namespace scldm
