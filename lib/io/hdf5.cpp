#include "io/hdf5.hpp"

#include <cstring>
#include <functional>

#include "util/error.hpp"

namespace scldm::h5 {
namespace {

std::string object_name(hid_t obj) {
  ssize_t n = H5Iget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(size_t(n), '\0');
  H5Iget_name(obj, s.data(), size_t(n) + 1);
  return s.size() > 1 && s[0] == '/' ? s.substr(1) : s;
}

[[noreturn]] void fail_at(hid_t obj, const std::string& problem) {
  fail(file_name(obj), object_name(obj) + ": " + problem);
}

// A string type of the same kind (fixed or variable) as the stored one.
Handle memory_string_type(hid_t file_type) {
  Handle t(H5Tcopy(H5T_C_S1));
  if (H5Tis_variable_str(file_type) > 0) {
    H5Tset_size(t, H5T_VARIABLE);
  } else {
    H5Tset_size(t, H5Tget_size(file_type));
    H5Tset_strpad(t, H5T_STR_NULLPAD);
  }
  H5Tset_cset(t, H5Tget_cset(file_type));
  return t;
}

std::vector<std::string> read_string_buffer(hid_t space, hid_t file_type, hid_t mem_space, size_t n,
                                            const std::function<herr_t(hid_t, void*)>& reader, hid_t where) {
  Handle mem_type = memory_string_type(file_type);
  std::vector<std::string> out(n);
  if (H5Tis_variable_str(file_type) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    if (reader(mem_type, ptrs.data()) < 0) fail_at(where, "cannot read strings (file truncated or corrupt?)");
    for (size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    H5Dvlen_reclaim(mem_type, mem_space >= 0 ? mem_space : space, H5P_DEFAULT, ptrs.data());
  } else {
    size_t width = H5Tget_size(file_type);
    std::vector<char> buf(n * width + 1, 0);
    if (reader(mem_type, buf.data()) < 0) fail_at(where, "cannot read strings (file truncated or corrupt?)");
    for (size_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * width;
      out[i] = std::string(p, strnlen(p, width));
    }
  }
  return out;
}

template <typename T>
hid_t native_type();
template <>
hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <>
hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <>
hid_t native_type<int8_t>() { return H5T_NATIVE_INT8; }
template <>
hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <>
hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }
template <>
hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }

// Selects rows [start, start+count) of a dataset: elements of a 1-D array,
// or slices along the first axis of an N-D one.
struct Selection {
  Handle file_space, mem_space;
  uint64_t n_elements = 0;
};

Selection select_rows(hid_t dset, uint64_t start, uint64_t count) {
  Selection s;
  s.file_space = Handle(H5Dget_space(dset));
  int rank = H5Sget_simple_extent_ndims(s.file_space);
  if (rank < 0 || rank > 8) fail_at(dset, "expected an array of at most 8 dimensions");
  std::vector<hsize_t> dims(size_t(std::max(rank, 1)), 1);
  if (rank > 0) H5Sget_simple_extent_dims(s.file_space, dims.data(), nullptr);
  uint64_t rows = rank == 0 ? 1 : dims[0], per_row = 1;
  for (int i = 1; i < rank; ++i) per_row *= dims[size_t(i)];
  if (count == 0) count = rows > start ? rows - start : 0;
  if (start + count > rows) fail_at(dset, "read past the end of the array");
  std::vector<hsize_t> off(dims.size(), 0), cnt = dims;
  off[0] = start;
  cnt[0] = count;
  if (rank > 0) H5Sselect_hyperslab(s.file_space, H5S_SELECT_SET, off.data(), nullptr, cnt.data(), nullptr);
  s.n_elements = count * per_row;
  hsize_t m = s.n_elements;
  s.mem_space = Handle(H5Screate_simple(1, &m, nullptr));
  return s;
}

}  // namespace

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string file_name(hid_t obj) {
  ssize_t n = H5Fget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(size_t(n), '\0');
  H5Fget_name(obj, s.data(), size_t(n) + 1);
  return s;
}

Handle open_file(const std::string& path) {
  quiet_errors();
  htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 <= 0) fail(path, "not an HDF5/h5ad file (or truncated)");
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) fail(path, "cannot open as HDF5 (truncated or corrupt?)");
  return f;
}

Handle create_file(const std::string& path) {
  quiet_errors();
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  // Track creation order so that anndata lists groups as we wrote them.
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT));
  if (!f.valid()) fail(path, "cannot create HDF5 file");
  return f;
}

