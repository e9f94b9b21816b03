// Feeds arbitrary bytes to the record-stream reader: it must either read
// them or throw scldm::Error, never crash, hang or read out of bounds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "io/stream.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = memfd_create("fuzz", 0);
  if (fd < 0 || write(fd, data, size) != ssize_t(size) || lseek(fd, 0, SEEK_SET) != 0) abort();
  try {
    scldm::StreamReader reader(std::make_unique<scldm::ByteReader>(fd, "fuzz"));
    if (reader.header().kind == scldm::StreamHeader::Kind::counts) {
      scldm::CountBlock block;
      while (reader.next(block)) {
      }
    } else {
      scldm::LatentBlock block;
      while (reader.next(block)) {
      }
    }
  } catch (const scldm::Error&) {
  }
  close(fd);
  return 0;
}
