// Thin RAII and read/write helpers over the HDF5 C API. Every failure
// becomes an Error naming the file and the object.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/error.hpp"
#include "util/process.hpp"
#include "util/output.hpp"

namespace scldm::h5 {

// What a crash inside libhdf5 while reading a file means to the user.
inline constexpr const char* kCrashedReading = "corrupt HDF5 file (the HDF5 library crashed reading it)";

// Runs `body`, which reads the HDF5 file shown as `file`: a crash inside
// libhdf5 is reported as a corrupt file (CrashContext; the handler needs
// install_signal_handlers()), and running out of memory (a corrupt size the
// checks missed) becomes an Error naming the file. Readers call it in each
// public method that calls HDF5, not for their lifetime.
template <typename F>
auto reading(const std::string& file, F&& body) -> decltype(body()) {
  CrashContext crash(file, kCrashedReading);
  try {
    return body();
  } catch (const std::bad_alloc&) {
    fail(file, "out of memory while reading it (a corrupt size, or too little memory)");
  } catch (const std::length_error&) {
    fail(file, "corrupt file (a declared size is impossibly large)");
  }
}

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes, ignoring failure: for destructors and files opened read-only.
  void reset();
  // Closes and throws an Error naming `file` when HDF5 reports a failure:
  // for files being written, where closing flushes data and metadata (a full
  // disk shows here). The handle is released either way.
  void close(const std::string& file);

 private:
  hid_t id_ = -1;
};

// Silences HDF5's own error printing (we report our own, one line).
void quiet_errors();

// Read-only. Messages about the file and its objects (also those raised
// later by read() and friends) name it `display` (default: `path`), e.g.
// the user's "-" for a spooled copy of standard input. Runs under reading().
Handle open_file(const std::string& path, const std::string& display = "");
// An HDF5 file image held in memory (copied; read-only), named `display`.
Handle open_file_image(const void* data, size_t size, const std::string& display);
// Files we write: no HDF5 file lock (OutputFile holds its own on the
// temporary file, which HDF5's flock would collide with). Close them with
// Handle::close(), which reports a write error (full disk) at closing.
Handle create_file(const std::string& path, const std::string& display = "");  // truncates
Handle open_file_for_update(const std::string& path, const std::string& display = "");  // read-write

bool exists(hid_t loc, const std::string& name);  // link exists (one or more levels)
bool is_group(hid_t loc, const std::string& name);
Handle open_group(hid_t loc, const std::string& name, const std::string& file);
Handle open_dataset(hid_t loc, const std::string& name, const std::string& file);
Handle create_group(hid_t loc, const std::string& name, const std::string& file);
std::vector<std::string> list_children(hid_t group);

bool has_attr(hid_t obj, const std::string& name);
// String attribute (fixed or variable length); "" when absent.
std::string attr_string(hid_t obj, const std::string& name);
// Attributes of more than kMaxAttrValues values are refused (corrupt sizes).
inline constexpr uint64_t kMaxAttrValues = 1 << 20;
std::vector<std::string> attr_strings(hid_t obj, const std::string& name);
std::vector<int64_t> attr_ints(hid_t obj, const std::string& name);

// Dataset facts.
std::vector<uint64_t> shape(hid_t dset);
// The length of a 1-D dataset; an Error naming it (as `what`, default its
// path) for any other rank.
uint64_t length(hid_t dset, const std::string& what = "");
// Refuses (Error) to read `n_elements` of `dset` when they cannot be in the
// file: more bytes than the file holds (times the best compression ratio
// when the dataset is filtered). Every read() checks its selection; callers
// check whole datasets before allocating by their declared sizes.
void check_plausible(hid_t dset, uint64_t n_elements);
bool is_string_type(hid_t dset);
bool is_float_type(hid_t dset);
bool is_bool_enum(hid_t dset);
std::string type_name(hid_t dset);  // "float32", "int64", "string", ...

// Reads elements [start, start+count) of a 1-D dataset (count 0 = to the end),
// or rows [start, start+count) of a 2-D dataset, converting to T.
// Strings are checked: an embedded NUL (fixed-length strings) or invalid
// UTF-8 is an Error naming the dataset and the value.
template <typename T>
std::vector<T> read(hid_t dset, uint64_t start = 0, uint64_t count = 0);
std::vector<std::string> read_strings(hid_t dset, uint64_t start = 0, uint64_t count = 0);

// Writers used for h5ad output.
void set_attr_string(hid_t obj, const std::string& name, const std::string& value);
void set_attr_strings(hid_t obj, const std::string& name, const std::vector<std::string>& values);
void set_attr_ints(hid_t obj, const std::string& name, const std::vector<int64_t>& values);
void set_attr_bool(hid_t obj, const std::string& name, bool value);

// A 1-D dataset that grows as blocks are appended (chunked, unlimited).
class Appender {
 public:
  enum class Type { f32, f64, i8, i16, i32, i64, str };
  Appender(hid_t loc, const std::string& name, Type type, uint64_t chunk);
  void append(const void* data, uint64_t n);                  // numeric
  void append_strings(const std::vector<std::string>& values);  // str
  uint64_t size() const { return size_; }
  hid_t dataset() const { return dset_; }
  void close();  // checked (Handle::close)

 private:
  void grow_and_write(hid_t mem_type, const void* data, uint64_t n);
  Handle dset_;
  Type type_;
  uint64_t size_ = 0;
};

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values);
void write_scalar_string(hid_t loc, const std::string& name, const std::string& value);

// Name of the file an object lives in, for messages (its display name).
std::string file_name(hid_t obj);

}  // namespace scldm::h5
