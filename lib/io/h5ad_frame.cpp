#include "io/h5ad_frame.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "io/hdf5.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm {
namespace {

// Whole numbers without a decimal point (as pandas prints integer
// categories); NaN, infinities and numbers past int64 as %g (casting those
// to an integer is undefined).
std::string format_number(double v) {
  char buf[32];
  if (std::isfinite(v) && std::fabs(v) < 9.2e18 && v == std::trunc(v)) snprintf(buf, sizeof buf, "%lld", (long long)v);
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

bool is_numeric_type(hid_t dset) {
  h5::Handle t(H5Dget_type(dset));
  auto cls = H5Tget_class(t);
  return cls == H5T_INTEGER || cls == H5T_FLOAT;
}

// anndata 0.7 stored a categorical as a codes dataset whose `categories`
// attribute is an object reference to obs/__categories/<name>.
h5::Handle dereference_categories(hid_t codes) {
  h5::Handle a(H5Aopen(codes, "categories", H5P_DEFAULT));
  if (!a.valid()) return h5::Handle();
  h5::Handle space(H5Aget_space(a));
  if (H5Sget_simple_extent_npoints(space) != 1) return h5::Handle();  // one reference, or corrupt
  hobj_ref_t ref;
  if (H5Aread(a, H5T_STD_REF_OBJ, &ref) < 0) return h5::Handle();
  h5::Handle target(H5Rdereference2(codes, H5P_DEFAULT, H5R_OBJECT, &ref));
  if (!target.valid() || H5Iget_type(target) != H5I_DATASET) return h5::Handle();
  return target;
}

bool is_reference_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return false;
  h5::Handle a(H5Aopen(obj, name, H5P_DEFAULT));
  if (!a.valid()) return false;
  h5::Handle t(H5Aget_type(a));
  return H5Tget_class(t) == H5T_REFERENCE;
}

// Codes of values against sorted unique categories; "" and the values
// `missing` marks are missing (-1).
LabelColumn categorise(const std::string& name, const std::vector<std::string>& values,
                       const std::vector<uint8_t>& missing, std::vector<int32_t>& codes) {
  auto is_missing = [&](size_t i) { return values[i].empty() || (!missing.empty() && missing[i]); };
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < values.size(); ++i)
    if (!is_missing(i)) index.emplace(values[i], 0);
  LabelColumn col{name, {}};
  for (auto& [k, v] : index) {
    v = int32_t(col.categories.size());
    col.categories.push_back(k);
  }
  codes.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) codes[i] = is_missing(i) ? -1 : index[values[i]];
  return col;
}

std::vector<std::string> bools_to_strings(const std::vector<int8_t>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (auto b : v) out.push_back(b ? "True" : "False");
  return out;
}

std::vector<std::string> numbers_to_strings(const std::vector<double>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (double x : v) out.push_back(format_number(x));
  return out;
}

bool ends_with_var(const std::string& group) { return group == "var" || ends_with(group, "/var"); }

}  // namespace

FrameReader::FrameReader(hid_t file, std::string group, std::string file_name, std::optional<uint64_t> n_rows,
                         const std::string& matrix)
    : file_(file), group_(std::move(group)), file_name_(std::move(file_name)),
      noun_(ends_with_var(group_) ? "genes" : "cells") {
  h5::reading(file_name_, [&] { open(n_rows, matrix); });
}

