// Latents held in memory for training the prior, with the labels of the
// conditioning attributes.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "io/stream.hpp"
#include "spec/config.hpp"
#include "train/loop.hpp"

namespace scldm {

struct LatentSet {
  torch::Tensor z;  // [N, m, D] float32 on the CPU
  std::vector<Attribute> attributes;
  std::vector<std::vector<int32_t>> codes;  // [cell][attribute]; -1 when the cell has no label
  std::vector<double> library_size;
  size_t size() const { return codes.size(); }
  // Labels of `which` as the DiT takes them, [B, A] (no label -> null row).
  torch::Tensor labels(const Indices& which) const;
};

// Picks the conditioning columns by name from the label columns of the
// cells (an unknown name is a usage error listing the columns there are).
LatentSet make_latent_set(torch::Tensor z, const std::vector<LabelColumn>& columns,
                          const std::vector<std::vector<int32_t>>& column_codes, std::vector<double> library_size,
                          const std::vector<std::string>& conditions, const std::string& source);

// Reads a whole latent stream.
LatentSet read_latents(StreamReader& in, const std::vector<std::string>& conditions);

}  // namespace scldm
