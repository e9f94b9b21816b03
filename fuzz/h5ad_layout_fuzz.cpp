// Structure-aware companion of h5ad_reader_fuzz.cpp. Mutated HDF5 images
// mostly stop inside libhdf5; this target spends the input on what our
// reader decides instead: it builds a small, well-formed HDF5 file in
// memory whose contents (shapes, lengths, indptr, indices, codes,
// categories, strings, encodings) are chosen by the input, then reads it
// like h5ad_reader_fuzz.cpp. The reader must read it or throw
// scldm::Error / UsageError: never crash, read out of bounds or leak.
// With SCLDM_FUZZ_IMAGE=FILE set, the file built is also written there: a
// crashing input's h5ad becomes a regression case (tests/fixtures/fuzz/).
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/read_image.hpp"
#include "io/h5ad_frame.hpp"
#include "io/h5ad_reader.hpp"
#include "io/hdf5.hpp"
#include "util/error.hpp"

namespace {

using scldm::h5::Appender;
using scldm::h5::Handle;

constexpr const char* kName = "layout.h5ad";

struct Builder {
  FuzzedDataProvider& in;
  hid_t file;

  // A length near `n`: mostly n, sometimes off by a little.
  uint64_t near(uint64_t n) {
    if (in.ConsumeProbability<float>() < 0.93f) return n;
    return uint64_t(std::max<int64_t>(0, int64_t(n) + in.ConsumeIntegralInRange<int>(-2, 2)));
  }

  std::string text() {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: return in.ConsumeRandomLengthString(6);  // any bytes: bad UTF-8, NUL
      case 1: return "";
      default: return std::string(1, char('A' + in.ConsumeIntegralInRange<int>(0, 4)));  // duplicates likely
    }
  }

  std::vector<std::string> texts(uint64_t n) {
    std::vector<std::string> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(text());
    return v;
  }

  // Names of rows: mostly distinct, sometimes anything.
  std::vector<std::string> names(uint64_t n) {
    if (in.ConsumeProbability<float>() < 0.2f) return texts(n);
    std::vector<std::string> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back("r" + std::to_string(i));
    return v;
  }

