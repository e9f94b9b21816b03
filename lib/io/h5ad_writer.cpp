#include "io/h5ad_writer.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {
namespace {

void set_encoding(hid_t obj, const std::string& type, const std::string& version) {
  h5::set_attr_string(obj, "encoding-type", type);
  h5::set_attr_string(obj, "encoding-version", version);
}

h5::Handle make_group(hid_t loc, const std::string& name, const std::string& file, const std::string& type,
                      const std::string& version) {
  h5::Handle g = h5::create_group(loc, name, file);
  set_encoding(g, type, version);
  return g;
}

// Smallest integer width that holds every category code, as pandas does.
h5::Appender::Type code_type(size_t n_categories) {
  if (n_categories < 128) return h5::Appender::Type::i8;
  if (n_categories < 32768) return h5::Appender::Type::i16;
  return h5::Appender::Type::i32;
}

// Informative text (provenance, uns): made valid UTF-8 without NUL bytes
// rather than refused; HDF5 names may not hold '/' or be empty or '.'.
std::string clean_text(const std::string& s) {
  std::string out = make_valid_utf8(s);
  for (size_t i; (i = out.find('\0')) != std::string::npos;) out.replace(i, 1, "\xEF\xBF\xBD");
  return out;
}

std::string clean_name(const std::string& s) {
  std::string out = clean_text(s);
  std::replace(out.begin(), out.end(), '/', '_');
  return out.empty() || out == "." ? "_" + out : out;
}

std::string text_value(const nlohmann::json& v) {
  return clean_text(v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void write_provenance(hid_t uns, const nlohmann::json& provenance, const std::string& file) {
  h5::Handle g = make_group(uns, "scldm", file, "dict", "0.1.0");
  for (auto& [key, value] : provenance.items()) h5::write_scalar_string(g, clean_name(key), text_value(value));
}

// A string stored as data: UTF-8 without NUL bytes (anndata decodes UTF-8;
// HDF5 strings end at a NUL).
void check_text(const std::string& file, const std::string& what, const std::string& s) {
  if (s.find('\0') != std::string::npos) fail(file, what + " holds a NUL byte");
  if (!valid_utf8(s)) fail(file, what + " is not valid UTF-8");
}

// A JSON tree as anndata's uns: objects become dicts, arrays of numbers
// float64 arrays, anything else a string.
void write_uns_tree(hid_t loc, const std::string& name, const nlohmann::json& v, const std::string& file) {
  std::string key = clean_name(name);
  bool numbers = v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](auto& x) { return x.is_number(); });
  if (v.is_object()) {
    h5::Handle g = make_group(loc, key, file, "dict", "0.1.0");
    for (auto& [k, child] : v.items()) write_uns_tree(g, k, child, file);
  } else if (numbers) {
    std::vector<double> values = v.get<std::vector<double>>();
    h5::Appender a(loc, key, h5::Appender::Type::f64, std::max<uint64_t>(1, values.size()));
    a.append(values.data(), values.size());
    set_encoding(a.dataset(), "array", "0.2.0");
  } else {
    h5::write_scalar_string(loc, key, text_value(v));
  }
}

}  // namespace

void H5adWriter::write_uns(const std::string& key, const nlohmann::json& tree) {
  h5::Handle uns = h5::open_group(file_, "uns", name_);
  write_uns_tree(uns, key, tree, name_);
}

namespace {

// Everything that becomes a string or a name in the file, checked before
// the file exists.
void check_names(const std::string& name, const std::vector<std::string>& genes, const std::vector<LabelColumn>& labels) {
  for (size_t g = 0; g < genes.size(); ++g) {
    check_text(name, "gene name " + std::to_string(g), genes[g]);
    if (genes[g].empty()) fail(name, "gene name " + std::to_string(g) + " is empty");
  }
  size_t first = 0, again = first_duplicate(genes, &first);
  if (again != std::string::npos)
    fail(name, "duplicate gene name '" + genes[again] + "' (genes " + std::to_string(first) + " and " +
                    std::to_string(again) + ")");
  std::vector<std::string> columns;
  for (auto& l : labels) {
    check_text(name, "label column name '" + make_valid_utf8(l.name) + "'", l.name);
    if (l.name.empty() || l.name == "." || l.name.find('/') != std::string::npos || l.name == "_index" ||
        l.name == "library_size")
      fail(name, "'" + l.name + "' cannot name an obs column");
    for (size_t c = 0; c < l.categories.size(); ++c)
      check_text(name, "category " + std::to_string(c) + " of " + l.name, l.categories[c]);
    again = first_duplicate(l.categories, &first);
    if (again != std::string::npos) fail(name, l.name + ": duplicate category '" + l.categories[again] + "'");
    columns.push_back(l.name);
  }
  again = first_duplicate(columns, &first);
  if (again != std::string::npos) fail(name, "two label columns are named '" + columns[again] + "'");
}

}  // namespace

