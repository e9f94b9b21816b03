#include "spec/auto_size.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scldm {

namespace {

// Seconds of the reference CPU (2 cores of an AMD EPYC Zen 4, bench/RESULTS.md
// "Defaults") per unit of work, and the budgets they are spent against.
constexpr double kVaeSecondsPerCellGene = 3.5e-6;  // base: one cell x one gene, forward and backward
constexpr double kVaeBudget = 600;
constexpr double kPriorBudget = 240;
constexpr double kAcceleratorSpeedup = 200;  // not measured here: a guess that only scales the budget
constexpr int64_t kMaxVaeEpochs = 100, kMaxPriorEpochs = 100;
// The prior: the largest preset that trains this many epochs in the budget (on kang_ctrl_muscat
// small for 40 epochs generated no better than tiny for 100, at 4x the time).
constexpr double kMinPriorEpochs = 100;

struct PriorPreset {
  const char* name;
  double seconds_per_cell;  // one training pass of one cell
};
constexpr PriorPreset kPriorPresets[] = {{"base", 3.4e-2}, {"small", 8.0e-4}, {"tiny", 2.1e-4}};

double budget_seconds(const RunShape& s, double default_seconds) {
  return (s.seconds > 0 ? s.seconds : default_seconds) * (s.accelerator ? kAcceleratorSpeedup : 1);
}

std::string describe_budget(const RunShape& s, double default_seconds) {
  char text[160];
  if (s.seconds > 0)
    snprintf(text, sizeof text, "the --time budget");
  else
    snprintf(text, sizeof text, "about %g min of 2 CPU cores%s", default_seconds / 60,
             s.accelerator ? " x 200 for the GPU" : "");
  return text;
}

// Whole epochs when the budget holds at least one, else steps of a partial epoch.
void set_length(AutoChoice& c, double cell_passes, const RunShape& s, int64_t max_epochs) {
  const double epochs = cell_passes / double(std::max<int64_t>(1, s.cells));
  if (epochs >= 1) c.epochs = std::min<int64_t>(max_epochs, int64_t(std::llround(epochs)));
  else c.max_steps = std::max<int64_t>(1, int64_t(cell_passes / double(std::max<int64_t>(1, s.batch))));
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

// The reference's size always: at any budget it reconstructs better than the
// smaller ones trained for longer (bench/RESULTS.md); the budget sets the length.
AutoChoice auto_vae_run(const RunShape& s) {
  AutoChoice c;
  c.preset = "base";
  set_length(c, budget_seconds(s, kVaeBudget) / kVaeSecondsPerCellGene / double(std::max<int64_t>(1, s.genes)), s,
             kMaxVaeEpochs);
  c.why = "for " + std::to_string(s.cells) + " cells x " + std::to_string(s.genes) + " genes on " +
          (s.accelerator ? "a GPU" : "the CPU") + ", " + describe_budget(s, kVaeBudget);
  return c;
}

AutoChoice auto_prior_run(const RunShape& s) {
  const double budget = budget_seconds(s, kPriorBudget), cells = double(std::max<int64_t>(1, s.cells));
  const PriorPreset* chosen = &kPriorPresets[std::size(kPriorPresets) - 1];
  for (const auto& p : kPriorPresets)
    if (budget / p.seconds_per_cell / cells >= kMinPriorEpochs) {
      chosen = &p;
      break;
    }
  AutoChoice c;
  c.preset = chosen->name;
  set_length(c, budget / chosen->seconds_per_cell, s, kMaxPriorEpochs);
  c.why = "for " + std::to_string(s.cells) + " cells on " + (s.accelerator ? "a GPU" : "the CPU") +
          " (the largest size that trains " + std::to_string(int(kMinPriorEpochs)) + " epochs in " +
          describe_budget(s, kPriorBudget) + ")";
  return c;
}

}  // namespace scldm
