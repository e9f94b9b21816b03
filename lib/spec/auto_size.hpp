// --preset auto (scldm-model(7), DEFAULTS): the model size and the length of
// a run from the device kind and the shape of the data. Nothing is timed, so
// a command gives the same model on every machine of a kind, whatever its
// speed or thread count; the budgets are the work that about ten minutes (VAE)
// and four minutes (prior) buy on two cores of the project's reference CPU
// (bench/RESULTS.md, "Defaults").
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace scldm {

struct RunShape {
  int64_t cells = 0;  // before the validation split
  int64_t genes = 0;  // the vocabulary (the VAE's decoder computes every one)
  int64_t batch = 0;
  bool accelerator = false;  // a CUDA device: 200x the budget (a guess, not measured)
  double seconds = 0;        // > 0: --time, the budget instead of the default one
};

struct AutoChoice {
  std::string preset;
  int64_t epochs = 0;     // > 0: this many epochs
  int64_t max_steps = 0;  // > 0: the budget holds less than an epoch: this many steps
  std::string why;        // what it was chosen from ("for 9809 cells on the CPU, ...")
  // "base, 12 epochs for ...": the preset, the length (unless another option set it), why.
  std::string summary(bool with_length) const;
  nlohmann::json to_json() const;
  static AutoChoice from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
};

AutoChoice auto_vae_run(const RunShape& shape);
AutoChoice auto_prior_run(const RunShape& shape);

}  // namespace scldm
