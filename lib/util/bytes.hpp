// Buffered byte-level reading and writing over descriptors; every failure
// names the file, and the reader knows its offset for format errors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scldm {

// Buffered writer over a descriptor; every failure names the file.
class ByteWriter {
 public:
  ByteWriter(int fd, std::string name, size_t buffer_size = 1 << 20);
  ~ByteWriter();
  void write(const void* data, size_t n);
  void write_u32(uint32_t v) { write(&v, 4); }
  void write_u64(uint64_t v) { write(&v, 8); }
  void flush();
  uint64_t bytes_written() const { return total_; }

 private:
  int fd_;
  std::string name_;
  std::vector<char> buf_;
  size_t used_ = 0;
  uint64_t total_ = 0;
};

// Buffered sequential reader ("-" is standard input); tracks the offset so
// that format errors can name the byte where they were found.
class ByteReader {
 public:
  explicit ByteReader(std::string path, size_t buffer_size = 1 << 20);
  // Reads an open descriptor (not closed here); `name` is used in messages.
  ByteReader(int fd, std::string name, size_t buffer_size = 1 << 20);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;
  // Reads up to n bytes; returns how many (fewer only at end of input).
  size_t read(void* data, size_t n);
  // Looks at the next n bytes without consuming them (n <= 64).
  size_t peek(void* data, size_t n);
  uint64_t offset() const { return offset_; }
  const std::string& name() const { return name_; }
  void rename(std::string name) { name_ = std::move(name); }  // for messages (a spooled copy shown as its source)
  // The size of a regular file; none for pipes, devices and standard input.
  std::optional<uint64_t> file_size() const;

 private:
  bool fill();
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string name_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace scldm