H5adWriter::H5adWriter(const std::string& path, std::vector<std::string> genes, std::vector<LabelColumn> labels,
                       const nlohmann::json& provenance, H5adWriterOptions options)
    : path_(path), opt_(std::move(options)), genes_(std::move(genes)), labels_(std::move(labels)) {
  name_ = opt_.display_name.empty() ? path_ : opt_.display_name;
  opt_.int32_limit = std::min<uint64_t>(opt_.int32_limit, 2147483647);
  check_names(name_, genes_, labels_);
  wide_ = genes_.size() > opt_.int32_limit;
  file_ = h5::create_file(path_, name_);
  set_encoding(file_, "anndata", "0.1.0");
  {
    h5::Handle x = make_group(file_, "X", name_, "csr_matrix", "0.1.0");
    auto index_type = wide_ ? h5::Appender::Type::i64 : h5::Appender::Type::i32;
    data_ = std::make_unique<h5::Appender>(x, "data", h5::Appender::Type::f32, 1 << 16);
    indices_ = std::make_unique<h5::Appender>(x, "indices", index_type, 1 << 16);
    indptr_ = std::make_unique<h5::Appender>(x, "indptr", index_type, 1 << 14);
    int64_t zero64 = 0;
    int32_t zero32 = 0;
    indptr_->append(wide_ ? static_cast<const void*>(&zero64) : static_cast<const void*>(&zero32), 1);
  }
  {
    h5::Handle obs = make_group(file_, "obs", name_, "dataframe", "0.2.0");
    h5::set_attr_string(obs, "_index", "_index");
    std::vector<std::string> order;
    for (auto& l : labels_) order.push_back(l.name);
    order.push_back("library_size");
    h5::set_attr_strings(obs, "column-order", order);
    obs_names_ = std::make_unique<h5::Appender>(obs, "_index", h5::Appender::Type::str, 1 << 12);
    set_encoding(obs_names_->dataset(), "string-array", "0.2.0");
    for (auto& l : labels_) {
      h5::Handle col = make_group(obs, l.name, name_, "categorical", "0.2.0");
      h5::set_attr_bool(col, "ordered", false);
      h5::write_strings(col, "categories", l.categories);
      codes_.push_back(std::make_unique<h5::Appender>(col, "codes", code_type(l.categories.size()), 1 << 14));
      set_encoding(codes_.back()->dataset(), "array", "0.2.0");
    }
    library_size_ = std::make_unique<h5::Appender>(obs, "library_size", h5::Appender::Type::f64, 1 << 14);
    set_encoding(library_size_->dataset(), "array", "0.2.0");
  }
  {
    h5::Handle var = make_group(file_, "var", name_, "dataframe", "0.2.0");
    h5::set_attr_string(var, "_index", "_index");
    h5::set_attr_strings(var, "column-order", {});
    h5::write_strings(var, "_index", genes_);
  }
  for (const char* name : {"layers", "obsm", "obsp", "varm", "varp"}) make_group(file_, name, name_, "dict", "0.1.0");
  h5::Handle uns = make_group(file_, "uns", name_, "dict", "0.1.0");
  write_provenance(uns, provenance, name_);
}

H5adWriter::~H5adWriter() = default;

