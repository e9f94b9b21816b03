#include "model/encode.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "io/hdf5.hpp"
#include "model/cell_blocks.hpp"
#include "train/batch.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace scldm {

std::string absolute_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

torch::Tensor encode_cells(LoadedVae& vae, const CellSet& cells, const std::vector<size_t>& which, const EncodeOptions& opt) {
  // Blocks of fixed size aligned to the position in `which`, each padded to
  // its longest cell: the same cells in the same order give the same bytes
  // for any batch size and thread count (lib/model/cell_blocks.hpp).
  const int64_t n = int64_t(which.size()), block = cell_block_size(opt.device);
  auto out = torch::empty({n, vae.config.tokens, vae.config.latent_dim});
  for_each_cell_block(0, n, opt.device, [&](int64_t begin) {
    const int64_t real = std::min(block, n - begin);
    std::vector<size_t> rows(size_t(block), kPlaceholderCell);
    for (int64_t k = 0; k < real; ++k) rows[size_t(k)] = which[size_t(begin + k)];
    auto z = vae.model->encode(encoder_batch(cells, rows, vae.config.max_genes, opt.seed, opt.device)).first;
    out.narrow(0, begin, real).copy_(z.narrow(0, 0, real).to(torch::kCPU));
  });
  return out;
}

namespace {

// The label columns to carry: all, or those named (unknown names list the valid ones).
std::vector<size_t> pick_labels(const CellSet& cells, const std::vector<std::string>& names) {
  std::vector<size_t> out;
  if (names.empty()) {
    for (size_t i = 0; i < cells.labels.size(); ++i) out.push_back(i);
    return out;
  }
  for (auto& n : names) {
    int c = find_label_column(cells.labels, n);
    if (c < 0) {
      std::string valid;
      for (auto& l : cells.labels) valid += (valid.empty() ? "" : ", ") + l.name;
      throw UsageError("--labels: no label column '" + n + "' (labels: " + (valid.empty() ? "none" : valid) + ")");
    }
    out.push_back(size_t(c));
  }
  return out;
}

std::vector<size_t> range(size_t begin, size_t end) {
  std::vector<size_t> v;
  for (size_t i = begin; i < end; ++i) v.push_back(i);
  return v;
}

}  // namespace

void encode_to_stream(LoadedVae& vae, const CellSet& cells, const std::string& output, const EncodeOptions& opt) {
  auto keep = pick_labels(cells, opt.labels);
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = vae.config.tokens;
  h.dim = vae.config.latent_dim;
  for (size_t c : keep) h.labels.push_back(cells.labels[c]);
  h.provenance = opt.provenance;
  OutputFile out(output, true);
  StreamWriter writer(out.fd(), out.path(), h);
  // Cells encoded between writes: whole blocks, so that blocks align with the cell index.
  const size_t chunk = size_t(cell_block_size(opt.device)) * 256;
  Progress progress("encoding", cells.size());
  for (size_t start = 0; start < cells.size(); start += chunk) {
    auto which = range(start, std::min(cells.size(), start + chunk));
    auto z = encode_cells(vae, cells, which, opt);
    LatentBlock b;
    b.clear(keep.size());
    for (size_t i : which) {
      b.ids.push_back(cells.ids[i]);
      b.library_size.push_back(cells.library_size[i]);
      for (size_t k = 0; k < keep.size(); ++k) b.labels[k].push_back(cells.codes[keep[k]][i]);
    }
    b.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    writer.write(b);
    progress.update(which.back() + 1);
  }
  progress.finish();
  writer.finish();
  out.commit();
}

void encode_into_h5ad_copy(LoadedVae& vae, const CellSet& cells, const std::string& input, const std::string& output,
                           const EncodeOptions& opt) {
  OutputFile out(output, true);
  const std::string& copy = out.library_path();
  copy_file(input, copy, output);
  auto z = encode_cells(vae, cells, range(0, cells.size()), opt);
  h5::Handle f = h5::open_file_for_update(copy, output);
  h5::Handle obsm = h5::is_group(f, "obsm") ? h5::open_group(f, "obsm", output) : h5::create_group(f, "obsm", output);
  if (!h5::has_attr(obsm, "encoding-type")) {
    h5::set_attr_string(obsm, "encoding-type", "dict");
    h5::set_attr_string(obsm, "encoding-version", "0.1.0");
  }
  if (h5::exists(obsm, "X_scldm")) H5Ldelete(obsm, "X_scldm", H5P_DEFAULT);
  hsize_t dims[2] = {hsize_t(cells.size()), hsize_t(vae.config.tokens * vae.config.latent_dim)};
  h5::Handle space(H5Screate_simple(2, dims, nullptr));
  h5::Handle d(H5Dcreate2(obsm, "X_scldm", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!d.valid() || H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, z.data_ptr<float>()) < 0)
    fail(output, "cannot write obsm/X_scldm");
  h5::set_attr_string(d, "encoding-type", "array");
  h5::set_attr_string(d, "encoding-version", "0.2.0");
  h5::set_attr_string(d, "scldm_vae_fingerprint", vae.fingerprint);
  d.reset();
  space.reset();
  obsm.reset();
  if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) fail(output, "write error (disk full?)");
  f.close(output);
  out.commit();
}

torch::Tensor sample_nb_cell(const torch::Tensor& mu, const torch::Tensor& theta, uint64_t seed) {
  // In float64, so that counts stay exact integers whatever their size.
  auto gen = at::detail::createCPUGenerator(seed);
  auto m = mu.to(torch::kCPU, torch::kFloat64), t = theta.to(torch::kCPU, torch::kFloat64);
  auto rate = at::_standard_gamma(t, gen) * (m / t);  // Gamma(theta, mu/theta), then Poisson
  return at::poisson(rate, gen);
}

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
      for (auto& name : opt.genes) {
        auto it = std::find(vae.genes.begin(), vae.genes.end(), name);
        if (it == vae.genes.end()) throw Error("--genes: '" + name + "' is not in the VAE's vocabulary");
        columns_.push_back(int64_t(it - vae.genes.begin()));
        schema_.genes.push_back(name);
      }
    }
    column_index_ = torch::tensor(columns_);
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
      auto dec = vae_.model->decode(z.to(opt_.device), lib.to(opt_.device));
      auto finite = torch::isfinite(dec.mu).all(1).to(torch::kCPU);
      for (int64_t g = lo; g < hi; ++g)
        if (!finite[g - begin].item<bool>())
          fail(path_, "record " + std::to_string(g + 1) + ": its latents decode to non-finite means (corrupt latents?)");
      for (int64_t g = lo; g < hi; ++g) {
        auto mu = dec.mu[g - begin];
        auto x = opt_.mean ? mu.to(torch::kCPU) : sample_nb_cell(mu, dec.theta, mix_seed(opt_.seed, uint64_t(g)));
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
  torch::Tensor column_index_;
  uint64_t cell_index_ = 0;
};

}  // namespace

std::unique_ptr<CountSource> decode_stream(LoadedVae& vae, std::unique_ptr<StreamReader> latents, const DecodeOptions& opt) {
  return std::make_unique<DecodedSource>(vae, std::move(latents), opt);
}

}  // namespace scldm
