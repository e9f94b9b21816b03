#include "io/h5ad_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/error.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {
namespace {

std::string number_text(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string describe_cell(const std::vector<std::string>& ids, uint64_t cell) {
  std::string s = "cell " + std::to_string(cell);
  if (cell < ids.size()) s += " ('" + ids[cell] + "')";
  return s;
}

}  // namespace

H5adReader::H5adReader(std::string path, H5adOptions options)
    : path_(options.display_name.empty() ? path : options.display_name), opt_(std::move(options)) {
  if (!opt_.layer.empty() && opt_.use_raw) throw UsageError("--layer and --raw cannot be used together");
  file_ = h5::open_file(path, path_);
  h5::reading(path_, [&] { init(); });
}

H5adReader::H5adReader(h5::Handle file, std::string display_name, H5adOptions options)
    : path_(std::move(display_name)), opt_(std::move(options)), file_(std::move(file)) {
  if (!opt_.layer.empty() && opt_.use_raw) throw UsageError("--layer and --raw cannot be used together");
  h5::reading(path_, [&] { init(); });
}

void H5adReader::init() {
  std::string location = !opt_.layer.empty() ? "layers/" + opt_.layer : opt_.use_raw ? "raw/X" : "X";
  if (!h5::exists(file_, location)) {
    std::string hint;
    if (!opt_.layer.empty() && h5::is_group(file_, "layers")) {
      auto layers = h5::list_children(h5::open_group(file_, "layers", path_));
      hint = layers.empty() ? " (the file has no layers)" : " (layers: " + join(layers, ", ") + ")";
    }
    fail(path_, "no count matrix at '" + location + "'" + hint);
  }
  open_matrix(location);
  // The frames must have one row per cell and per gene: that bounds every
  // size that follows by what the file holds.
  obs_ = std::make_unique<FrameReader>(file_, "obs", path_, matrix_.n_cells, location);
  var_ = std::make_unique<FrameReader>(file_, opt_.use_raw ? "raw/var" : "var", path_, matrix_.n_genes, location);
  obs_names_ = obs_->index();
  schema_.genes = opt_.gene_column.empty() ? var_->index() : var_->read_strings(opt_.gene_column);
  if (schema_.genes.size() != matrix_.n_genes)
    fail(path_, "var has " + std::to_string(schema_.genes.size()) + " genes but " + location + " has " +
                    std::to_string(matrix_.n_genes));
  if (matrix_.n_cells == 0 || matrix_.n_genes == 0) fail(path_, "empty matrix (" + location + " has no cells or genes)");
  check_names();
  schema_.n_cells = matrix_.n_cells;
  if (matrix_.encoding != "dense") schema_.stored = matrix_.stored;
  if (matrix_.encoding == "csc") {
    detail(path_ + ": CSC matrix, transposing in memory (" + std::to_string(matrix_.stored) + " values)");
    load_csc();
  }
  read_labels();
  // Normalised values in X are common; point at where the counts may be.
  if (location == "X" && h5::exists(file_, "layers/counts")) counts_hint_ = " (counts may be in layers/counts: try --layer counts)";
  else if (location == "X" && h5::exists(file_, "raw/X")) counts_hint_ = " (counts may be in raw/X: try --raw)";
  else counts_hint_ = " (use --allow-non-integer to round)";
}

H5adReader::~H5adReader() {
  // Closing reads nothing, but HDF5 tears down what it cached from the file.
  CrashContext crash(path_, h5::kCrashedReading);
  data_.reset();
  indices_.reset();
  dense_.reset();
  file_.reset();
}

// Gene names key everything downstream (checkpoints, --where, eval): they
// must be present and distinct.
void H5adReader::check_names() {
  std::string var = opt_.use_raw ? "raw/var" : "var";
  std::string source = opt_.gene_column.empty() ? var + " index" : var + " column '" + opt_.gene_column + "'";
  std::string other = opt_.gene_column.empty() ? "choose a var column with --gene-column" : "choose another --gene-column";
  for (size_t g = 0; g < schema_.genes.size(); ++g)
    if (schema_.genes[g].empty()) fail(path_, "gene " + std::to_string(g) + " has an empty name (" + source + "); " + other);
  size_t first = 0, again = first_duplicate(schema_.genes, &first);
  if (again != std::string::npos)
    fail(path_, "duplicate gene name '" + schema_.genes[again] + "' (" + source + ", genes " + std::to_string(first) +
                    " and " + std::to_string(again) + "); make names unique, e.g. with anndata's var_names_make_unique(), or " +
                    other);
}

void H5adReader::open_matrix(const std::string& location) {
  matrix_.location = location;
  if (h5::is_group(file_, location)) {
    h5::Handle g = h5::open_group(file_, location, path_);
    std::string enc = h5::attr_string(g, "encoding-type");
    if (enc.empty()) enc = h5::attr_string(g, "h5sparse_format") + "_matrix";  // anndata < 0.7
    if (enc != "csr_matrix" && enc != "csc_matrix")
      fail(path_, location + ": unsupported matrix encoding '" + enc + "'");
    matrix_.encoding = enc.substr(0, 3);
    auto shape = h5::attr_ints(g, "shape");
    if (shape.empty()) shape = h5::attr_ints(g, "h5sparse_shape");
    if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0) fail(path_, location + ": missing or bad shape");
    matrix_.n_cells = uint64_t(shape[0]);
    matrix_.n_genes = uint64_t(shape[1]);
    data_ = h5::open_dataset(g, "data", path_);
    indices_ = h5::open_dataset(g, "indices", path_);
    h5::Handle indptr = h5::open_dataset(g, "indptr", path_);
    matrix_.dtype = h5::type_name(data_);
    if (matrix_.dtype == "string" || matrix_.dtype == "other")
      fail(path_, location + "/data: values of type " + matrix_.dtype + " are not counts");
    std::string index_type = h5::type_name(indices_);
    if (index_type.find("int") == std::string::npos) fail(path_, location + "/indices: not integers (" + index_type + ")");
    uint64_t nnz = h5::length(data_, location + "/data");
    if (h5::length(indices_, location + "/indices") != nnz) fail(path_, location + ": data and indices differ in length");
    // Extents before values: indptr is read whole.
    bool csr = matrix_.encoding == "csr";
    uint64_t major = csr ? matrix_.n_cells : matrix_.n_genes;
    uint64_t indptr_length = h5::length(indptr, location + "/indptr");
    if (indptr_length != major + 1)
      fail(path_, location + "/indptr: " + std::to_string(indptr_length) + " values for " + std::to_string(major) +
                      (csr ? " cells" : " genes") + " (expected " + std::to_string(major + 1) +
                      "; length does not match the shape)");
    indptr_ = h5::read<int64_t>(indptr);
    if (indptr_.size() != major + 1) fail(path_, location + "/indptr: read fewer values than it declares");
    if (indptr_.front() != 0 || indptr_.back() < 0 || uint64_t(indptr_.back()) != nnz)
      fail(path_, location + "/indptr: does not span data");
    for (size_t i = 1; i < indptr_.size(); ++i)
      if (indptr_[i] < indptr_[i - 1]) fail(path_, location + "/indptr: decreases at " + std::to_string(i));
    matrix_.stored = nnz;
  } else {
    dense_ = h5::open_dataset(file_, location, path_);
    auto shape = h5::shape(dense_);
    if (shape.size() != 2) fail(path_, location + ": expected a 2-D matrix");
    matrix_.encoding = "dense";
    matrix_.n_cells = shape[0];
    matrix_.n_genes = shape[1];
    if (__builtin_mul_overflow(shape[0], shape[1], &matrix_.stored)) fail(path_, location + ": impossible shape");
    matrix_.dtype = h5::type_name(dense_);
    if (matrix_.dtype == "string" || matrix_.dtype == "other")
      fail(path_, location + ": values of type " + matrix_.dtype + " are not counts");
    h5::check_plausible(dense_, matrix_.stored);
  }
}

