#include "model/encode.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "io/hdf5.hpp"
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
  // The same cell must give the same bytes in any batch: floating-point sums
  // depend on the padded length, so each cell is padded to its own length
  // rounded up to a multiple of 64 (not to the batch's longest), and cells
  // are batched with others of that padded length.
  const int64_t round = 64, context = vae.config.max_genes;
  auto padded = [&](size_t c) {
    int64_t n = std::min<int64_t>(int64_t(cells.expressed(c)), context);
    return std::min<int64_t>(context, std::max<int64_t>(1, (n + round - 1) / round * round));
  };
  std::map<int64_t, std::vector<size_t>> groups;  // padded length -> positions in `which`
  for (size_t i = 0; i < which.size(); ++i) groups[padded(which[i])].push_back(i);
  torch::NoGradGuard no_grad;
  auto out = torch::empty({int64_t(which.size()), vae.config.tokens, vae.config.latent_dim});
  for (auto& [length, positions] : groups) {
    for (size_t start = 0; start < positions.size(); start += size_t(opt.batch_size)) {
      std::vector<size_t> batch, rows;
      for (size_t k = start; k < std::min(positions.size(), start + size_t(opt.batch_size)); ++k) {
        batch.push_back(which[positions[k]]);
        rows.push_back(positions[k]);
      }
      auto z = vae.model->encode(encoder_batch(cells, batch, context, opt.seed, opt.device, length)).first.to(torch::kCPU);
      out.index_copy_(0, index_tensor(rows), z);
    }
  }
  return out.contiguous();
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
  const size_t chunk = 4096;  // cells encoded between writes
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
  {
    ByteReader in(input);
    ByteWriter w(out.fd(), out.path());
    std::vector<char> buf(1 << 20);
    while (size_t n = in.read(buf.data(), buf.size())) w.write(buf.data(), n);
    w.flush();
  }
  out.close_fd();
  auto z = encode_cells(vae, cells, range(0, cells.size()), opt);
  h5::quiet_errors();
  h5::Handle f(H5Fopen(out.temp_path().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!f.valid()) fail(output, "cannot reopen the copy for writing");
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
  f.reset();
  out.commit();
}

torch::Tensor sample_nb_cell(const torch::Tensor& mu, const torch::Tensor& theta, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto m = mu.to(torch::kCPU), t = theta.to(torch::kCPU);
  auto rate = at::_standard_gamma(t, gen) * (m / t);  // Gamma(theta, mu/theta), then Poisson
  return at::poisson(rate, gen);
}

namespace {

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
  }
  const CountSchema& schema() const override { return schema_; }
  const std::string& path() const override { return path_; }

  bool next(CountBlock& block) override {
    block.clear(schema_.labels.size());
    LatentBlock lat;
    if (!in_->next(lat)) return false;
    torch::NoGradGuard no_grad;
    const int64_t per = vae_.config.tokens * vae_.config.latent_dim;
    auto columns = torch::tensor(columns_);
    for (size_t start = 0; start < lat.size(); start += size_t(opt_.batch_size)) {
      size_t end = std::min(lat.size(), start + size_t(opt_.batch_size));
      auto z = torch::from_blob(lat.values.data() + start * size_t(per), {int64_t(end - start), vae_.config.tokens, vae_.config.latent_dim})
                   .clone()
                   .to(opt_.device);
      auto lib = torch::empty({int64_t(end - start)});
      for (size_t i = start; i < end; ++i) lib[int64_t(i - start)] = opt_.library_size > 0 ? opt_.library_size : lat.library_size[i];
      auto dec = vae_.model->decode(z, lib.to(opt_.device));
      for (size_t i = start; i < end; ++i) {
        auto mu = dec.mu[int64_t(i - start)];
        auto x = (opt_.mean ? mu.to(torch::kCPU) : sample_nb_cell(mu, dec.theta, mix_seed(opt_.seed, cell_index_ + i)))
                     .index_select(0, columns)
                     .contiguous();
        const float* v = x.data_ptr<float>();
        for (int64_t g = 0; g < x.numel(); ++g) {
          if (v[g] <= 0) continue;
          block.genes.push_back(uint32_t(g));
          if (opt_.mean) block.means.push_back(v[g]);
          else block.counts.push_back(uint32_t(v[g]));
        }
        block.indptr.push_back(block.genes.size());
        block.ids.push_back(lat.ids[i]);
        block.library_size.push_back(opt_.library_size > 0 ? opt_.library_size : lat.library_size[i]);
        for (size_t c = 0; c < schema_.labels.size(); ++c) block.labels[c].push_back(lat.labels[c][i]);
      }
    }
    cell_index_ += lat.size();
    return true;
  }

 private:
  LoadedVae& vae_;
  std::unique_ptr<StreamReader> in_;
  DecodeOptions opt_;
  std::string path_;
  CountSchema schema_;
  std::vector<int64_t> columns_;
  uint64_t cell_index_ = 0;
};

}  // namespace

std::unique_ptr<CountSource> decode_stream(LoadedVae& vae, std::unique_ptr<StreamReader> latents, const DecodeOptions& opt) {
  return std::make_unique<DecodedSource>(vae, std::move(latents), opt);
}

}  // namespace scldm
