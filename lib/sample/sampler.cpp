#include "sample/sampler.hpp"

#include <cmath>
#include <set>

#include "io/stream.hpp"
#include "sample/library.hpp"
#include "train/batch.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace scldm {

torch::Tensor sample_latents(LoadedPrior& prior, const std::vector<std::vector<int32_t>>& requests, uint64_t first,
                             const SampleOptions& opt, std::vector<double>& library_size, SolveStats* stats) {
  const auto& d = prior.description;
  const int64_t n = int64_t(requests.size()), m = d.config.tokens, D = d.config.latent_dim, A = int64_t(d.attributes.size());
  auto z0 = torch::empty({n, m, D});
  auto labels = torch::empty({n, A}, torch::kInt64);
  library_size.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    // Each cell's draws come from its own generator: batch- and thread-invariant.
    auto gen = at::detail::createCPUGenerator(mix_seed(opt.seed, first + uint64_t(i)));
    z0[i].copy_(torch::randn({m, D}, gen));
    double eps = torch::randn({1}, gen).item<double>();
    const auto& codes = requests[size_t(i)];
    LibraryGroup g = library_lookup(d.library, d.attributes, codes);
    library_size[size_t(i)] = std::max(1.0, std::round(std::exp(g.mean + g.sd * eps)));
    for (int64_t a = 0; a < A; ++a) labels[i][a] = codes[size_t(a)] < 0 ? d.config.classes[size_t(a)] : codes[size_t(a)];
  }
  torch::NoGradGuard no_grad;
  auto lab = labels.to(opt.device);
  VelocityField f = [&](const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& rows) {
    return guided_velocity(prior.model, z, t, lab.index_select(0, rows), opt.guidance);
  };
  return integrate(f, z0.to(opt.device), opt.solver, stats).to(torch::kCPU).contiguous();
}

void sample_to_stream(LoadedPrior& prior, const std::vector<std::vector<int32_t>>& requests, const SampleOptions& opt,
                      const std::string& output) {
  const auto& d = prior.description;
  // One note per label combination that falls back (checked once per distinct combination).
  std::set<std::vector<int32_t>> combinations(requests.begin(), requests.end());
  for (auto& codes : combinations) {
    LibraryGroup g = library_lookup(d.library, d.attributes, codes);
    if (!g.exact)
      note(group_key(d.attributes, codes, requested_attributes(codes)) + " was not seen in training: library sizes from " + (g.key.empty() ? "all cells" : g.key));
  }
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = d.config.tokens;
  h.dim = d.config.latent_dim;
  for (auto& a : d.attributes) h.labels.push_back({a.name, a.categories});
  h.provenance = opt.provenance;
  OutputFile out(output, true);
  StreamWriter writer(out.fd(), out.path(), h);
  Progress progress("sampling", requests.size());
  for (size_t start = 0; start < requests.size(); start += size_t(opt.batch_size)) {
    size_t end = std::min(requests.size(), start + size_t(opt.batch_size));
    std::vector<std::vector<int32_t>> chunk(requests.begin() + long(start), requests.begin() + long(end));
    LatentBlock b;
    b.clear(d.attributes.size());
    auto z = sample_latents(prior, chunk, start, opt, b.library_size);
    b.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    for (size_t i = start; i < end; ++i) {
      b.ids.push_back(opt.ids.empty() ? "cell" + std::to_string(i + 1) : opt.ids[i]);
      for (size_t a = 0; a < d.attributes.size(); ++a) b.labels[a].push_back(requests[i][a]);
    }
    writer.write(b);
    progress.update(end);
  }
  progress.finish();
  writer.finish();
  out.commit();
}

}  // namespace scldm
