#include "io/open.hpp"

#include <sys/stat.h>

#include <cstring>

#include "io/stream.hpp"
#include "util/error.hpp"
#include "util/temp.hpp"

namespace scldm {
namespace {
constexpr char kHdf5Magic[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
}  // namespace

const char* format_name(FileFormat f) {
  switch (f) {
    case FileFormat::h5ad: return "h5ad";
    case FileFormat::stream: return "stream";
    case FileFormat::mtx: return "mtx";
    case FileFormat::checkpoint: return "checkpoint";
    default: return "unknown";
  }
}

FileFormat sniff(ByteReader& in) {
  char head[14] = {};
  size_t n = in.peek(head, sizeof head);
  if (n >= 8 && memcmp(head, kHdf5Magic, 8) == 0) return FileFormat::h5ad;
  if (n >= 8 && memcmp(head, kStreamMagic, 8) == 0) return FileFormat::stream;
  if (n >= 14 && memcmp(head, "%%MatrixMarket", 14) == 0) return FileFormat::mtx;
  if (n >= 8 && memcmp(head, "SCLDMCKP", 8) == 0) return FileFormat::checkpoint;
  return FileFormat::unknown;
}

OpenedInput open_input(const std::string& path) {
  OpenedInput in;
  in.path = path;
  in.bytes = std::make_unique<ByteReader>(path);
  in.format = sniff(*in.bytes);
  if (in.format == FileFormat::h5ad) {
    // HDF5 seeks: standard input, FIFOs (`<(cat x.h5ad)`) and devices are
    // copied to a temporary file first.
    struct stat st;
    bool regular = path != "-" && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    in.h5ad_path = regular ? path : spool_stdin_to_temp(*in.bytes, path);
    in.bytes.reset();
  }
  return in;
}

std::unique_ptr<H5adReader> open_h5ad(const OpenedInput& in, const H5adOptions& options) {
  H5adOptions named = options;
  named.display_name = in.path;
  return std::make_unique<H5adReader>(in.h5ad_path, named);
}

namespace {

std::unique_ptr<CountSource> counts_from(OpenedInput in, const H5adOptions& options) {
  const std::string& path = in.path;
  switch (in.format) {
    case FileFormat::h5ad:
      return open_h5ad(in, options);
    case FileFormat::stream: {
      auto reader = std::make_unique<StreamReader>(std::move(in.bytes));
      if (reader->header().kind != StreamHeader::Kind::counts)
        fail(path, "is a latent stream; counts are needed here");
      return reader;
    }
    default: {
      char c;
      if (in.bytes && in.bytes->peek(&c, 1) == 0) fail(path, "empty input");
      fail(path, std::string("not an h5ad file or counts stream (format: ") + format_name(in.format) + ")");
    }
  }
}

}  // namespace

std::unique_ptr<CountSource> open_counts(const std::string& path, const H5adOptions& options) {
  return counts_from(open_input(path), options);
}

ReopenableCounts::ReopenableCounts(std::string path, H5adOptions options) : path_(std::move(path)), options_(std::move(options)) {
  struct stat st;
  if (path_ != "-" && stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    file_ = path_;
    size_ = int64_t(st.st_size);
    mtime_ns_ = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    inode_ = uint64_t(st.st_ino);
  } else {
    ByteReader in(path_);
    file_ = spool_stdin_to_temp(in, path_);
  }
}

std::unique_ptr<CountSource> ReopenableCounts::open() const {
  struct stat st;
  if (size_ >= 0 && (stat(file_.c_str(), &st) != 0 || int64_t(st.st_size) != size_ || uint64_t(st.st_ino) != inode_ ||
                     int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec != mtime_ns_))
    fail(path_, "changed while it was being read (size, modification time or inode differ from the first pass)");
  OpenedInput in;
  in.path = path_;
  in.bytes = std::make_unique<ByteReader>(file_);
  in.bytes->rename(path_);
  in.format = sniff(*in.bytes);
  if (in.format == FileFormat::h5ad) {
    in.h5ad_path = file_;
    in.bytes.reset();
  }
  return counts_from(std::move(in), options_);
}

}  // namespace scldm
