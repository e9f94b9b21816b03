// ODE solvers for dz/dt = f(z, t) from t = 0 to 1 (scldm-model(7), SAMPLING AND GUIDANCE). Each row of
// the batch is its own problem with its own time: the adaptive solver picks
// step sizes per row, so a cell's path does not depend on its batch. f is
// always evaluated on every row (rows that have arrived stand still), so the
// shape of every call is fixed and a row's arithmetic does not depend on how
// far the others are.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>

namespace scldm {

// f(z [B, ...], t [B]) -> dz/dt, same shape as z.
using VelocityField = std::function<torch::Tensor(const torch::Tensor& z, const torch::Tensor& t)>;

struct SolverOptions {
  std::string solver = "heun";  // euler | heun | dopri5
  int64_t steps = 20;           // euler/heun: fixed steps; dopri5: the first step is 1/steps
  double atol = 1e-5, rtol = 1e-5;
  int64_t max_steps = 100000;   // dopri5: per row, accepted and rejected
};

struct SolveStats {
  int64_t evaluations = 0;       // evaluations of f for rows still integrating
  int64_t accepted = 0, rejected = 0;  // dopri5 steps, summed over rows
};

torch::Tensor integrate(const VelocityField& f, const torch::Tensor& z0, const SolverOptions& options,
                        SolveStats* stats = nullptr);

}  // namespace scldm
