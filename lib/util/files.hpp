// Files the toolkit writes appear whole or not at all: data goes to a
// temporary file beside the target, renamed over it by commit(). A thrown
// error, a destructor without commit() or SIGINT/SIGTERM removes it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace scldm {

class OutputFile {
 public:
  // path "-" is standard output; binary output refuses a terminal.
  OutputFile(std::string path, bool binary);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool is_stdout() const { return path_ == "-"; }
  const std::string& path() const { return path_; }
  // Where the bytes go until commit(): the temporary file (or "-").
  const std::string& temp_path() const { return temp_; }
  int fd() const { return fd_; }
  // Closes our descriptor, for writers (HDF5) that open temp_path() themselves.
  void close_fd();
  void commit();

 private:
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

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

// Copies standard input to a temporary file (removed at exit) and returns its
// path: HDF5 cannot read a pipe.
std::string spool_stdin_to_temp(ByteReader& in);

// Ignore SIGPIPE (write errors are reported instead) and remove temporary
// outputs on SIGINT/SIGTERM.
void install_signal_handlers();

// Closes stdout and turns a delayed write error into an Error.
void close_stdout_or_throw();

bool stdin_is_terminal();
bool stderr_is_terminal();

// Writes `text` to `path` ("-": standard output) through an OutputFile.
void write_text_output(const std::string& path, const std::string& text);

}  // namespace scldm
