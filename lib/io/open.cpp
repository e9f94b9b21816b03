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

std::unique_ptr<CountSource> open_counts(const std::string& path, const H5adOptions& options) {
  OpenedInput in = open_input(path);
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

}  // namespace scldm