void FrameReader::open(std::optional<uint64_t> n_rows, const std::string& matrix) {
  h5::Handle g = h5::open_group(file_, group_, file_name_);
  std::string index_name = h5::attr_string(g, "_index");
  if (index_name.empty()) index_name = h5::exists(g, "_index") ? "_index" : "index";
  if (!h5::exists(g, index_name)) fail(file_name_, group_ + ": dataframe has no index");
  h5::Handle idx = h5::open_dataset(g, index_name, file_name_);
  rows_ = h5::length(idx, group_ + "/" + index_name);
  if (n_rows && rows_ != *n_rows)
    fail(file_name_, group_ + " has " + std::to_string(rows_) + " " + noun_ + " but " + matrix + " has " +
                         std::to_string(*n_rows));
  if (h5::is_string_type(idx)) index_ = h5::read_strings(idx);
  else if (is_numeric_type(idx)) index_ = numbers_to_strings(h5::read<double>(idx));
  else fail(file_name_, group_ + "/" + index_name + ": the index is neither strings nor numbers");
  if (index_.size() != rows_) fail(file_name_, group_ + "/" + index_name + ": read fewer values than it declares");
  std::vector<std::string> order = h5::attr_strings(g, "column-order");
  if (order.empty()) {
    for (auto& child : h5::list_children(g))
      if (child != index_name && child != "__categories") order.push_back(child);
  }
  size_t first = 0, again = first_duplicate(order, &first);
  if (again != std::string::npos) fail(file_name_, group_ + ": column '" + order[again] + "' is listed twice");
  for (auto& name : order) {
    // anndata refuses a file whose column-order names a column it lacks.
    if (name.empty() || !h5::exists(g, name))
      fail(file_name_, group_ + ": column-order names '" + name + "', which is not in the dataframe");
    columns_.push_back(describe(name));
  }
}

void FrameReader::check_rows(hid_t dset, const std::string& path) const {
  uint64_t n = h5::length(dset, path);
  if (n != rows_)
    fail(file_name_, path + ": " + std::to_string(n) + " values for " + std::to_string(rows_) + " " + noun_);
}

FrameColumn FrameReader::describe(const std::string& name) const {
  std::string path = group_ + "/" + name;
  FrameColumn c{name, "other", 0};
  if (h5::is_group(file_, path)) {
    h5::Handle g = h5::open_group(file_, path, file_name_);
    std::string enc = h5::attr_string(g, "encoding-type");
    if (enc == "categorical") {
      c.kind = "categorical";
      check_rows(h5::open_dataset(g, "codes", file_name_), path + "/codes");
      c.n_categories = h5::length(h5::open_dataset(g, "categories", file_name_), path + "/categories");
    } else if (enc == "nullable-integer" || enc == "nullable-boolean" || enc == "nullable-string-array") {
      c.kind = enc == "nullable-integer" ? "nullable-integer" : enc == "nullable-boolean" ? "nullable-bool" : "nullable-string";
      if (enc == "nullable-boolean") c.n_categories = 2;
      check_rows(h5::open_dataset(g, "values", file_name_), path + "/values");
      check_rows(h5::open_dataset(g, "mask", file_name_), path + "/mask");
    }
    return c;
  }
  h5::Handle d = h5::open_dataset(file_, path, file_name_);
  if (is_reference_attr(d, "categories")) {
    c.kind = "categorical";
    check_rows(d, path);
    h5::Handle cats = dereference_categories(d);
    if (!cats.valid()) fail(file_name_, path + ": cannot resolve its categories");
    c.n_categories = h5::length(cats, path + " (its categories)");
  } else if (h5::is_string_type(d)) {
    c.kind = "string";
    check_rows(d, path);
  } else if (h5::is_bool_enum(d)) {
    c.kind = "bool";
    c.n_categories = 2;
    check_rows(d, path);
  } else if (is_numeric_type(d)) {
    c.kind = "numeric";
    check_rows(d, path);
  }
  return c;
}

const FrameColumn& FrameReader::find(const std::string& column, bool label) const {
  auto it = std::find_if(columns_.begin(), columns_.end(), [&](auto& c) { return c.name == column; });
  if (label && (it == columns_.end() || !it->is_label()))
    fail(file_name_, group_ + ": no label column '" + column + "'");
  if (it == columns_.end()) fail(file_name_, group_ + ": no column '" + column + "'");
  if (it->kind == "other") fail(file_name_, group_ + "/" + column + ": unsupported column encoding");
  return *it;
}

LabelColumn FrameReader::read_labels(const std::string& column, std::vector<int32_t>& codes) const {
  return h5::reading(file_name_, [&] { return labels_of(find(column, true), codes); });
}