void H5adReader::load_csc() {
  // Count entries per cell, then scatter each gene's column into CSR order.
  auto rows = h5::read<int64_t>(indices_);
  auto values = h5::read<double>(data_);
  if (rows.size() != matrix_.stored || values.size() != matrix_.stored)
    fail(path_, matrix_.location + ": read fewer values than it declares");
  std::vector<int64_t> row_ptr(matrix_.n_cells + 1, 0);
  for (auto r : rows) {
    if (r < 0 || uint64_t(r) >= matrix_.n_cells) fail(path_, matrix_.location + "/indices: row index out of range");
    ++row_ptr[size_t(r) + 1];
  }
  for (size_t i = 1; i < row_ptr.size(); ++i) row_ptr[i] += row_ptr[i - 1];
  csc_indices_.resize(rows.size());
  csc_values_.resize(rows.size());
  std::vector<int64_t> fill(row_ptr.begin(), row_ptr.end() - 1);
  for (uint64_t g = 0; g < matrix_.n_genes; ++g)
    for (int64_t k = indptr_[g]; k < indptr_[g + 1]; ++k) {
      auto dst = size_t(fill[size_t(rows[size_t(k)])]++);
      csc_indices_[dst] = int64_t(g);
      csc_values_[dst] = values[size_t(k)];
    }
  indptr_ = std::move(row_ptr);
}

