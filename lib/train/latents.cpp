#include "train/latents.hpp"

#include <cstring>

#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {

torch::Tensor LatentSet::labels(const Indices& which) const {
  const int64_t A = int64_t(attributes.size());
  auto out = torch::empty({int64_t(which.size()), A}, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  for (size_t i = 0; i < which.size(); ++i)
    for (int64_t a = 0; a < A; ++a) {
      int32_t code = codes[which[i]][size_t(a)];
      p[int64_t(i) * A + a] = code < 0 ? attributes[size_t(a)].null_index() : code;
    }
  return out;
}

LatentSet make_latent_set(torch::Tensor z, const std::vector<LabelColumn>& columns,
                          const std::vector<std::vector<int32_t>>& column_codes, std::vector<double> library_size,
                          const std::vector<std::string>& conditions, const std::string& source) {
  LatentSet s;
  s.z = std::move(z);
  s.library_size = std::move(library_size);
  std::vector<size_t> picked;
  for (auto& name : conditions) {
    int c = find_label_column(columns, name);
    if (c < 0) {
      std::vector<std::string> names;
      for (auto& l : columns) names.push_back(l.name);
      throw UsageError("--condition: " + source + " has no label '" + name + "' (labels: " +
                       (names.empty() ? "none" : join(names, ", ")) + ")");
    }
    picked.push_back(size_t(c));
    s.attributes.push_back({columns[size_t(c)].name, columns[size_t(c)].categories});
  }
  const size_t n = size_t(s.z.size(0));
  s.codes.assign(n, std::vector<int32_t>(picked.size()));
  for (size_t i = 0; i < n; ++i)
    for (size_t a = 0; a < picked.size(); ++a) s.codes[i][a] = column_codes[picked[a]][i];
  return s;
}

LatentSet read_latents(StreamReader& in, const std::vector<std::string>& conditions) {
  const StreamHeader& h = in.header();
  if (h.kind != StreamHeader::Kind::latent) fail(in.path(), "is a counts stream; fit-prior needs latents (scldm encode)");
  // Rows reserved from the file size where it is known (twice the cells its
  // bytes would hold as raw floats: compressed frames hold more, and pages
  // never written cost no memory), else grown: the latents are held about once.
  const int64_t per_cell = h.tokens * h.dim;
  int64_t capacity = in.file_size() ? 2 * int64_t(*in.file_size() / uint64_t(per_cell * 4)) + 4096 : 4096, n = 0;
  auto z = torch::empty({capacity, h.tokens, h.dim});
  std::vector<std::vector<int32_t>> codes(h.labels.size());
  std::vector<double> library;
  LatentBlock b;
  while (in.next(b)) {
    for (float v : b.values)
      if (!std::isfinite(v)) fail(in.path(), "holds non-finite latents");
    const auto k = int64_t(b.size());
    if (n + k > capacity) {
      capacity = std::max(2 * capacity, n + k);
      auto bigger = torch::empty({capacity, h.tokens, h.dim});
      bigger.narrow(0, 0, n).copy_(z.narrow(0, 0, n));
      z = bigger;
    }
    memcpy(z.data_ptr<float>() + n * per_cell, b.values.data(), b.values.size() * sizeof(float));
    n += k;
    library.insert(library.end(), b.library_size.begin(), b.library_size.end());
    for (size_t c = 0; c < codes.size(); ++c) codes[c].insert(codes[c].end(), b.labels[c].begin(), b.labels[c].end());
  }
  if (library.empty()) fail(in.path(), "holds no cells");
  z = z.narrow(0, 0, n);
  return make_latent_set(z, h.labels, codes, library, conditions, in.path());
}

}  // namespace scldm