bool exists(hid_t loc, const std::string& name) {
  // Check each level: H5Lexists fails on a missing intermediate group.
  std::string path;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    path = name.substr(0, slash);
    if (H5Lexists(loc, path.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

bool is_group(hid_t loc, const std::string& name) {
  if (!exists(loc, name)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

Handle open_group(hid_t loc, const std::string& name, const std::string& file) {
  if (!is_group(loc, name)) fail(file, "no group '" + name + "'");
  Handle g(H5Gopen2(loc, name.c_str(), H5P_DEFAULT));
  if (!g.valid()) fail(file, "cannot open group '" + name + "'");
  return g;
}

Handle open_dataset(hid_t loc, const std::string& name, const std::string& file) {
  if (!exists(loc, name)) fail(file, "no dataset '" + name + "'");
  Handle d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
  if (!d.valid()) fail(file, "'" + name + "' is not a dataset (or is corrupt)");
  return d;
}

Handle create_group(hid_t loc, const std::string& name, const std::string& file) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle g(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT));
  if (!g.valid()) fail(file, "cannot create group '" + name + "'");
  return g;
}

std::vector<std::string> list_children(hid_t group) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  };
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
  return names;
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::vector<std::string> attr_strings(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) return {};
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  Handle type(H5Aget_type(a));
  if (H5Tget_class(type) != H5T_STRING) return {};
  Handle space(H5Aget_space(a));
  hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n <= 0) return {};
  return read_string_buffer(
      space, type, -1, size_t(n), [&](hid_t mem, void* buf) { return H5Aread(a, mem, buf); }, obj);
}

std::string attr_string(hid_t obj, const std::string& name) {
  auto v = attr_strings(obj, name);
  return v.empty() ? "" : v[0];
}

std::vector<int64_t> attr_ints(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) return {};
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  Handle type(H5Aget_type(a));
  auto cls = H5Tget_class(type);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return {};
  Handle space(H5Aget_space(a));
  hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<int64_t> out(size_t(std::max<hssize_t>(n, 0)));
  if (n > 0 && H5Aread(a, H5T_NATIVE_INT64, out.data()) < 0) fail_at(obj, "cannot read attribute " + name);
  return out;
}