  // Strings as variable-length (h5py's default) or fixed-length (numpy "S").
  void strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
    if (in.ConsumeBool()) {
      scldm::h5::write_strings(loc, name, values);
      return;
    }
    size_t width = 1;
    for (auto& v : values) width = std::max(width, v.size());
    std::vector<char> buf(values.size() * width, 0);
    for (size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), buf.begin() + long(i * width));
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, width);
    H5Tset_strpad(type, in.ConsumeBool() ? H5T_STR_NULLPAD : H5T_STR_NULLTERM);
    hsize_t n = values.size();
    Handle space(H5Screate_simple(1, &n, nullptr));
    Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (n) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  }

  template <typename T>
  void numbers(hid_t loc, const std::string& name, Appender::Type type, const std::vector<T>& v) {
    Appender a(loc, name, type, 16);
    a.append(v.data(), v.size());
  }

  std::vector<int64_t> ints(uint64_t n, int64_t lo, int64_t hi) {
    std::vector<int64_t> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(in.ConsumeIntegralInRange<int64_t>(lo, hi));
    return v;
  }

  void bools(hid_t loc, const std::string& name, uint64_t n) {
    Handle type(H5Tenum_create(H5T_NATIVE_INT8));
    int8_t f = 0, t = 1;
    H5Tenum_insert(type, "FALSE", &f);
    H5Tenum_insert(type, "TRUE", &t);
    std::vector<int8_t> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(in.ConsumeBool());
    hsize_t dims = n;
    Handle space(H5Screate_simple(1, &dims, nullptr));
    Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (n) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }

  void frame(const std::string& path, uint64_t rows, bool var) {
    Handle g = scldm::h5::create_group(file, path, kName);
    scldm::h5::set_attr_string(g, "_index", "_index");
    scldm::h5::set_attr_string(g, "encoding-type", "dataframe");
    strings(g, "_index", names(near(rows)));
    std::vector<std::string> order;
    int columns = in.ConsumeIntegralInRange<int>(0, 3);
    for (int c = 0; c < columns; ++c) {
      std::string name = var && c == 0 ? "sym" : "c" + std::to_string(c);
      order.push_back(name);
      uint64_t n = near(rows);
      switch (in.ConsumeIntegralInRange<int>(0, 6)) {
        case 0: {  // categorical
          Handle col = scldm::h5::create_group(g, name, kName);
          scldm::h5::set_attr_string(col, "encoding-type", "categorical");
          auto cats = texts(in.ConsumeIntegralInRange<uint64_t>(0, 4));
          strings(col, "categories", cats);
          numbers(col, "codes", Appender::Type::i8, ints(n, -2, int64_t(cats.size()) + 1));
          break;
        }
        case 1: {  // anndata 0.7: codes with a reference to __categories/<name>
          Handle cats_group = scldm::h5::exists(g, "__categories") ? scldm::h5::open_group(g, "__categories", kName)
                                                                    : scldm::h5::create_group(g, "__categories", kName);
          auto cats = texts(in.ConsumeIntegralInRange<uint64_t>(0, 4));
          strings(cats_group, name, cats);
          numbers(g, name, Appender::Type::i16, ints(n, -2, int64_t(cats.size()) + 1));
          hobj_ref_t ref;
          std::string target = path + "/__categories/" + name;
          if (H5Rcreate(&ref, file, target.c_str(), H5R_OBJECT, -1) < 0) break;
          Handle d(H5Dopen2(g, name.c_str(), H5P_DEFAULT));
          Handle space(H5Screate(H5S_SCALAR));
          Handle a(H5Acreate2(d, "categories", H5T_STD_REF_OBJ, space, H5P_DEFAULT, H5P_DEFAULT));
          H5Awrite(a, H5T_STD_REF_OBJ, &ref);
          break;
        }
        case 2: strings(g, name, texts(n)); break;
        case 3: bools(g, name, n); break;
        case 4: numbers(g, name, Appender::Type::f64, std::vector<double>(n, in.ConsumeFloatingPoint<double>())); break;
        default: {  // nullable-*
          static const char* kinds[] = {"nullable-integer", "nullable-boolean", "nullable-string-array"};
          int kind = in.ConsumeIntegralInRange<int>(0, 2);
          Handle col = scldm::h5::create_group(g, name, kName);
          scldm::h5::set_attr_string(col, "encoding-type", kinds[kind]);
          if (kind == 0) numbers(col, "values", Appender::Type::i64, ints(n, -5, 5));
          else if (kind == 1) bools(col, "values", n);
          else strings(col, "values", texts(n));
          bools(col, "mask", near(rows));
        }
      }
    }
    if (in.ConsumeBool()) scldm::h5::set_attr_strings(g, "column-order", order);
  }

  void matrix(const std::string& path, uint64_t cells, uint64_t genes) {
    int encoding = in.ConsumeIntegralInRange<int>(0, 3);
    std::vector<double> values;
    if (encoding == 3) {  // dense
      uint64_t n = near(cells) * near(genes);
      for (uint64_t i = 0; i < n; ++i) values.push_back(value());
      hsize_t dims[2] = {cells, n / std::max<uint64_t>(cells, 1)};
      Handle space(H5Screate_simple(2, dims, nullptr));
      Handle d(H5Dcreate2(file, path.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      if (dims[0] * dims[1] > 0) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      return;
    }
    bool csr = encoding != 1, old = encoding == 2;
    Handle g = scldm::h5::create_group(file, path, kName);
    std::vector<int64_t> shape{int64_t(near(cells)), int64_t(near(genes))};
    scldm::h5::set_attr_string(g, old ? "h5sparse_format" : "encoding-type", csr ? (old ? "csr" : "csr_matrix") : "csc_matrix");
    scldm::h5::set_attr_ints(g, old ? "h5sparse_shape" : "shape", shape);
    uint64_t major = csr ? cells : genes, minor = csr ? genes : cells;
    // indptr: usually a valid running sum, sometimes anything.
    std::vector<int64_t> indptr{0};
    bool wild = in.ConsumeProbability<float>() < 0.2f;
    for (uint64_t i = 0; i < near(major); ++i)
      indptr.push_back(wild ? in.ConsumeIntegralInRange<int64_t>(-3, 40) : indptr.back() + in.ConsumeIntegralInRange<int64_t>(0, 4));
    uint64_t nnz = near(uint64_t(std::max<int64_t>(indptr.back(), 0)));
    for (uint64_t i = 0; i < nnz; ++i) values.push_back(value());
    numbers(g, "data", Appender::Type::f32, std::vector<float>(values.begin(), values.end()));
    numbers(g, "indices", in.ConsumeBool() ? Appender::Type::i32 : Appender::Type::i64,
            ints(near(nnz), -1, int64_t(minor) + (in.ConsumeBool() ? 1 : -1)));
    numbers(g, "indptr", Appender::Type::i64, indptr);
  }

  double value() {
    static const double kValues[] = {0, 1, 2, 7, 1.5, -2, 1e12, 5e9, __builtin_nan(""), __builtin_inf()};
    return in.PickValueInArray(kValues);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<char> image;
  try {
    // Build the file in memory, then take its image.
    scldm::h5::quiet_errors();
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_fapl_core(fapl, 1 << 16, 0);
    Handle file(H5Fcreate(kName, H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
    if (!file.valid()) abort();
    Builder b{in, file};
    uint64_t cells = in.ConsumeIntegralInRange<uint64_t>(0, 6), genes = in.ConsumeIntegralInRange<uint64_t>(0, 6);
    b.matrix("X", cells, genes);
    b.frame("obs", cells, false);
    b.frame("var", genes, true);
    if (in.ConsumeBool()) {
      scldm::h5::create_group(file, "raw", kName);
      b.matrix("raw/X", cells, genes);
      b.frame("raw/var", genes, true);
    }
    H5Fflush(file, H5F_SCOPE_GLOBAL);
    ssize_t n = H5Fget_file_image(file, nullptr, 0);
    if (n <= 0) abort();
    image.resize(size_t(n));
    if (H5Fget_file_image(file, image.data(), image.size()) != n) abort();
  } catch (const scldm::Error&) {
    return 0;  // a layout HDF5 refuses to write
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) abort();
  if (const char* dump = getenv("SCLDM_FUZZ_IMAGE")) std::ofstream(dump, std::ios::binary).write(image.data(), long(image.size()));
  uint8_t options = in.ConsumeIntegral<uint8_t>();
  scldm::H5adOptions opt;
  opt.block_cells = 1 + (options >> 4);
  opt.use_raw = options & 1;
  if (options & 2) opt.gene_column = "sym";
  opt.allow_non_integer = options & 8;
  fuzz::read_h5ad_image(image.data(), image.size(), kName, opt);
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) abort();
  return 0;
}
