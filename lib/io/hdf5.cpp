#include "io/hdf5.hpp"

#include <cstring>
#include <functional>
#include <map>

#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm::h5 {
namespace {

// No HDF5 clean-up at exit: it would close files we left open, and a file
// whose close already failed (a full disk) crashes libhdf5 there (1.10). We
// close every file we write ourselves (checked); others need nothing.
// H5dont_atexit() must precede every other HDF5 call: a static initializer.
const bool g_no_hdf5_atexit = [] {
  H5dont_atexit();
  return true;
}();

// The names files are shown by in messages, by the name HDF5 knows them by
// (a spooled copy of standard input is shown as "-").
std::map<std::string, std::string>& display_names() {
  static std::map<std::string, std::string> names;
  return names;
}

void set_display_name(const std::string& real, const std::string& display) {
  if (!display.empty() && display != real) display_names()[real] = display;
}

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

uint64_t checked_product(uint64_t a, uint64_t b, hid_t obj) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail_at(obj, "declares an impossible size (corrupt file)");
  return r;
}

// Attribute values are small; a larger declared size is corruption.
constexpr uint64_t kMaxAttrBytes = 64u << 20;

// A string type of the same kind (fixed or variable) as the stored one. A
// fixed-length type keeps the stored padding, so that HDF5 copies the bytes
// as they are (a conversion would stop at the first NUL and hide the rest).
Handle memory_string_type(hid_t file_type) {
  Handle t(H5Tcopy(H5T_C_S1));
  if (H5Tis_variable_str(file_type) > 0) {
    H5Tset_size(t, H5T_VARIABLE);
  } else {
    H5Tset_size(t, H5Tget_size(file_type));
    H5T_str_t pad = H5Tget_strpad(file_type);
    H5Tset_strpad(t, pad == H5T_STR_ERROR ? H5T_STR_NULLPAD : pad);
  }
  H5Tset_cset(t, H5Tget_cset(file_type));
  return t;
}

// Strings as read: no NUL inside, valid UTF-8 (what anndata requires).
void check_string(const std::string& s, uint64_t index, hid_t where) {
  if (s.find('\0') != std::string::npos) fail_at(where, "value " + std::to_string(index) + " holds a NUL byte");
  if (!valid_utf8(s)) fail_at(where, "value " + std::to_string(index) + " is not valid UTF-8");
}

std::vector<std::string> read_string_buffer(hid_t space, hid_t file_type, hid_t mem_space, size_t n, uint64_t first,
                                            const std::function<herr_t(hid_t, void*)>& reader, hid_t where) {
  Handle mem_type = memory_string_type(file_type);
  std::vector<std::string> out(n);
  if (H5Tis_variable_str(file_type) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    if (reader(mem_type, ptrs.data()) < 0) fail_at(where, "cannot read strings (file truncated or corrupt?)");
    try {
      for (size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    } catch (...) {
      H5Dvlen_reclaim(mem_type, mem_space >= 0 ? mem_space : space, H5P_DEFAULT, ptrs.data());
      throw;
    }
    H5Dvlen_reclaim(mem_type, mem_space >= 0 ? mem_space : space, H5P_DEFAULT, ptrs.data());
  } else {
    size_t width = H5Tget_size(file_type);
    if (width == 0) fail_at(where, "strings of width 0 (corrupt file)");
    bool space_pad = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
    std::vector<char> buf(checked_product(n, width, where) + 1, 0);
    if (reader(mem_type, buf.data()) < 0) fail_at(where, "cannot read strings (file truncated or corrupt?)");
    for (size_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * width;
      size_t len = width;
      if (space_pad) {
        while (len > 0 && p[len - 1] == ' ') --len;
      } else {
        while (len > 0 && p[len - 1] == 0) --len;  // the padding; a NUL before other bytes is content
      }
      out[i].assign(p, len);
    }
  }
  for (size_t i = 0; i < n; ++i) check_string(out[i], first + i, where);
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
  for (int i = 1; i < rank; ++i) per_row = checked_product(per_row, dims[size_t(i)], dset);
  if (count == 0) count = rows > start ? rows - start : 0;
  if (start > rows || count > rows - start) fail_at(dset, "read past the end of the array");
  std::vector<hsize_t> off(dims.size(), 0), cnt = dims;
  off[0] = start;
  cnt[0] = count;
  if (rank > 0) H5Sselect_hyperslab(s.file_space, H5S_SELECT_SET, off.data(), nullptr, cnt.data(), nullptr);
  s.n_elements = checked_product(count, per_row, dset);
  check_plausible(dset, s.n_elements);
  hsize_t m = s.n_elements;
  s.mem_space = Handle(H5Screate_simple(1, &m, nullptr));
  return s;
}

herr_t close_id(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE: return H5Fclose(id);
    case H5I_GROUP: return H5Gclose(id);
    case H5I_DATASET: return H5Dclose(id);
    case H5I_DATATYPE: return H5Tclose(id);
    case H5I_DATASPACE: return H5Sclose(id);
    case H5I_ATTR: return H5Aclose(id);
    case H5I_GENPROP_LST: return H5Pclose(id);
    default: return 0;
  }
}

}  // namespace

