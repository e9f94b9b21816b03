#include "io/h5ad_writer.hpp"

#include "util/error.hpp"

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

void write_provenance(hid_t uns, const nlohmann::json& provenance, const std::string& file) {
  h5::Handle g = make_group(uns, "scldm", file, "dict", "0.1.0");
  for (auto& [key, value] : provenance.items())
    h5::write_scalar_string(g, key, value.is_string() ? value.get<std::string>() : value.dump());
}

// A JSON tree as anndata's uns: objects become dicts, arrays of numbers
// float64 arrays, anything else a string.
void write_uns_tree(hid_t loc, const std::string& name, const nlohmann::json& v, const std::string& file) {
  if (v.is_object()) {
    h5::Handle g = make_group(loc, name, file, "dict", "0.1.0");
    for (auto& [key, child] : v.items()) write_uns_tree(g, key, child, file);
  } else if (v.is_array() && !v.empty() && v[0].is_number()) {
    std::vector<double> values = v.get<std::vector<double>>();
    h5::Appender a(loc, name, h5::Appender::Type::f64, std::max<uint64_t>(1, values.size()));
    a.append(values.data(), values.size());
    set_encoding(a.dataset(), "array", "0.2.0");
  } else {
    h5::write_scalar_string(loc, name, v.is_string() ? v.get<std::string>() : v.dump());
  }
}

}  // namespace

void H5adWriter::write_uns(const std::string& key, const nlohmann::json& tree) {
  h5::Handle uns = h5::open_group(file_, "uns", path_);
  write_uns_tree(uns, key, tree, path_);
}

H5adWriter::H5adWriter(const std::string& path, std::vector<std::string> genes, std::vector<LabelColumn> labels,
                       const nlohmann::json& provenance)
    : path_(path), genes_(std::move(genes)), labels_(std::move(labels)) {
  file_ = h5::create_file(path_);
  set_encoding(file_, "anndata", "0.1.0");
  {
    h5::Handle x = make_group(file_, "X", path_, "csr_matrix", "0.1.0");
    data_ = std::make_unique<h5::Appender>(x, "data", h5::Appender::Type::f32, 1 << 16);
    indices_ = std::make_unique<h5::Appender>(x, "indices", h5::Appender::Type::i32, 1 << 16);
    indptr_ = std::make_unique<h5::Appender>(x, "indptr", h5::Appender::Type::i64, 1 << 14);
    int64_t zero = 0;
    indptr_->append(&zero, 1);
  }
  {
    h5::Handle obs = make_group(file_, "obs", path_, "dataframe", "0.2.0");
    h5::set_attr_string(obs, "_index", "_index");
    std::vector<std::string> order;
    for (auto& l : labels_) order.push_back(l.name);
    order.push_back("library_size");
    h5::set_attr_strings(obs, "column-order", order);
    obs_names_ = std::make_unique<h5::Appender>(obs, "_index", h5::Appender::Type::str, 1 << 12);
    set_encoding(obs_names_->dataset(), "string-array", "0.2.0");
    for (auto& l : labels_) {
      h5::Handle col = make_group(obs, l.name, path_, "categorical", "0.2.0");
      h5::set_attr_bool(col, "ordered", false);
      h5::write_strings(col, "categories", l.categories);
      codes_.push_back(std::make_unique<h5::Appender>(col, "codes", code_type(l.categories.size()), 1 << 14));
      set_encoding(codes_.back()->dataset(), "array", "0.2.0");
    }
    library_size_ = std::make_unique<h5::Appender>(obs, "library_size", h5::Appender::Type::f64, 1 << 14);
    set_encoding(library_size_->dataset(), "array", "0.2.0");
  }
  {
    h5::Handle var = make_group(file_, "var", path_, "dataframe", "0.2.0");
    h5::set_attr_string(var, "_index", "_index");
    h5::set_attr_strings(var, "column-order", {});
    h5::write_strings(var, "_index", genes_);
  }
  for (const char* name : {"layers", "obsm", "obsp", "varm", "varp"}) make_group(file_, name, path_, "dict", "0.1.0");
  h5::Handle uns = make_group(file_, "uns", path_, "dict", "0.1.0");
  write_provenance(uns, provenance, path_);
}

H5adWriter::~H5adWriter() = default;

void H5adWriter::write(const CountBlock& block) {
  size_t n = block.size();
  if (n == 0) return;
  std::vector<float> values = block.means.empty() ? std::vector<float>(block.counts.begin(), block.counts.end()) : block.means;
  std::vector<int32_t> genes(block.genes.begin(), block.genes.end());
  std::vector<int64_t> indptr(n);
  for (size_t i = 0; i < n; ++i) indptr[i] = int64_t(nnz_ + block.indptr[i + 1]);
  data_->append(values.data(), values.size());
  indices_->append(genes.data(), genes.size());
  indptr_->append(indptr.data(), n);
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
  nnz_ += block.genes.size();
  n_cells_ += n;
}

void H5adWriter::finish() {
  if (finished_) return;
  h5::Handle x = h5::open_group(file_, "X", path_);
  h5::set_attr_ints(x, "shape", {int64_t(n_cells_), int64_t(genes_.size())});
  data_.reset();
  indices_.reset();
  indptr_.reset();
  obs_names_.reset();
  library_size_.reset();
  codes_.clear();
  x.reset();
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) fail(path_, "write error (disk full?)");
  file_.reset();
  finished_ = true;
}

}  // namespace scldm
