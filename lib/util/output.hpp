// Output files appear whole or not at all. A regular file (or a new one) is
// written to a locked temporary file beside it, flushed to disk and renamed
// over it by commit(); a thrown error, a destructor without commit() or
// SIGINT/SIGTERM removes the temporary file. Devices, FIFOs and sockets are
// written directly (never renamed over), and a symbolic link is followed to
// the file it names. Temporary files that a killed run left behind are
// removed by the next run that writes the same output.
#pragma once
#include <string>

namespace scldm {

class OutputFile {
 public:
  // path "-" is standard output; binary output refuses a terminal.
  OutputFile(std::string path, bool binary);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool is_stdout() const { return path_ == "-"; }
  // The path the user named (for messages).
  const std::string& path() const { return path_; }
  // Where the bytes go until commit().
  int fd() const { return fd_; }
  // A regular file that a library which opens files by name (HDF5) may write
  // instead of fd(); commit() then moves its bytes to the output.
  const std::string& library_path();
  void commit();

 private:
  void open_direct(const std::string& target);
  void open_beside(const std::string& target);
  std::string path_, target_, temp_, spool_;
  int fd_ = -1;
  bool direct_ = false, committed_ = false;
};

// Fails now, naming `path`, when an output there could not be created
// later (a directory, or a folder that does not exist): for long runs.
void check_output_path(const std::string& path);

// Copies the bytes of the file `from` into the regular file `to`
// (truncated); `name` is the output named in messages.
void copy_file(const std::string& from, const std::string& to, const std::string& name);

// Writes `text` to `path` ("-": standard output) through an OutputFile.
void write_text_output(const std::string& path, const std::string& text);

}  // namespace scldm
