#include "util/bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace scldm {
ByteWriter::ByteWriter(int fd, std::string name, size_t buffer_size)
    : fd_(fd), name_(std::move(name)), buf_(buffer_size) {}

ByteWriter::~ByteWriter() = default;  // callers flush; a destructor must not throw

void ByteWriter::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  if (used_ + n > buf_.size()) {
    flush();
    if (n >= buf_.size()) {
      // Large blocks go straight to the descriptor.
      const char* q = p;
      size_t left = n;
      while (left > 0) {
        ssize_t w = ::write(fd_, q, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail(name_, "write error: " + errno_text());
        q += w;
        left -= size_t(w);
      }
      total_ += n;
      return;
    }
  }
  memcpy(buf_.data() + used_, p, n);
  used_ += n;
  total_ += n;
}

void ByteWriter::flush() {
  size_t done = 0;
  while (done < used_) {
    ssize_t w = ::write(fd_, buf_.data() + done, used_ - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail(name_, "write error: " + errno_text());
    done += size_t(w);
  }
  used_ = 0;
}

ByteReader::ByteReader(std::string path, size_t buffer_size) : name_(std::move(path)), buf_(buffer_size) {
  if (name_ == "-") {
    fd_ = STDIN_FILENO;
    return;
  }
  fd_ = open(name_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(name_, "cannot open: " + errno_text());
  struct stat st;
  if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fail(name_, "is a directory");
  }
  owns_fd_ = true;
}

ByteReader::ByteReader(int fd, std::string name, size_t buffer_size)
    : fd_(fd), name_(std::move(name)), buf_(buffer_size) {}

ByteReader::~ByteReader() {
  if (owns_fd_) ::close(fd_);
}

bool ByteReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (true) {
    ssize_t r = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(name_, "read error: " + errno_text());
    if (r == 0) eof_ = true;
    end_ += size_t(r);
    return r > 0;
  }
}

size_t ByteReader::read(void* data, size_t n) {
  char* out = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    if (pos_ == end_) {
      pos_ = end_ = 0;
      // Large reads bypass the buffer.
      if (n - got >= buf_.size() && !eof_) {
        ssize_t r = ::read(fd_, out + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail(name_, "read error: " + errno_text());
        if (r == 0) {
          eof_ = true;
          break;
        }
        got += size_t(r);
        continue;
      }
      if (!fill()) break;
    }
    size_t take = std::min(n - got, end_ - pos_);
    memcpy(out + got, buf_.data() + pos_, take);
    pos_ += take;
    got += take;
  }
  offset_ += got;
  return got;
}

std::optional<uint64_t> ByteReader::file_size() const {
  struct stat st;
  if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return uint64_t(st.st_size);
}

size_t ByteReader::peek(void* data, size_t n) {
  while (end_ - pos_ < n && fill()) {
  }
  size_t take = std::min(n, end_ - pos_);
  memcpy(data, buf_.data() + pos_, take);
  return take;
}

}  // namespace scldm
