#include "io/simulate.hpp"

#include <cmath>
#include <random>
#include <thread>

#include "util/error.hpp"

namespace scldm {

namespace {

// splitmix64, so that each cell's draws depend on (seed, cell) only.
uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9E3779B97F4A7C15ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Log fold changes: a `fraction` of genes, up or down with equal chance.
std::vector<double> fold_changes(std::mt19937_64& rng, size_t G, double fraction, double mean, double sd) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> n(mean, sd);
  std::vector<double> fc(G, 1.0);
  for (auto& f : fc)
    if (u(rng) < fraction) f = std::exp((u(rng) < 0.5 ? -1 : 1) * n(rng));
  return fc;
}

}  // namespace

nlohmann::json SimulationParams::to_json() const {
  return {{"cells", cells}, {"genes", genes}, {"cell_types", cell_types}, {"conditions", conditions},
          {"mean_shape", mean_shape}, {"mean_rate", mean_rate}, {"library_mean", library_mean},
          {"library_sd", library_sd}, {"type_de_fraction", type_de_fraction}, {"type_de_mean", type_de_mean},
          {"type_de_sd", type_de_sd}, {"stim_de_fraction", stim_de_fraction}, {"stim_de_mean", stim_de_mean},
          {"stim_de_sd", stim_de_sd}, {"stim_shared", stim_shared}, {"bcv", bcv}, {"seed", seed}};
}

SimulatedSource::SimulatedSource(const SimulationParams& p) : p_(p) {
  if (p.cells < 1 || p.genes < 1) throw UsageError("--cells and --genes must be positive");
  if (p.cell_types.empty()) throw UsageError("--cell-types: at least one");
  if (p.conditions.empty() || p.conditions.size() > 2) throw UsageError("--conditions: one or two (control first)");
  const size_t G = size_t(p.genes), T = p.cell_types.size();
  for (int64_t g = 0; g < p.genes; ++g) {
    char name[32];
    snprintf(name, sizeof name, "Gene%05lld", (long long)g + 1);
    schema_.genes.push_back(name);
  }
  schema_.labels = {{"cell_type", p.cell_types}, {"condition", p.conditions}};
  schema_.n_cells = uint64_t(p.cells);
  std::mt19937_64 rng(mix(p.seed, 0xB45E));
  std::gamma_distribution<double> gamma(p.mean_shape, 1.0 / p.mean_rate);
  double total = 0;
  for (size_t g = 0; g < G; ++g) total += base_.emplace_back(gamma(rng));
  for (auto& b : base_) b /= total;
  auto shared = fold_changes(rng, G, p.stim_de_fraction * p.stim_shared, p.stim_de_mean, p.stim_de_sd);
  for (size_t t = 0; t < T; ++t) {
    type_fc_.push_back(fold_changes(rng, G, p.type_de_fraction, p.type_de_mean, p.type_de_sd));
    auto own = fold_changes(rng, G, p.stim_de_fraction * (1 - p.stim_shared), p.stim_de_mean, p.stim_de_sd);
    for (size_t g = 0; g < G; ++g) own[g] *= shared[g];
    stim_fc_.push_back(p.conditions.size() == 2 ? own : std::vector<double>(G, 1.0));
  }
  nlohmann::json type_fc = nlohmann::json::object(), stim_fc = nlohmann::json::object();
  for (size_t t = 0; t < T; ++t) {
    type_fc[p.cell_types[t]] = type_fc_[t];
    stim_fc[p.cell_types[t]] = stim_fc_[t];
  }
  truth_ = {{"parameters", p.to_json().dump()},
            {"base_proportion", base_},
            {"cell_type_fold_change", type_fc},
            {"condition_fold_change", stim_fc},
            {"method", "Splatter-like: gamma gene means, log-normal library sizes and fold changes, "
                       "gamma-Poisson counts (scldm simulate)"}};
}

void SimulatedSource::simulate_cells(int64_t begin, int64_t end, CountBlock& block) const {
  block.clear(2);
  const size_t G = base_.size();
  std::vector<double> mu(G);
  const double theta = 1.0 / (p_.bcv * p_.bcv);
  for (int64_t cell = begin; cell < end; ++cell) {
    std::mt19937_64 rng(mix(p_.seed, uint64_t(cell) + 1));
    std::uniform_int_distribution<int> type_of(0, int(p_.cell_types.size()) - 1), cond_of(0, int(p_.conditions.size()) - 1);
    int t = type_of(rng), c = cond_of(rng);
    std::lognormal_distribution<double> lib(std::log(p_.library_mean), p_.library_sd);
    double L = lib(rng), sum = 0;
    for (size_t g = 0; g < G; ++g) sum += mu[g] = base_[g] * type_fc_[size_t(t)][g] * (c == 1 ? stim_fc_[size_t(t)][g] : 1.0);
    double lib_size = 0;
    for (size_t g = 0; g < G; ++g) {
      std::gamma_distribution<double> gam(theta, L * mu[g] / sum / theta);
      std::poisson_distribution<int64_t> pois(gam(rng));
      int64_t x = pois(rng);
      if (x <= 0) continue;
      block.genes.push_back(uint32_t(g));
      block.counts.push_back(uint32_t(x));
      lib_size += double(x);
    }
    block.indptr.push_back(block.genes.size());
    char id[32];
    snprintf(id, sizeof id, "sim%06lld", (long long)cell + 1);
    block.ids.push_back(id);
    block.labels[0].push_back(t);
    block.labels[1].push_back(c);
    block.library_size.push_back(lib_size);
  }
}

bool SimulatedSource::next(CountBlock& block) {
  block.clear(2);
  if (next_cell_ >= p_.cells) return false;
  // Each cell has its own generator, so threads split a block of cells and
  // their parts are joined in order: the same bytes for any thread count.
  const int64_t end = std::min<int64_t>(p_.cells, next_cell_ + 4096), n = end - next_cell_;
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(p_.threads, n / 64));
  std::vector<CountBlock> parts(static_cast<size_t>(threads));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        simulate_cells(next_cell_ + n * t / threads, next_cell_ + n * (t + 1) / threads, parts[size_t(t)]);
      } catch (...) {
        errors[size_t(t)] = std::current_exception();
      }
    });
  for (auto& thread : pool) thread.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto& part : parts)
    for (size_t i = 0; i < part.size(); ++i) block.append_cell(part, i);
  next_cell_ = end;
  return true;
}

}  // namespace scldm
