#include "model/batch.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace scldm {

namespace {

// The positions (within cell c's genes) of the genes the encoder reads.
void readable_genes(const CellSet& cells, size_t c, const std::vector<uint8_t>& read, std::vector<size_t>& out) {
  out = iota_indices(cells.expressed(c));
  if (read.empty()) return;
  const size_t start = size_t(cells.indptr[c]);
  out.erase(std::remove_if(out.begin(), out.end(), [&](size_t k) { return !read[size_t(cells.genes[start + k] - 1)]; }), out.end());
}

}  // namespace

EncoderBatch encoder_batch(const CellSet& cells, const std::vector<size_t>& which, int64_t max_genes, uint64_t seed,
                           const torch::Device& device, int64_t pad_to, const std::vector<uint8_t>& read) {
  // Each cell's genes for the encoder (positions within the cell), found once.
  const auto B = int64_t(which.size());
  std::vector<std::vector<size_t>> chosen(which.size());
  int64_t longest = std::max<int64_t>(1, pad_to);
  for (size_t b = 0; b < which.size(); ++b) {
    if (which[b] == kPlaceholderCell) continue;
    const size_t c = which[b];
    std::vector<size_t>& order = chosen[b];
    readable_genes(cells, c, read, order);
    const size_t n = order.size();
    if (int64_t(n) > max_genes) {  // a uniform subset, without replacement
      std::mt19937_64 rng(mix_seed(seed, cells.position(c)));
      for (int64_t k = 0; k < max_genes; ++k) std::swap(order[size_t(k)], order[k + rng() % (n - size_t(k))]);
      order.resize(size_t(max_genes));
    }
    longest = std::max<int64_t>(longest, int64_t(order.size()));
  }
  auto genes = torch::zeros({B, longest}, torch::kInt64);
  auto counts = torch::zeros({B, longest}, torch::kFloat32);
  auto mask = torch::zeros({B, longest}, torch::kBool);
  auto g = genes.accessor<int64_t, 2>();
  auto x = counts.accessor<float, 2>();
  auto m = mask.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    if (which[size_t(b)] == kPlaceholderCell) continue;
    const size_t start = size_t(cells.indptr[which[size_t(b)]]);
    const std::vector<size_t>& order = chosen[size_t(b)];
    for (size_t k = 0; k < order.size(); ++k) {
      g[b][int64_t(k)] = cells.genes[start + order[k]];
      x[b][int64_t(k)] = cells.counts[start + order[k]];
      m[b][int64_t(k)] = true;
    }
  }
  auto library = torch::ones({B}, torch::kFloat32);
  float* l = library.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b)
    if (which[size_t(b)] != kPlaceholderCell) l[b] = float(cells.library_size[which[size_t(b)]]);
  return {genes.to(device), counts.to(device), mask.to(device), library.to(device)};
}

torch::Tensor dense_counts(const CellSet& cells, const std::vector<size_t>& which, int64_t n_genes,
                           const torch::Device& device) {
  auto out = torch::zeros({int64_t(which.size()), n_genes}, torch::kFloat32);
  auto a = out.accessor<float, 2>();
  for (size_t b = 0; b < which.size(); ++b) {
    size_t c = which[b];
    for (uint64_t k = cells.indptr[c]; k < cells.indptr[c + 1]; ++k) a[int64_t(b)][cells.genes[k] - 1] = cells.counts[k];
  }
  return out.to(device);
}

torch::Tensor library_sizes(const CellSet& cells, const std::vector<size_t>& which, const torch::Device& device) {
  auto out = torch::empty({int64_t(which.size())}, torch::kFloat32);
  float* p = out.data_ptr<float>();  // not out[b] = ...: one tensor operation per cell
  for (size_t b = 0; b < which.size(); ++b) p[b] = float(cells.library_size[which[b]]);
  return out.to(device);
}

torch::Tensor measured_genes(const CellSet& cells, const std::vector<size_t>& which, const torch::Device& device) {
  if (!cells.panels) return {};
  const int64_t G = int64_t(cells.vocabulary.size());
  auto out = torch::ones({int64_t(which.size()), G}, torch::kBool);
  bool* p = out.data_ptr<bool>();
  for (size_t b = 0; b < which.size(); ++b)
    if (which[b] != kPlaceholderCell) {
      const auto& m = cells.panels->measured[cells.panel(which[b])];
      for (int64_t g = 0; g < G; ++g) p[int64_t(b) * G + g] = m[size_t(g)] != 0;
    }
  return out.to(device);
}

torch::Tensor index_tensor(const std::vector<size_t>& which) {
  return torch::tensor(std::vector<int64_t>(which.begin(), which.end()), torch::kInt64);
}

}  // namespace scldm
