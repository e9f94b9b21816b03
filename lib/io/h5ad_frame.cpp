#include "io/h5ad_frame.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "io/hdf5.hpp"
#include "util/error.hpp"

namespace scldm {
namespace {

std::string format_number(double v) {
  char buf[32];
  if (v == double(int64_t(v))) snprintf(buf, sizeof buf, "%lld", (long long)v);
  else snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Categories may be strings or numbers; labels are always strings here.
std::vector<std::string> read_categories(hid_t dset) {
  if (h5::is_string_type(dset)) return h5::read_strings(dset);
  std::vector<std::string> out;
  for (double v : h5::read<double>(dset)) out.push_back(format_number(v));
  return out;
}

// anndata 0.7 stored a categorical as a codes dataset whose `categories`
// attribute is an object reference to obs/__categories/<name>.
h5::Handle dereference_categories(hid_t codes) {
  h5::Handle a(H5Aopen(codes, "categories", H5P_DEFAULT));
  hobj_ref_t ref;
  if (!a.valid() || H5Aread(a, H5T_STD_REF_OBJ, &ref) < 0) return h5::Handle();
  return h5::Handle(H5Rdereference2(codes, H5P_DEFAULT, H5R_OBJECT, &ref));
}

bool is_reference_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return false;
  h5::Handle a(H5Aopen(obj, name, H5P_DEFAULT));
  h5::Handle t(H5Aget_type(a));
  return H5Tget_class(t) == H5T_REFERENCE;
}

// Codes of values against sorted unique categories; "" counts as missing
// only where `missing` says so.
LabelColumn categorise(const std::string& name, const std::vector<std::string>& values,
                       const std::vector<uint8_t>& missing, std::vector<int32_t>& codes) {
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < values.size(); ++i)
    if (missing.empty() || !missing[i]) index.emplace(values[i], 0);
  LabelColumn col{name, {}};
  for (auto& [k, v] : index) {
    v = int32_t(col.categories.size());
    col.categories.push_back(k);
  }
  codes.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    codes[i] = (!missing.empty() && missing[i]) ? -1 : index[values[i]];
  return col;
}

std::vector<std::string> bools_to_strings(const std::vector<int8_t>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (auto b : v) out.push_back(b ? "True" : "False");
  return out;
}

}  // namespace

FrameReader::FrameReader(hid_t file, std::string group, std::string file_name)
    : file_(file), group_(std::move(group)), file_name_(std::move(file_name)) {
  h5::Handle g = h5::open_group(file_, group_, file_name_);
  std::string index_name = h5::attr_string(g, "_index");
  if (index_name.empty()) index_name = h5::exists(g, "_index") ? "_index" : "index";
  if (!h5::exists(g, index_name)) fail(file_name_, group_ + ": dataframe has no index");
  h5::Handle idx = h5::open_dataset(g, index_name, file_name_);
  if (h5::is_string_type(idx)) {
    index_ = h5::read_strings(idx);
  } else {
    for (double v : h5::read<double>(idx)) index_.push_back(format_number(v));
  }
  std::vector<std::string> order = h5::attr_strings(g, "column-order");
  if (order.empty()) {
    for (auto& child : h5::list_children(g))
      if (child != index_name && child != "__categories") order.push_back(child);
  }
  for (auto& name : order)
    if (h5::exists(g, name)) columns_.push_back(describe(name));
}