void Handle::reset() {
  if (id_ < 0) return;
  close_id(id_);
  id_ = -1;
}

void Handle::close(const std::string& file) {
  if (id_ < 0) return;
  herr_t status = close_id(id_);
  id_ = -1;
  if (status < 0) fail(file, "write error while closing (disk full?)");
}

void quiet_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string file_name(hid_t obj) {
  ssize_t n = H5Fget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(size_t(n), '\0');
  H5Fget_name(obj, s.data(), size_t(n) + 1);
  auto it = display_names().find(s);
  return it == display_names().end() ? s : it->second;
}

Handle open_file(const std::string& path, const std::string& display) {
  const std::string& shown = display.empty() ? path : display;
  return reading(shown, [&] {
    quiet_errors();
    htri_t is_h5 = H5Fis_hdf5(path.c_str());
    if (is_h5 <= 0) fail(shown, "not an HDF5/h5ad file (or truncated)");
    Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f.valid()) fail(shown, "cannot open as HDF5 (truncated or corrupt?)");
    set_display_name(file_name(f), shown);
    return f;
  });
}

Handle open_file_image(const void* data, size_t size, const std::string& display) {
  return reading(display, [&] {
    quiet_errors();
    // An empty image would make the core driver open `display` on disk.
    if (size < 8) fail(display, "not an HDF5/h5ad file (or truncated)");
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 || H5Pset_file_image(fapl, const_cast<void*>(data), size) < 0)
      fail(display, "cannot open an HDF5 file image");
    Handle f(H5Fopen(display.c_str(), H5F_ACC_RDONLY, fapl));
    if (!f.valid()) fail(display, "cannot open as HDF5 (truncated or corrupt?)");
    return f;
  });
}

namespace {
// No HDF5 file lock for files we write: they are temporary files that
// OutputFile already holds locked (flock), which HDF5's own would collide with.
Handle unlocked_access() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_file_locking(fapl, false, true);
  return fapl;
}
}  // namespace

Handle create_file(const std::string& path, const std::string& display) {
  quiet_errors();
  const std::string& shown = display.empty() ? path : display;
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  // Track creation order so that anndata lists groups as we wrote them.
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle fapl = unlocked_access();
  Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl));
  if (!f.valid()) fail(shown, "cannot create HDF5 file");
  set_display_name(file_name(f), shown);
  return f;
}

Handle open_file_for_update(const std::string& path, const std::string& display) {
  quiet_errors();
  const std::string& shown = display.empty() ? path : display;
  Handle fapl = unlocked_access();
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl));
  if (!f.valid()) fail(shown, "cannot open as HDF5 for writing");
  set_display_name(file_name(f), shown);
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