void H5adReader::read_labels() {
  for (auto& col : obs_->columns()) {
    if (!col.is_label()) continue;
    std::vector<int32_t> codes;
    LabelColumn labels = obs_->read_labels(col.name, codes);
    // A string column with one value per cell is an identifier, not a label.
    if ((col.kind == "string" || col.kind == "nullable-string") && matrix_.n_cells > 1 &&
        labels.categories.size() * 2 > matrix_.n_cells) {
      detail(path_ + ": obs column '" + col.name + "' has a value per cell; not used as a label");
      continue;
    }
    schema_.labels.push_back(std::move(labels));
    codes_.push_back(std::move(codes));
  }
}

void H5adReader::append_cell(CountBlock& block, uint64_t cell, const int64_t* genes, const double* values, size_t n) {
  row_scratch_.clear();
  bool sorted = true;
  for (size_t k = 0; k < n; ++k) {
    double v = values[k];
    if (!std::isfinite(v)) fail(path_, describe_cell(obs_names_, cell) + ": count is NaN or infinite");
    if (v < 0) fail(path_, describe_cell(obs_names_, cell) + ": negative count " + std::to_string(v));
    if (v != std::floor(v)) {
      if (!opt_.allow_non_integer)
        fail(path_, describe_cell(obs_names_, cell) + ": non-integer count " + number_text(v) + counts_hint_);
      v = std::nearbyint(v);
    }
    if (v > 4294967295.0) fail(path_, describe_cell(obs_names_, cell) + ": count too large");
    if (genes[k] < 0 || uint64_t(genes[k]) >= matrix_.n_genes)
      fail(path_, describe_cell(obs_names_, cell) + ": gene index out of range (corrupt indices)");
    if (v == 0) continue;
    if (!row_scratch_.empty() && genes[k] <= row_scratch_.back().first) sorted = false;
    row_scratch_.emplace_back(genes[k], v);
  }
  if (!sorted) std::sort(row_scratch_.begin(), row_scratch_.end());
  double total = 0;
  for (size_t k = 0; k < row_scratch_.size(); ++k) {
    if (k > 0 && row_scratch_[k].first == row_scratch_[k - 1].first) {  // duplicates add up, as in scipy
      block.counts.back() += uint32_t(row_scratch_[k].second);
    } else {
      block.genes.push_back(uint32_t(row_scratch_[k].first));
      block.counts.push_back(uint32_t(row_scratch_[k].second));
    }
    total += row_scratch_[k].second;
  }
  if (total == 0) ++all_zero_;
  block.indptr.push_back(block.genes.size());
  block.ids.push_back(obs_names_[cell]);
  block.library_size.push_back(total);
  for (size_t c = 0; c < codes_.size(); ++c) block.labels[c].push_back(codes_[c][cell]);
}

void H5adReader::read_rows(uint64_t begin, uint64_t end, CountBlock& block) {
  if (matrix_.encoding == "dense") {
    auto values = h5::read<double>(dense_, begin, end - begin);
    std::vector<int64_t> genes(matrix_.n_genes);
    for (size_t g = 0; g < genes.size(); ++g) genes[g] = int64_t(g);
    for (uint64_t c = begin; c < end; ++c)
      append_cell(block, c, genes.data(), values.data() + (c - begin) * matrix_.n_genes, matrix_.n_genes);
    return;
  }
  if (matrix_.encoding == "csc") {
    for (uint64_t c = begin; c < end; ++c) {
      auto k = size_t(indptr_[c]);
      append_cell(block, c, csc_indices_.data() + k, csc_values_.data() + k, size_t(indptr_[c + 1] - indptr_[c]));
    }
    return;
  }
  auto first = uint64_t(indptr_[begin]), last = uint64_t(indptr_[end]);
  std::vector<double> values;
  std::vector<int64_t> genes;
  if (last > first) {
    values = h5::read<double>(data_, first, last - first);
    genes = h5::read<int64_t>(indices_, first, last - first);
  }
  for (uint64_t c = begin; c < end; ++c) {
    auto k = size_t(uint64_t(indptr_[c]) - first);
    append_cell(block, c, genes.data() + k, values.data() + k, size_t(indptr_[c + 1] - indptr_[c]));
  }
}

bool H5adReader::next(CountBlock& block) {
  return h5::reading(path_, [&] {
    block.clear(codes_.size());
    if (next_cell_ >= matrix_.n_cells) return false;
    uint64_t end = std::min<uint64_t>(matrix_.n_cells, next_cell_ + std::max<size_t>(opt_.block_cells, 1));
    read_rows(next_cell_, end, block);
    next_cell_ = end;
    return true;
  });
}

void H5adReader::read_range(uint64_t begin, uint64_t end, CountBlock& block) {
  h5::reading(path_, [&] {
    block.clear(codes_.size());
    if (begin > end || end > matrix_.n_cells) fail(path_, "cells " + std::to_string(begin) + ".." + std::to_string(end) + " are beyond its end");
    read_rows(begin, end, block);
  });
}

}  // namespace scldm