FrameColumn FrameReader::describe(const std::string& name) const {
  std::string path = group_ + "/" + name;
  FrameColumn c{name, "other", 0};
  if (h5::is_group(file_, path)) {
    h5::Handle g = h5::open_group(file_, path, file_name_);
    std::string enc = h5::attr_string(g, "encoding-type");
    if (enc == "categorical") {
      c.kind = "categorical";
      c.n_categories = h5::shape(h5::open_dataset(g, "categories", file_name_)).at(0);
    } else if (enc == "nullable-integer") {
      c.kind = "nullable-integer";
    } else if (enc == "nullable-boolean") {
      c.kind = "nullable-bool";
      c.n_categories = 2;
    } else if (enc == "nullable-string-array") {
      c.kind = "nullable-string";
    }
    return c;
  }
  h5::Handle d = h5::open_dataset(file_, path, file_name_);
  if (is_reference_attr(d, "categories")) {
    c.kind = "categorical";
    h5::Handle cats = dereference_categories(d);
    if (cats.valid()) c.n_categories = h5::shape(cats).at(0);
  } else if (h5::is_string_type(d)) {
    c.kind = "string";
  } else if (h5::is_bool_enum(d)) {
    c.kind = "bool";
    c.n_categories = 2;
  } else {
    c.kind = "numeric";
  }
  return c;
}

LabelColumn FrameReader::read_labels(const std::string& column, std::vector<int32_t>& codes) const {
  auto it = std::find_if(columns_.begin(), columns_.end(), [&](auto& c) { return c.name == column; });
  if (it == columns_.end() || !it->is_label()) fail(file_name_, group_ + ": no label column '" + column + "'");
  std::string path = group_ + "/" + column;
  if (it->kind == "categorical") {
    h5::Handle codes_ds, cats_ds;
    if (h5::is_group(file_, path)) {
      h5::Handle g = h5::open_group(file_, path, file_name_);
      codes_ds = h5::open_dataset(g, "codes", file_name_);
      cats_ds = h5::open_dataset(g, "categories", file_name_);
    } else {
      codes_ds = h5::open_dataset(file_, path, file_name_);
      cats_ds = dereference_categories(codes_ds);
      if (!cats_ds.valid()) fail(file_name_, path + ": cannot resolve its categories");
    }
    LabelColumn col{column, read_categories(cats_ds)};
    codes = h5::read<int32_t>(codes_ds);
    for (auto& code : codes) {
      if (code < -1 || code >= int32_t(col.categories.size()))
        fail(file_name_, path + ": category code " + std::to_string(code) + " out of range");
    }
    return col;
  }
  auto values = read_strings(column);
  std::vector<uint8_t> missing;
  if (it->kind.rfind("nullable", 0) == 0) {
    h5::Handle g = h5::open_group(file_, path, file_name_);
    missing = h5::read<uint8_t>(h5::open_dataset(g, "mask", file_name_));
  }
  return categorise(column, values, missing, codes);
}

std::vector<std::string> FrameReader::read_strings(const std::string& column) const {
  auto it = std::find_if(columns_.begin(), columns_.end(), [&](auto& c) { return c.name == column; });
  if (it == columns_.end()) fail(file_name_, group_ + ": no column '" + column + "'");
  std::string path = group_ + "/" + column;
  if (it->kind == "categorical") {
    std::vector<int32_t> codes;
    LabelColumn col = read_labels(column, codes);
    std::vector<std::string> out;
    for (auto code : codes) out.push_back(code < 0 ? "" : col.categories[size_t(code)]);
    return out;
  }
  if (it->kind.rfind("nullable", 0) == 0) {
    h5::Handle g = h5::open_group(file_, path, file_name_);
    h5::Handle values = h5::open_dataset(g, "values", file_name_);
    if (it->kind == "nullable-bool") return bools_to_strings(h5::read<int8_t>(values));
    if (it->kind == "nullable-string") return h5::read_strings(values);
    std::vector<std::string> out;
    for (double v : h5::read<double>(values)) out.push_back(format_number(v));
    return out;
  }
  h5::Handle d = h5::open_dataset(file_, path, file_name_);
  if (it->kind == "bool") return bools_to_strings(h5::read<int8_t>(d));
  if (it->kind == "string") return h5::read_strings(d);
  std::vector<std::string> out;
  for (double v : h5::read<double>(d)) out.push_back(format_number(v));
  return out;
}

}  // namespace scldm