void H5adWriter::write(const CountBlock& block) {
  size_t n = block.size();
  if (n == 0) return;
  for (size_t i = 0; i < n; ++i) check_text(name_, "cell id " + std::to_string(n_cells_ + i), block.ids[i]);
  uint64_t nnz = block.genes.size();
  if (!wide_ && nnz_ + nnz > opt_.int32_limit) promote_indices();
  if (!double_data_ && block.means.empty())
    for (uint32_t c : block.counts)
      if (c > (1u << 24)) {
        promote_data();
        break;
      }
  if (double_data_) {
    std::vector<double> values = block.means.empty() ? std::vector<double>(block.counts.begin(), block.counts.end())
                                                     : std::vector<double>(block.means.begin(), block.means.end());
    data_->append(values.data(), values.size());
  } else {
    std::vector<float> values = block.means.empty() ? std::vector<float>(block.counts.begin(), block.counts.end()) : block.means;
    data_->append(values.data(), values.size());
  }
  if (wide_) {
    std::vector<int64_t> genes(block.genes.begin(), block.genes.end()), indptr(n);
    for (size_t i = 0; i < n; ++i) indptr[i] = int64_t(nnz_ + block.indptr[i + 1]);
    indices_->append(genes.data(), genes.size());
    indptr_->append(indptr.data(), n);
  } else {
    std::vector<int32_t> genes(block.genes.begin(), block.genes.end()), indptr(n);
    for (size_t i = 0; i < n; ++i) indptr[i] = int32_t(nnz_ + block.indptr[i + 1]);
    indices_->append(genes.data(), genes.size());
    indptr_->append(indptr.data(), n);
  }
  obs_names_->append_strings(block.ids);
  library_size_->append(block.library_size.data(), n);
  for (size_t c = 0; c < codes_.size(); ++c) {
    switch (code_type(labels_[c].categories.size())) {
      case h5::Appender::Type::i8: {
        std::vector<int8_t> v(block.labels[c].begin(), block.labels[c].end());
        codes_[c]->append(v.data(), n);
        break;
      }
      case h5::Appender::Type::i16: {
        std::vector<int16_t> v(block.labels[c].begin(), block.labels[c].end());
        codes_[c]->append(v.data(), n);
        break;
      }
      default: codes_[c]->append(block.labels[c].data(), n);
    }
  }
  nnz_ += nnz;
  n_cells_ += n;
}

// Rewrites dataset X/<name> (`appender`) as `type`: a streaming writer learns
// only as it goes that it needs a wider type.
template <typename T>
void H5adWriter::widen(std::unique_ptr<h5::Appender>& appender, const std::string& name, h5::Appender::Type type,
                       uint64_t chunk) {
  h5::Handle x = h5::open_group(file_, "X", name_);
  std::string temp = name + "-wide";
  auto wide = std::make_unique<h5::Appender>(x, temp, type, chunk);
  const uint64_t step = 1 << 22, total = appender->size();
  for (uint64_t start = 0; start < total; start += step) {
    auto v = h5::read<T>(appender->dataset(), start, std::min(step, total - start));
    wide->append(v.data(), v.size());
  }
  appender->close();
  appender.reset();
  if (H5Ldelete(x, name.c_str(), H5P_DEFAULT) < 0 ||
      H5Lmove(x, temp.c_str(), x, name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
    fail(name_, "X/" + name + ": cannot rewrite as a wider type");
  set_encoding(wide->dataset(), "array", "0.2.0");
  appender = std::move(wide);
}

// scipy wants indices and indptr of one type; past int32 both become int64
// (only past 2^31 non-zeros, so the copy is rare).
void H5adWriter::promote_indices() {
  widen<int64_t>(indices_, "indices", h5::Appender::Type::i64, 1 << 16);
  widen<int64_t>(indptr_, "indptr", h5::Appender::Type::i64, 1 << 14);
  wide_ = true;
}

// float32 holds whole numbers exactly up to 2^24: larger counts need float64.
void H5adWriter::promote_data() {
  widen<double>(data_, "data", h5::Appender::Type::f64, 1 << 16);
  double_data_ = true;
}

void H5adWriter::finish() {
  if (finished_) return;
  {
    h5::Handle x = h5::open_group(file_, "X", name_);
    h5::set_attr_ints(x, "shape", {int64_t(n_cells_), int64_t(genes_.size())});
    x.close(name_);
  }
  // Flush first (data and metadata reach the file), then close every object
  // and the file with checks: any write error fails here, before commit.
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) fail(name_, "write error (disk full?)");
  for (auto* a : {&data_, &indices_, &indptr_, &obs_names_, &library_size_}) {
    (*a)->close();
    a->reset();
  }
  for (auto& c : codes_) c->close();
  codes_.clear();
  file_.close(name_);
  finished_ = true;
}

}  // namespace scldm
