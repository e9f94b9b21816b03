// Thin RAII and read/write helpers over the HDF5 C API. Every failure
// becomes an Error naming the file and the object.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace scldm::h5 {

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
  void reset();

 private:
  hid_t id_ = -1;
};

// Silences HDF5's own error printing (we report our own, one line).
void quiet_errors();

Handle open_file(const std::string& path);    // read-only
Handle create_file(const std::string& path);  // truncates

bool exists(hid_t loc, const std::string& name);  // link exists (one or more levels)
bool is_group(hid_t loc, const std::string& name);
Handle open_group(hid_t loc, const std::string& name, const std::string& file);
Handle open_dataset(hid_t loc, const std::string& name, const std::string& file);
Handle create_group(hid_t loc, const std::string& name, const std::string& file);
std::vector<std::string> list_children(hid_t group);

bool has_attr(hid_t obj, const std::string& name);
// String attribute (fixed or variable length); "" when absent.
std::string attr_string(hid_t obj, const std::string& name);
std::vector<std::string> attr_strings(hid_t obj, const std::string& name);
std::vector<int64_t> attr_ints(hid_t obj, const std::string& name);

// Dataset facts.
std::vector<uint64_t> shape(hid_t dset);
bool is_string_type(hid_t dset);
bool is_float_type(hid_t dset);
bool is_bool_enum(hid_t dset);
std::string type_name(hid_t dset);  // "float32", "int64", "string", ...

// Reads elements [start, start+count) of a 1-D dataset (count 0 = to the end),
// or rows [start, start+count) of a 2-D dataset, converting to T.
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

 private:
  void grow_and_write(hid_t mem_type, const void* data, uint64_t n);
  Handle dset_;
  Type type_;
  uint64_t size_ = 0;
};

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values);
void write_scalar_string(hid_t loc, const std::string& name, const std::string& value);

// Name of the file an object lives in, for messages.
std::string file_name(hid_t obj);

}  // namespace scldm::h5
