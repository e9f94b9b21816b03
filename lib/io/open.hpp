// Opening inputs by content, not by name: the first bytes tell h5ad (HDF5),
// record streams and Matrix Market apart; '-' is standard input. An h5ad
// that is not a regular file (stdin, a FIFO, `<(cat x.h5ad)`) is copied to
// a temporary file for HDF5, which seeks.
#pragma once
#include <memory>
#include <string>

#include "io/cells.hpp"
#include "io/h5ad_reader.hpp"
#include "util/bytes.hpp"

namespace scldm {

enum class FileFormat { h5ad, stream, mtx, checkpoint, unknown };

const char* format_name(FileFormat f);
FileFormat sniff(ByteReader& in);

// An opened input: its format, and a reader positioned at its start.
struct OpenedInput {
  FileFormat format = FileFormat::unknown;
  std::string path;       // as the user named it
  std::string h5ad_path;  // the file HDF5 opens (a spooled copy of stdin or of a FIFO)
  std::unique_ptr<ByteReader> bytes;  // for streams
};
OpenedInput open_input(const std::string& path);

// The h5ad reader of an opened h5ad input; messages name the user's path
// (not the spooled copy of standard input).
std::unique_ptr<H5adReader> open_h5ad(const OpenedInput& in, const H5adOptions& options);

// A source of counts from an h5ad file or a counts stream.
std::unique_ptr<CountSource> open_counts(const std::string& path, const H5adOptions& options);

// Counts read in several passes (eval over a million cells, instead of
// holding them): a regular file is opened afresh for each, and one that
// changed since the first is an error; standard input or a FIFO is copied to
// a temporary file first. Messages name the user's path.
class ReopenableCounts {
 public:
  ReopenableCounts(std::string path, H5adOptions options);
  std::unique_ptr<CountSource> open() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_, file_;
  H5adOptions options_;
  int64_t size_ = -1, mtime_ns_ = -1;
  uint64_t inode_ = 0;
};

}  // namespace scldm
