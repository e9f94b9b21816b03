#include "pipeline/decode.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "model/cell_blocks.hpp"
#include "model/infer.hpp"
#include "util/error.hpp"
#include "util/indices.hpp"

namespace scldm {

namespace {

// Counts are stored as uint32: a cell's library size must fit.
constexpr double kMaxLibrarySize = 4294967295.0;

std::string number_text(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

class DecodedSource : public CountSource {
 public:
  DecodedSource(LoadedVae& vae, std::unique_ptr<StreamReader> in, const DecodeOptions& opt)
      : vae_(vae), in_(std::move(in)), opt_(opt), path_(in_->path()) {
    const StreamHeader& h = in_->header();
    if (h.kind != StreamHeader::Kind::latent) fail(path_, "is a counts stream; decode needs latents");
    if (h.tokens != vae.config.tokens || h.dim != vae.config.latent_dim)
      fail(path_, "latents are " + std::to_string(h.tokens) + " x " + std::to_string(h.dim) + " but the VAE's are " +
                      std::to_string(vae.config.tokens) + " x " + std::to_string(vae.config.latent_dim));
    schema_.labels = h.labels;
    if (opt.genes.empty()) {
      schema_.genes = vae.genes;
      for (size_t g = 0; g < vae.genes.size(); ++g) columns_.push_back(int64_t(g));
    } else {
      std::unordered_map<std::string, int64_t> index;
      for (size_t g = 0; g < vae.genes.size(); ++g) index.emplace(vae.genes[g], int64_t(g));
      for (auto& name : opt.genes) {
        auto it = index.find(name);
        if (it == index.end()) throw Error("--genes: '" + name + "' is not in the VAE's vocabulary");
        columns_.push_back(it->second);
        schema_.genes.push_back(name);
      }
    }
    column_index_ = torch::tensor(columns_);
    if (!opt.genes.empty()) {  // a panel: the softmax runs over its genes (scldm-model(7), SEVERAL GENE PANELS)
      panel_ = torch::zeros({1, int64_t(vae.genes.size())}, torch::kBool);
      panel_.index_fill_(1, column_index_, true);
      panel_ = panel_.to(opt.device);
    }
  }
  const CountSchema& schema() const override { return schema_; }
  const std::string& path() const override { return path_; }

  bool next(CountBlock& block) override {
    block.clear(schema_.labels.size());
    LatentBlock lat;
    if (!in_->next(lat)) return false;
    const int64_t n = int64_t(lat.size());
    std::vector<double> library(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      library[size_t(i)] = opt_.library_size > 0 ? opt_.library_size : lat.library_size[size_t(i)];
      if (library[size_t(i)] > kMaxLibrarySize)
        fail(path_, "record " + std::to_string(cell_index_ + uint64_t(i) + 1) + " ('" + lat.ids[size_t(i)] +
                        "'): library size " + number_text(library[size_t(i)]) + " is beyond what counts hold (at most 4294967295)");
    }
    // Whole blocks per round bound the memory of the decoded values.
    const int64_t chunk = std::max<int64_t>(1, opt_.batch_size);
    for (int64_t start = 0; start < n; start += chunk) {
      const int64_t c = std::min(chunk, n - start);
      auto values = decode_range(lat, library, start, c);
      for (int64_t i = start; i < start + c; ++i) append(block, lat, library, i, values[size_t(i - start)]);
    }
    cell_index_ += uint64_t(n);
    return true;
  }

 private:
  // The written values of records [start, start + c) of `lat`.
  std::vector<torch::Tensor> decode_range(const LatentBlock& lat, const std::vector<double>& library, int64_t start, int64_t c) {
    const int64_t m = vae_.config.tokens, D = vae_.config.latent_dim, block = cell_block_size(opt_.device);
    const int64_t first = int64_t(cell_index_) + start;
    std::vector<torch::Tensor> out(static_cast<size_t>(c));
    for_each_cell_block(first, c, opt_.device, [&](int64_t begin) {
      const int64_t lo = std::max(begin, first), hi = std::min(begin + block, first + c);
      auto z = torch::zeros({block, m, D});
      auto lib = torch::ones({block});
      for (int64_t g = lo; g < hi; ++g) {
        const int64_t i = start + g - first;
        z[g - begin].copy_(torch::from_blob(const_cast<float*>(lat.values.data()) + i * m * D, {m, D}));
        lib[g - begin] = library[size_t(i)];
      }
      auto dec = vae_.model->decode(z.to(opt_.device), lib.to(opt_.device), panel_);
      // One copy to the host per block (the NB draws run there, in float64).
      auto mu = dec.mu.to(torch::kCPU, opt_.mean ? torch::kFloat32 : torch::kFloat64);
      auto theta = dec.theta.to(torch::kCPU, torch::kFloat64);
      auto finite = torch::isfinite(mu).all(1);
      for (int64_t g = lo; g < hi; ++g)
        if (!finite.data_ptr<bool>()[g - begin])
          fail(path_, "record " + std::to_string(g + 1) + ": its latents decode to non-finite means (corrupt latents?)");
      for (int64_t g = lo; g < hi; ++g) {
        auto x = opt_.mean ? mu[g - begin] : sample_nb_cell(mu[g - begin], theta, mix_seed(opt_.seed, uint64_t(g)));
        out[size_t(g - first)] = x.index_select(0, column_index_).contiguous();
      }
    });
    return out;
  }

  void append(CountBlock& block, const LatentBlock& lat, const std::vector<double>& library, int64_t i, const torch::Tensor& x) {
    if (opt_.mean) {
      const float* v = x.data_ptr<float>();
      for (int64_t g = 0; g < x.numel(); ++g)
        if (v[g] > 0) block.genes.push_back(uint32_t(g)), block.means.push_back(v[g]);
    } else {
      const double* v = x.data_ptr<double>();
      for (int64_t g = 0; g < x.numel(); ++g) {
        if (v[g] <= 0) continue;
        if (!(v[g] <= kMaxLibrarySize))
          fail(path_, "record " + std::to_string(cell_index_ + uint64_t(i) + 1) + " ('" + lat.ids[size_t(i)] +
                          "'): a drawn count exceeds what counts hold (library size too large?)");
        block.genes.push_back(uint32_t(g));
        block.counts.push_back(uint32_t(v[g]));
      }
    }
    block.indptr.push_back(block.genes.size());
    block.ids.push_back(lat.ids[size_t(i)]);
    block.library_size.push_back(library[size_t(i)]);
    for (size_t c = 0; c < schema_.labels.size(); ++c) block.labels[c].push_back(lat.labels[c][size_t(i)]);
  }

  LoadedVae& vae_;
  std::unique_ptr<StreamReader> in_;
  DecodeOptions opt_;
  std::string path_;
  CountSchema schema_;
  std::vector<int64_t> columns_;
  torch::Tensor column_index_, panel_;
  uint64_t cell_index_ = 0;
};

}  // namespace

std::unique_ptr<CountSource> decode_stream(LoadedVae& vae, std::unique_ptr<StreamReader> latents, const DecodeOptions& opt) {
  return std::make_unique<DecodedSource>(vae, std::move(latents), opt);
}

}  // namespace scldm