namespace {
// The number of values of an attribute, refused past the limits.
uint64_t attr_values(hid_t obj, hid_t attr, hid_t type, const std::string& name) {
  Handle space(H5Aget_space(attr));
  hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail_at(obj, "cannot read attribute " + name + " (corrupt?)");
  size_t width = std::max<size_t>(H5Tget_size(type), 1);
  if (uint64_t(n) > kMaxAttrValues || checked_product(uint64_t(n), width, obj) > kMaxAttrBytes)
    fail_at(obj, "attribute " + name + " declares " + std::to_string(n) + " values (corrupt file?)");
  return uint64_t(n);
}
}  // namespace

std::vector<std::string> attr_strings(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) return {};
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  if (!a.valid()) fail_at(obj, "cannot open attribute " + name + " (corrupt?)");
  Handle type(H5Aget_type(a));
  if (H5Tget_class(type) != H5T_STRING) return {};
  uint64_t n = attr_values(obj, a, type, name);
  if (n == 0) return {};
  Handle space(H5Aget_space(a));
  return read_string_buffer(
      space, type, -1, size_t(n), 0, [&](hid_t mem, void* buf) { return H5Aread(a, mem, buf); }, obj);
}

std::string attr_string(hid_t obj, const std::string& name) {
  auto v = attr_strings(obj, name);
  return v.empty() ? "" : v[0];
}

std::vector<int64_t> attr_ints(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) return {};
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  if (!a.valid()) fail_at(obj, "cannot open attribute " + name + " (corrupt?)");
  Handle type(H5Aget_type(a));
  auto cls = H5Tget_class(type);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return {};
  uint64_t n = attr_values(obj, a, type, name);
  std::vector<int64_t> out(n);
  if (n > 0 && H5Aread(a, H5T_NATIVE_INT64, out.data()) < 0) fail_at(obj, "cannot read attribute " + name);
  return out;
}

std::vector<uint64_t> shape(hid_t dset) {
  Handle space(H5Dget_space(dset));
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > 32) fail_at(dset, "cannot read shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

uint64_t length(hid_t dset, const std::string& what) {
  auto dims = shape(dset);
  if (dims.size() != 1) {
    std::string problem = "expected a 1-D array, found " + std::to_string(dims.size()) + " dimensions";
    if (what.empty()) fail_at(dset, problem);
    fail(file_name(dset), what + ": " + problem);
  }
  return dims[0];
}

void check_plausible(hid_t dset, uint64_t n_elements) {
  if (n_elements == 0) return;
  Handle type(H5Dget_type(dset));
  size_t width = H5Tget_size(type);
  if (width == 0) fail_at(dset, "values of size 0 (corrupt file)");
  uint64_t bytes = checked_product(n_elements, width, dset);
  Handle file(H5Iget_file_id(dset));
  unsigned intent = 0;
  if (H5Fget_intent(file, &intent) < 0) fail_at(dset, "cannot inspect the file");
  if (intent & H5F_ACC_RDWR) return;  // our own output, being written: chunks may still be cached
  hsize_t file_size = 0;
  if (H5Fget_filesize(file, &file_size) < 0) fail_at(dset, "cannot inspect the file");
  Handle dcpl(H5Dget_create_plist(dset));
  if (H5Pget_layout(dcpl) == H5D_VIRTUAL || H5Pget_external_count(dcpl) > 0) return;  // data in other files
  // Deflate, the best common filter, compresses at most about 1032:1.
  uint64_t limit = file_size;
  if (H5Pget_nfilters(dcpl) > 0 && __builtin_mul_overflow(uint64_t(file_size), uint64_t(1100), &limit))
    limit = UINT64_MAX;
  if (bytes > limit)
    fail_at(dset, std::to_string(n_elements) + " values of " + std::to_string(width) +
                      " bytes cannot be in a file of " + std::to_string(file_size) + " bytes (corrupt or truncated file)");
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
      s.file_space, type, s.mem_space, s.n_elements, start,
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

void Appender::close() {
  std::string file = file_name(dset_);
  dset_.close(file);
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
