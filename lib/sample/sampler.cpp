#include "sample/sampler.hpp"

#include <cmath>
#include <set>

#include "io/stream.hpp"
#include "model/cell_blocks.hpp"
#include "spec/library.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
#include "util/output.hpp"
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
    // Counts are uint32: a draw from the log-normal's far tail is held at that limit.
    library_size[size_t(i)] = std::clamp(std::round(std::exp(g.mean + g.sd * eps)), 1.0, 4294967295.0);
    for (int64_t a = 0; a < A; ++a) labels[i][a] = codes[size_t(a)] < 0 ? d.config.classes[size_t(a)] : codes[size_t(a)];
  }
  auto out = torch::empty({n, m, D});
  const int64_t block = cell_block_size(opt.device), start = int64_t(first);
  std::vector<SolveStats> block_stats(size_t((start + n + block - 1) / block - start / block));
  for_each_cell_block(start, n, opt.device, [&](int64_t begin) {
    // Placeholder rows (outside the cells asked for) start at zero, unconditioned.
    auto zb = torch::zeros({block, m, D});
    auto lb = prior.model->null_labels(block);
    const int64_t lo = std::max(begin, start), hi = std::min(begin + block, start + n);
    zb.narrow(0, lo - begin, hi - lo).copy_(z0.narrow(0, lo - start, hi - lo));
    lb.narrow(0, lo - begin, hi - lo).copy_(labels.narrow(0, lo - start, hi - lo));
    lb = lb.to(opt.device);
    VelocityField f = [&](const torch::Tensor& z, const torch::Tensor& t) {
      return guided_velocity(prior.model, z, t, lb, opt.guidance);
    };
    SolveStats& s = block_stats[size_t(begin / block - start / block)];
    auto z = integrate(f, zb.to(opt.device), opt.solver, &s).to(torch::kCPU);
    out.narrow(0, lo - start, hi - lo).copy_(z.narrow(0, lo - begin, hi - lo));
  });
  if (stats)
    for (auto& s : block_stats) {
      stats->evaluations += s.evaluations;
      stats->accepted += s.accepted;
      stats->rejected += s.rejected;
    }
  return out;
}

namespace {

// One note per label combination whose library sizes come from a coarser group.
void note_fallbacks(const PriorDescription& d, const SampleRequests& requests) {
  std::set<std::vector<int32_t>> combinations;
  if (requests.per_cell.empty()) combinations.insert(requests.fixed);
  else combinations.insert(requests.per_cell.begin(), requests.per_cell.end());
  for (auto& codes : combinations) {
    LibraryGroup g = library_lookup(d.library, d.attributes, codes);
    if (!g.exact)
      note(group_key(d.attributes, codes, requested_attributes(codes)) + " was not seen in training: library sizes from " +
           (g.key.empty() ? "all cells" : g.key));
  }
}

// Guidance extrapolates: weights far above 1 can throw the flow off to infinity.
void check_finite(const torch::Tensor& z, const LatentBlock& b, const SampleOptions& opt) {
  auto bad = torch::isfinite(z).flatten(1).all(1).logical_not().nonzero();
  if (bad.numel() == 0) return;
  const std::string& id = b.ids[size_t(bad[0][0].item<int64_t>())];
  double w = 0;
  for (double x : opt.guidance.weights) w = std::max(w, std::abs(x));
  throw Error("cell " + id + ": the guided flow reached non-finite latents" +
              (w > 1 ? std::string("; lower --cfg (the largest weight is ") + std::to_string(w) + ")" : std::string()));
}

}  // namespace

void sample_to_stream(LoadedPrior& prior, const SampleRequests& requests, const SampleOptions& opt,
                      const std::string& output) {
  const auto& d = prior.description;
  note_fallbacks(d, requests);
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = d.config.tokens;
  h.dim = d.config.latent_dim;
  for (auto& a : d.attributes) h.labels.push_back({a.name, a.categories});
  h.provenance = opt.provenance;
  OutputFile out(output, true);
  StreamWriter writer(out.fd(), out.path(), h);
  Progress progress("sampling", requests.size);
  const uint64_t batch = uint64_t(std::max<int64_t>(1, opt.batch_size));
  std::vector<std::vector<int32_t>> chunk;
  for (uint64_t start = 0; start < requests.size; start += batch) {
    const uint64_t end = std::min(requests.size, start + batch);
    chunk.clear();
    for (uint64_t i = start; i < end; ++i) chunk.push_back(requests.at(i));
    LatentBlock b;
    b.clear(d.attributes.size());
    auto z = sample_latents(prior, chunk, start, opt, b.library_size);
    for (uint64_t i = start; i < end; ++i) {
      b.ids.push_back(opt.ids.empty() ? "cell" + std::to_string(i + 1) : opt.ids[i]);
      for (size_t a = 0; a < d.attributes.size(); ++a) b.labels[a].push_back(chunk[i - start][a]);
    }
    check_finite(z, b, opt);
    b.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    writer.write(b);
    progress.update(end);
  }
  progress.finish();
  writer.finish();
  out.commit();
}

}  // namespace scldm
