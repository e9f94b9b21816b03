#include "io/disk_cells.hpp"

#include <algorithm>

#include "io/select.hpp"
#include "util/error.hpp"

namespace scldm {
namespace {

// Rows read in one go when the wanted ones lie this close together.
constexpr uint64_t kMaxGap = 64, kMaxSpan = 4096;

struct stat file_identity(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) fail(path, "cannot read it any more: " + errno_text());
  return st;
}

}  // namespace

DiskCells::DiskCells(std::unique_ptr<H5adReader> reader, const std::vector<std::string>& where)
    : path_(reader->path()), reader_(std::move(reader)), identity_(file_identity(path_)) {
  if (reader_->matrix().encoding == "csc") fail(path_, "stores its counts by gene (CSC): convert it to CSR to train from disk");
  // A dense read holds rows x genes values: at most about 64 MB of them.
  const uint64_t genes = std::max<uint64_t>(1, reader_->matrix().n_genes);
  max_span_ = reader_->matrix().encoding == "dense" ? std::max<uint64_t>(1, (uint64_t(64) << 20) / (genes * 8)) : kMaxSpan;
  scan(where);
  if (size() == 0) fail(path_, "no cells with counts");
}

void DiskCells::scan(const std::vector<std::string>& where) {
  const CountSchema& schema = reader_->schema();
  meta_.vocabulary = schema.genes;
  meta_.labels = schema.labels;
  meta_.codes.assign(schema.labels.size(), {});
  CellSelection selection(where, schema.labels, path_);
  CountBlock block;
  uint64_t row = 0;
  while (reader_->next(block)) {
    for (size_t i = 0; i < block.size(); ++i, ++row) {
      if (!selection.keep(block, i)) continue;
      const uint64_t n = block.indptr[i + 1] - block.indptr[i];
      if (n == 0) {
        ++meta_.skipped_empty;
        continue;
      }
      rows_.push_back(row);
      stored_per_cell_.push_back(uint32_t(std::min<uint64_t>(n, UINT32_MAX)));
      stored_ += n;
      meta_.ids.push_back(block.ids[i]);
      meta_.library_size.push_back(block.library_size[i]);
      for (size_t c = 0; c < meta_.codes.size(); ++c) meta_.codes[c].push_back(block.labels[c][i]);
    }
  }
}

void DiskCells::check_unchanged() const {
  struct stat now = file_identity(path_);
  if (now.st_size != identity_.st_size || now.st_ino != identity_.st_ino ||
      now.st_mtim.tv_sec != identity_.st_mtim.tv_sec || now.st_mtim.tv_nsec != identity_.st_mtim.tv_nsec)
    fail(path_, "changed while training was reading it (size or modification time differ from the start)");
}

void DiskCells::copy_cell(const CountBlock& block, size_t i, size_t position, CellSet& out) const {
  for (uint64_t k = block.indptr[i]; k < block.indptr[i + 1]; ++k) {
    out.genes.push_back(int64_t(block.genes[k]) + 1);
    out.counts.push_back(float(block.counts[k]));
  }
  out.indptr.push_back(out.genes.size());
  out.ids.push_back(meta_.ids[position]);
  out.library_size.push_back(meta_.library_size[position]);
  for (size_t c = 0; c < out.codes.size(); ++c) out.codes[c].push_back(meta_.codes[c][position]);
  out.origin.push_back(position);
  if (out.library_size.back() != block.library_size[i])
    fail(path_, "changed while training was reading it (cell " + block.ids[i] + " has other counts)");
}

CellSet DiskCells::read(const Indices& positions) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_unchanged();
  CellSet out = meta_.empty_like();
  uint64_t counts = 0;
  for (size_t p : positions) counts += stored_per_cell_[p];
  out.genes.reserve(counts);
  out.counts.reserve(counts);
  CountBlock block;
  for (size_t k = 0; k < positions.size();) {
    // A span of rows covering the next wanted cells that lie close together.
    const uint64_t first = rows_[positions[k]];
    size_t last = k;
    while (last + 1 < positions.size() && rows_[positions[last + 1]] - rows_[positions[last]] <= kMaxGap &&
           rows_[positions[last + 1]] - first < max_span_)
      ++last;
    reader_->read_range(first, rows_[positions[last]] + 1, block);
    for (; k <= last; ++k) copy_cell(block, size_t(rows_[positions[k]] - first), positions[k], out);
  }
  return out;
}

CellSet DiskCells::load_all() {
  CellSet all = read(iota_indices(size()));
  std::vector<uint64_t>().swap(all.origin);  // every cell: positions are the indices
  all.skipped_empty = meta_.skipped_empty;
  return all;
}

}  // namespace scldm
