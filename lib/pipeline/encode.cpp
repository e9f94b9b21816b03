#include "pipeline/encode.hpp"

#include "io/hdf5.hpp"
#include "io/stream.hpp"
#include "model/cell_blocks.hpp"
#include "util/error.hpp"
#include "util/indices.hpp"
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

// Opens obsm/X_scldm (cells x m*D float32) in the copy, replacing one there.
h5::Handle create_latent_dataset(hid_t file, const LoadedVae& vae, uint64_t n_cells, const std::string& output) {
  h5::Handle obsm = h5::is_group(file, "obsm") ? h5::open_group(file, "obsm", output) : h5::create_group(file, "obsm", output);
  if (!h5::has_attr(obsm, "encoding-type")) {
    h5::set_attr_string(obsm, "encoding-type", "dict");
    h5::set_attr_string(obsm, "encoding-version", "0.1.0");
  }
  if (h5::exists(obsm, "X_scldm")) H5Ldelete(obsm, "X_scldm", H5P_DEFAULT);
  hsize_t dims[2] = {hsize_t(n_cells), hsize_t(vae.config.tokens * vae.config.latent_dim)};
  h5::Handle space(H5Screate_simple(2, dims, nullptr));
  h5::Handle d(H5Dcreate2(obsm, "X_scldm", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!d.valid()) fail(output, "cannot write obsm/X_scldm");
  h5::set_attr_string(d, "encoding-type", "array");
  h5::set_attr_string(d, "encoding-version", "0.2.0");
  h5::set_attr_string(d, "scldm_vae_fingerprint", vae.fingerprint);
  return d;
}

// Rows [first, first + z.size(0)) of the latent dataset.
void write_latent_rows(hid_t dataset, const torch::Tensor& z, uint64_t first, const std::string& output) {
  h5::Handle file_space(H5Dget_space(dataset));
  hsize_t start[2] = {hsize_t(first), 0}, count[2] = {hsize_t(z.size(0)), hsize_t(z[0].numel())};
  h5::Handle memory(H5Screate_simple(2, count, nullptr));
  if (H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
      H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory, file_space, H5P_DEFAULT, z.contiguous().data_ptr<float>()) < 0)
    fail(output, "cannot write obsm/X_scldm");
}

}  // namespace

void encode_to_stream(LoadedVae& vae, CellReader& cells, const std::string& output, const EncodeOptions& opt) {
  auto keep = pick_labels(cells.shape(), opt.labels);
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = vae.config.tokens;
  h.dim = vae.config.latent_dim;
  for (size_t c : keep) h.labels.push_back(cells.shape().labels[c]);
  h.provenance = opt.provenance;
  OutputFile out(output, true);
  StreamWriter writer(out.fd(), out.path(), h);
  Progress progress("encoding", cells.source().schema().n_cells.value_or(0));
  CellSet chunk;
  uint64_t done = 0;
  while (cells.next(chunk, cell_chunk_size(opt.device))) {
    auto z = encode_cells(vae, chunk, iota_indices(chunk.size()), opt);
    LatentBlock b;
    b.clear(keep.size());
    b.ids = chunk.ids;
    b.library_size = chunk.library_size;
    for (size_t k = 0; k < keep.size(); ++k) b.labels[k] = chunk.codes[keep[k]];
    b.values.assign(z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    writer.write(b);
    progress.update(done += chunk.size());
  }
  progress.finish();
  if (done == 0) fail(cells.source().path(), "no cells with counts");
  writer.finish();
  out.commit();
}

void encode_into_h5ad_copy(LoadedVae& vae, CellReader& cells, const std::string& input, const std::string& output,
                           const EncodeOptions& opt) {
  OutputFile out(output, true);
  const std::string& copy = out.library_path();
  copy_file(input, copy, output);
  h5::Handle f = h5::open_file_for_update(copy, output);
  const uint64_t n_cells = cells.source().schema().n_cells.value_or(0);
  h5::Handle d = create_latent_dataset(f, vae, n_cells, output);
  Progress progress("encoding", n_cells);
  CellSet chunk;
  uint64_t done = 0;
  while (cells.next(chunk, cell_chunk_size(opt.device))) {
    write_latent_rows(d, encode_cells(vae, chunk, iota_indices(chunk.size()), opt), done, output);
    progress.update(done += chunk.size());
  }
  progress.finish();
  if (done == 0) fail(input, "no cells with counts");
  if (done != n_cells) fail(input, "yielded " + std::to_string(done) + " cells of the " + std::to_string(n_cells) + " it declares");
  d.reset();
  if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) fail(output, "write error (disk full?)");
  f.close(output);
  out.commit();
}

}  // namespace scldm