std::vector<uint64_t> shape(hid_t dset) {
  Handle space(H5Dget_space(dset));
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail_at(dset, "cannot read shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

bool is_string_type(hid_t dset) {
  Handle t(H5Dget_type(dset));
  return H5Tget_class(t) == H5T_STRING;
}

bool is_float_type(hid_t dset) {
  Handle t(H5Dget_type(dset));
  return H5Tget_class(t) == H5T_FLOAT;
}

bool is_bool_enum(hid_t dset) {
  Handle t(H5Dget_type(dset));
  return H5Tget_class(t) == H5T_ENUM && H5Tget_nmembers(t) == 2;
}

std::string type_name(hid_t dset) {
  Handle t(H5Dget_type(dset));
  size_t bits = H5Tget_size(t) * 8;
  switch (H5Tget_class(t)) {
    case H5T_FLOAT: return "float" + std::to_string(bits);
    case H5T_INTEGER: return (H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_STRING: return "string";
    case H5T_ENUM: return "bool";
    default: return "other";
  }
}

template <typename T>
std::vector<T> read(hid_t dset, uint64_t start, uint64_t count) {
  Selection s = select_rows(dset, start, count);
  std::vector<T> out(s.n_elements);
  if (s.n_elements == 0) return out;
  if (H5Dread(dset, native_type<T>(), s.mem_space, s.file_space, H5P_DEFAULT, out.data()) < 0)
    fail_at(dset, "cannot read values (file truncated or corrupt?)");
  return out;
}
template std::vector<float> read<float>(hid_t, uint64_t, uint64_t);
template std::vector<double> read<double>(hid_t, uint64_t, uint64_t);
template std::vector<int8_t> read<int8_t>(hid_t, uint64_t, uint64_t);
template std::vector<int32_t> read<int32_t>(hid_t, uint64_t, uint64_t);
template std::vector<int64_t> read<int64_t>(hid_t, uint64_t, uint64_t);
template std::vector<uint8_t> read<uint8_t>(hid_t, uint64_t, uint64_t);

std::vector<std::string> read_strings(hid_t dset, uint64_t start, uint64_t count) {
  Handle type(H5Dget_type(dset));
  if (H5Tget_class(type) != H5T_STRING) fail_at(dset, "expected strings");
  Selection s = select_rows(dset, start, count);
  return read_string_buffer(
      s.file_space, type, s.mem_space, s.n_elements,
      [&](hid_t mem, void* buf) { return H5Dread(dset, mem, s.mem_space, s.file_space, H5P_DEFAULT, buf); }, dset);
}

namespace {
Handle vlen_utf8() {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_attr(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data) {
  if (has_attr(obj, name)) H5Adelete(obj, name.c_str());
  Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid()) fail_at(obj, "cannot write attribute " + name);
  if (H5Sget_simple_extent_npoints(space) == 0) return;  // an empty array has nothing to write
  if (H5Awrite(a, type, data) < 0) fail_at(obj, "cannot write attribute " + name);
}
}  // namespace

void set_attr_string(hid_t obj, const std::string& name, const std::string& value) {
  Handle type = vlen_utf8();
  Handle space(H5Screate(H5S_SCALAR));
  const char* p = value.c_str();
  write_attr(obj, name, type, space, &p);
}

void set_attr_strings(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  Handle type = vlen_utf8();
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  std::vector<const char*> ptrs;
  for (auto& v : values) ptrs.push_back(v.c_str());
  write_attr(obj, name, type, space, ptrs.data());
}

void set_attr_ints(hid_t obj, const std::string& name, const std::vector<int64_t>& values) {
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  write_attr(obj, name, H5T_NATIVE_INT64, space, values.data());
}

void set_attr_bool(hid_t obj, const std::string& name, bool value) {
  // h5py stores numpy bools as an enum {FALSE, TRUE} over int8.
  Handle type(H5Tenum_create(H5T_NATIVE_INT8));
  int8_t f = 0, t = 1;
  H5Tenum_insert(type, "FALSE", &f);
  H5Tenum_insert(type, "TRUE", &t);
  Handle space(H5Screate(H5S_SCALAR));
  int8_t v = value ? 1 : 0;
  write_attr(obj, name, type, space, &v);
}

Appender::Appender(hid_t loc, const std::string& name, Type type, uint64_t chunk) : type_(type) {
  hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk_dim = chunk;
  Handle space(H5Screate_simple(1, &zero, &unlimited));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(dcpl, 1, &chunk_dim);
  Handle file_type;
  switch (type) {
    case Type::f32: file_type = Handle(H5Tcopy(H5T_IEEE_F32LE)); break;
    case Type::f64: file_type = Handle(H5Tcopy(H5T_IEEE_F64LE)); break;
    case Type::i8: file_type = Handle(H5Tcopy(H5T_STD_I8LE)); break;
    case Type::i16: file_type = Handle(H5Tcopy(H5T_STD_I16LE)); break;
    case Type::i32: file_type = Handle(H5Tcopy(H5T_STD_I32LE)); break;
    case Type::i64: file_type = Handle(H5Tcopy(H5T_STD_I64LE)); break;
    case Type::str: file_type = vlen_utf8(); break;
  }
  dset_ = Handle(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  if (!dset_.valid()) fail(file_name(loc), "cannot create dataset " + name);
}

void Appender::grow_and_write(hid_t mem_type, const void* data, uint64_t n) {
  if (n == 0) return;
  hsize_t new_size = size_ + n;
  if (H5Dset_extent(dset_, &new_size) < 0) fail_at(dset_, "cannot extend dataset");
  Handle file_space(H5Dget_space(dset_));
  hsize_t off = size_, cnt = n;
  H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &off, nullptr, &cnt, nullptr);
  Handle mem_space(H5Screate_simple(1, &cnt, nullptr));
  if (H5Dwrite(dset_, mem_type, mem_space, file_space, H5P_DEFAULT, data) < 0)
    fail_at(dset_, "write error (disk full?)");
  size_ = new_size;
}

void Appender::append(const void* data, uint64_t n) {
  hid_t mem = H5T_NATIVE_FLOAT;
  switch (type_) {
    case Type::f32: mem = H5T_NATIVE_FLOAT; break;
    case Type::f64: mem = H5T_NATIVE_DOUBLE; break;
    case Type::i8: mem = H5T_NATIVE_INT8; break;
    case Type::i16: mem = H5T_NATIVE_INT16; break;
    case Type::i32: mem = H5T_NATIVE_INT32; break;
    case Type::i64: mem = H5T_NATIVE_INT64; break;
    case Type::str: fail_at(dset_, "internal: numeric append to a string dataset");
  }
  grow_and_write(mem, data, n);
}

void Appender::append_strings(const std::vector<std::string>& values) {
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (auto& v : values) ptrs.push_back(v.c_str());
  Handle type = vlen_utf8();
  grow_and_write(type, ptrs.data(), values.size());
}

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
  Handle type = vlen_utf8();
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  std::vector<const char*> ptrs;
  for (auto& v : values) ptrs.push_back(v.c_str());
  if (!d.valid() || (n > 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0))
    fail(file_name(loc), "cannot write " + name);
  set_attr_string(d, "encoding-type", "string-array");
  set_attr_string(d, "encoding-version", "0.2.0");
}

void write_scalar_string(hid_t loc, const std::string& name, const std::string& value) {
  Handle type = vlen_utf8();
  Handle space(H5Screate(H5S_SCALAR));
  Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  const char* p = value.c_str();
  if (!d.valid() || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0)
    fail(file_name(loc), "cannot write " + name);
  set_attr_string(d, "encoding-type", "string");
  set_attr_string(d, "encoding-version", "0.2.0");
}

}  // namespace scldm::h5