std::vector<std::string> FrameReader::read_strings(const std::string& column) const {
  return h5::reading(file_name_, [&] { return strings_of(find(column, false)); });
}

LabelColumn FrameReader::labels_of(const FrameColumn& c, std::vector<int32_t>& codes) const {
  std::string path = group_ + "/" + c.name;
  if (c.kind == "categorical") {
    h5::Handle codes_ds, cats_ds;
    std::string codes_path = path;
    if (h5::is_group(file_, path)) {
      h5::Handle g = h5::open_group(file_, path, file_name_);
      codes_ds = h5::open_dataset(g, "codes", file_name_);
      cats_ds = h5::open_dataset(g, "categories", file_name_);
      codes_path += "/codes";
    } else {
      codes_ds = h5::open_dataset(file_, path, file_name_);
      cats_ds = dereference_categories(codes_ds);
      if (!cats_ds.valid()) fail(file_name_, path + ": cannot resolve its categories");
    }
    check_rows(codes_ds, codes_path);
    h5::length(cats_ds, path + ": categories");
    LabelColumn col{c.name, read_categories(cats_ds)};
    size_t first = 0, again = first_duplicate(col.categories, &first);
    if (again != std::string::npos)
      fail(file_name_, path + ": duplicate category '" + col.categories[again] + "' (categories " +
                           std::to_string(first) + " and " + std::to_string(again) + ")");
    codes = h5::read<int32_t>(codes_ds);
    if (codes.size() != rows_) fail(file_name_, codes_path + ": read fewer values than it declares");
    for (auto& code : codes) {
      if (code < -1 || code >= int32_t(col.categories.size()))
        fail(file_name_, path + ": category code " + std::to_string(code) + " out of range");
    }
    // An empty category cannot be named (--where, --condition) and reads
    // back as missing: it is a missing label.
    auto empty = std::find(col.categories.begin(), col.categories.end(), std::string());
    if (empty != col.categories.end()) {
      auto e = int32_t(empty - col.categories.begin());
      col.categories.erase(empty);
      for (auto& code : codes) code = code == e ? -1 : code > e ? code - 1 : code;
    }
    return col;
  }
  auto values = strings_of(c);  // missing values are "" here
  return categorise(c.name, values, {}, codes);
}

std::vector<std::string> FrameReader::strings_of(const FrameColumn& c) const {
  std::string path = group_ + "/" + c.name;
  std::vector<std::string> out;
  if (c.kind == "categorical") {
    std::vector<int32_t> codes;
    LabelColumn col = labels_of(c, codes);
    out.reserve(codes.size());
    for (auto code : codes) out.push_back(code < 0 ? "" : col.categories[size_t(code)]);
    return out;
  }
  if (c.kind.rfind("nullable", 0) == 0) {
    h5::Handle g = h5::open_group(file_, path, file_name_);
    h5::Handle values = h5::open_dataset(g, "values", file_name_);
    h5::Handle mask_ds = h5::open_dataset(g, "mask", file_name_);
    check_rows(values, path + "/values");
    check_rows(mask_ds, path + "/mask");
    if (c.kind == "nullable-bool") out = bools_to_strings(h5::read<int8_t>(values));
    else if (c.kind == "nullable-string") out = h5::read_strings(values);
    else out = numbers_to_strings(h5::read<double>(values));
    auto mask = h5::read<uint8_t>(mask_ds);
    if (out.size() != rows_ || mask.size() != rows_) fail(file_name_, path + ": read fewer values than it declares");
    for (size_t i = 0; i < rows_; ++i)
      if (mask[i]) out[i].clear();
    return out;
  }
  h5::Handle d = h5::open_dataset(file_, path, file_name_);
  check_rows(d, path);
  if (c.kind == "bool") out = bools_to_strings(h5::read<int8_t>(d));
  else if (c.kind == "string") out = h5::read_strings(d);
  else out = numbers_to_strings(h5::read<double>(d));
  if (out.size() != rows_) fail(file_name_, path + ": read fewer values than it declares");
  return out;
}

}  // namespace scldm
