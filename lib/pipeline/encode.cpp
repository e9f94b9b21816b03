#include "pipeline/encode.hpp"

#include "io/hdf5.hpp"
#include "io/stream.hpp"
#include "model/cell_blocks.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/output.hpp"

namespace scldm {

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

}  // namespace scldm
