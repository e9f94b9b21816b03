// Cell positions and the seeded arithmetic on them that every layer shares:
// per-cell and per-step seeds, permutations and held-out splits. The same
// seed gives the same cells on every machine (std::mt19937_64 and
// std::shuffle's use of it are fixed by libstdc++).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace scldm {

using Indices = std::vector<size_t>;

// splitmix64: cheap, well-mixed seeds for per-cell and per-step generators.
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 0, 1, ..., n-1.
inline Indices iota_indices(size_t n) {
  Indices all(n);
  std::iota(all.begin(), all.end(), size_t(0));
  return all;
}

// `v` permuted by a generator seeded with `rng_seed`.
inline Indices shuffled_indices(Indices v, uint64_t rng_seed) {
  std::mt19937_64 rng(rng_seed);
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

// A seeded permutation of 0..n-1 whose first floor(n * fraction) positions
// are held out (at least one when at_least_one and n > 1), in permutation order.
inline void split_permutation(size_t n, double fraction, uint64_t rng_seed, bool at_least_one, Indices& kept,
                              Indices& held) {
  Indices all = shuffled_indices(iota_indices(n), rng_seed);
  size_t n_held = size_t(std::floor(double(n) * fraction));
  if (at_least_one && fraction > 0 && n_held == 0 && n > 1) n_held = 1;
  held.assign(all.begin(), all.begin() + long(n_held));
  kept.assign(all.begin() + long(n_held), all.end());
}

}  // namespace scldm
