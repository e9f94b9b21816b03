#include "sample/ode.hpp"

#include <cmath>

#include "util/error.hpp"

namespace scldm {
namespace {

// Per-row scalars [B] broadcast over the row's other dimensions.
torch::Tensor per_row(const torch::Tensor& v, const torch::Tensor& like) {
  std::vector<int64_t> shape(size_t(like.dim()), 1);
  shape[0] = v.size(0);
  return v.to(like.options()).view(shape);
}

torch::Tensor times(int64_t rows, double t, const torch::Tensor& like) {
  return torch::full({rows}, t, like.options());
}

torch::Tensor fixed_steps(const VelocityField& f, torch::Tensor z, const SolverOptions& o, SolveStats& stats) {
  const double h = 1.0 / double(o.steps);
  const int64_t B = z.size(0);
  for (int64_t k = 0; k < o.steps; ++k) {
    double t = double(k) * h;
    auto v = f(z, times(B, t, z));
    stats.evaluations += B;
    if (o.solver == "euler") {
      z = z + h * v;
    } else {
      auto v2 = f(z + h * v, times(B, t + h, z));
      stats.evaluations += B;
      z = z + (h / 2) * (v + v2);
    }
  }
  return z;
}

// Dormand–Prince 5(4) tableau.
constexpr double kC[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
constexpr double kA[7][6] = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
};
// Fifth-order weights minus the embedded fourth-order ones.
constexpr double kE[7] = {35.0 / 384 - 5179.0 / 57600, 0, 500.0 / 1113 - 7571.0 / 16695, 125.0 / 192 - 393.0 / 640,
                          -2187.0 / 6784 + 92097.0 / 339200, 11.0 / 84 - 187.0 / 2100, -1.0 / 40};

torch::Tensor dopri5(const VelocityField& f, torch::Tensor z, const SolverOptions& o, SolveStats& stats) {
  const int64_t B = z.size(0);
  auto opts64 = torch::TensorOptions().dtype(torch::kFloat64).device(z.device());
  auto t = torch::zeros({B}, opts64);
  auto h = torch::full({B}, 1.0 / double(o.steps), opts64);
  auto k1 = f(z, t.to(z.dtype()));
  stats.evaluations += B;
  int64_t tries = 0;  // steps of the slowest row, accepted and rejected
  while (true) {
    auto active = t < 1.0;
    const int64_t n_active = active.sum().item<int64_t>();
    if (n_active == 0) break;
    if (++tries > o.max_steps)
      throw Error("dopri5 did not reach t = 1 within " + std::to_string(o.max_steps) + " steps; loosen --atol/--rtol");
    // Rows that have arrived take steps of length 0.
    auto ha = torch::where(active, torch::minimum(h, 1.0 - t), torch::zeros_like(h));
    auto hz = per_row(ha, z);
    std::vector<torch::Tensor> k{k1};
    torch::Tensor z5;
    for (int s = 1; s < 7; ++s) {
      auto zs = z;
      for (int j = 0; j < s; ++j)
        if (kA[s][j] != 0) zs = zs + hz * (kA[s][j] * k[size_t(j)]);
      if (s == 6) z5 = zs;  // the fifth-order solution; k7 (FSAL) is f there
      k.push_back(f(zs, (t + kC[s] * ha).to(z.dtype())));
    }
    stats.evaluations += 6 * n_active;
    auto err = torch::zeros_like(z);
    for (int j = 0; j < 7; ++j) err = err + kE[j] * k[size_t(j)];
    err = hz * err;
    auto scale = o.atol + o.rtol * torch::maximum(z.abs(), z5.abs());
    auto norm = (err / scale).pow(2).flatten(1).mean(1).sqrt().to(torch::kFloat64);
    auto accept = active.logical_and(norm <= 1.0);
    auto factor = torch::clamp(0.9 * norm.clamp_min(1e-10).pow(-0.2), 0.2, 10.0);
    auto take = per_row(accept, z).to(torch::kBool);
    z = torch::where(take, z5, z);
    k1 = torch::where(take, k[6], k1);
    // Land exactly on 1 when the step was clipped to the end.
    auto tn = t + ha;
    tn = torch::where(tn >= 1.0 - 1e-12, torch::ones_like(tn), tn);
    t = torch::where(accept, tn, t);
    h = torch::where(active, ha * factor, h);
    const int64_t n_accepted = accept.sum().item<int64_t>();
    stats.accepted += n_accepted;
    stats.rejected += n_active - n_accepted;
  }
  return z;
}

}  // namespace

torch::Tensor integrate(const VelocityField& f, const torch::Tensor& z0, const SolverOptions& o, SolveStats* stats) {
  SolveStats local;
  SolveStats& s = stats ? *stats : local;
  if (o.steps < 1) throw UsageError("--steps must be at least 1");
  if (o.solver == "euler" || o.solver == "heun") return fixed_steps(f, z0.clone(), o, s);
  if (o.solver == "dopri5") {
    if (!(o.atol > 0) || !(o.rtol >= 0)) throw UsageError("--atol must be > 0 and --rtol >= 0");
    return dopri5(f, z0.clone(), o, s);
  }
  throw UsageError("--solver: unknown solver '" + o.solver + "' (euler, heun, dopri5)");
}

}  // namespace scldm
