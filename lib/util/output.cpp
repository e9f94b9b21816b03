#include "util/output.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/error.hpp"
#include "util/temp.hpp"

namespace scldm {
namespace {


std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The file a chain of symbolic links leads to (which need not exist yet).
std::string follow_links(const std::string& path) {
  std::string p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(size_t(st.st_size > 0 ? st.st_size : PATH_MAX) + 1);
    ssize_t n = readlink(p.c_str(), buf.data(), buf.size() - 1);
    if (n < 0) fail(path, "cannot read the symbolic link: " + errno_text());
    std::string link(buf.data(), size_t(n));
    p = link[0] == '/' ? link : directory_of(p) + "/" + link;
  }
  fail(path, "too many levels of symbolic links");
}

// An exclusive lock on the whole file, held by the open file description (so
// neither HDF5's own flock() nor closing another descriptor of the file
// touches it).
void lock_file(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fcntl(fd, F_OFD_SETLK, &fl);
}

// Whether another open file description holds a lock on the file.
bool is_locked(int fd) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  return fcntl(fd, F_OFD_GETLK, &fl) != 0 || fl.l_type != F_UNLCK;
}

// The temporary files of an output NAME are ".NAME.tmp-XXXXXX" beside it;
// a long NAME is shortened so that the temporary name stays a legal one.
std::string temp_prefix(const std::string& base) { return "." + base.substr(0, 200) + ".tmp-"; }

bool is_temp_of(const std::string& entry, const std::string& base) {
  const std::string prefix = temp_prefix(base);
  return entry.size() == prefix.size() + 6 && entry.compare(0, prefix.size(), prefix) == 0;
}

// A temporary file whose writer was killed holds no lock: remove it.
void remove_stale_temps(const std::string& target) {
  const std::string dir = directory_of(target), base = base_of(target);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    if (!is_temp_of(e->d_name, base)) continue;
    std::string p = dir + "/" + e->d_name;
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !is_locked(fd)) unlink(p.c_str());
    close(fd);
  }
  closedir(d);
}

void sync_directory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);  // some file systems refuse: the rename itself is still atomic
  close(fd);
}

}  // namespace

OutputFile::OutputFile(std::string path, bool binary) : path_(std::move(path)) {
  if (path_ == "-") {
    if (binary && isatty(STDOUT_FILENO))
      throw UsageError("-: refusing to write binary data to a terminal; use -o FILE or a pipe");
    fd_ = STDOUT_FILENO;
    direct_ = true;
    return;
  }
  if (path_.empty()) throw UsageError("empty output file name");
  target_ = follow_links(path_);
  struct stat st;
  if (stat(target_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path_, "is a directory");
    if (!S_ISREG(st.st_mode)) {
      open_direct(target_);
      return;
    }
  }
  open_beside(target_);
}

void OutputFile::open_direct(const std::string& target) {
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) fail(path_, "is a socket; cannot write to it");
  fd_ = open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) fail(path_, "cannot open for writing: " + errno_text());
  direct_ = true;
}

void OutputFile::open_beside(const std::string& target) {
  remove_stale_temps(target);
  std::string dir = directory_of(target);
  std::string tmpl = dir + "/" + temp_prefix(base_of(target)) + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  fd_ = mkostemp(buf.data(), O_CLOEXEC);
  if (fd_ < 0) fail(path_, "cannot create output: " + errno_text());
  temp_ = buf.data();
  register_temp(temp_);
  // Held until commit: a later run removes only temporary files nobody holds.
  lock_file(fd_);
  // mkstemp creates 0600; outputs follow the umask like any other file.
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
  if (!spool_.empty()) {
    unlink(spool_.c_str());
    forget_temp(spool_);
  }
  if (is_stdout()) return;
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) {
    unlink(temp_.c_str());
    forget_temp(temp_);
  }
}

const std::string& OutputFile::library_path() {
  if (!direct_) return temp_;
  if (spool_.empty()) {
    int fd = -1;
    spool_ = make_spool_file("output", &fd);
    ::close(fd);
  }
  return spool_;
}

void OutputFile::commit() {
  if (committed_) return;
  if (!spool_.empty()) {  // a library wrote a regular file: copy it out
    ByteReader in(spool_);
    ByteWriter out(fd_, path_);
    std::vector<char> buf(1 << 20);
    while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
    out.flush();
  }
  if (is_stdout()) {
    committed_ = true;
    return;
  }
  // Data on disk before the name points at it: a crash never leaves a short file.
  if (!direct_ && fsync(fd_) != 0 && errno != EINVAL) fail(path_, "write error: " + errno_text());
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(path_, "write error: " + errno_text());
  if (!direct_) {
    if (rename(temp_.c_str(), target_.c_str()) != 0) fail(path_, "cannot create output: " + errno_text());
    forget_temp(temp_);
    sync_directory(directory_of(target_));
  }
  committed_ = true;
}

void check_output_path(const std::string& path) {
  if (path == "-") return;
  std::string target = follow_links(path);
  struct stat st;
  if (stat(target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
    return;
  }
  std::string dir = directory_of(target);
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail(path, "cannot create output: no folder " + dir);
  if (access(dir.c_str(), W_OK) != 0) fail(path, "cannot create output: " + dir + " is not writable");
}

void copy_file(const std::string& from, const std::string& to, const std::string& name) {
  ByteReader in(from);
  int fd = open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) fail(name, "cannot write: " + errno_text());
  try {
    ByteWriter out(fd, name);
    std::vector<char> buf(1 << 20);
    while (size_t n = in.read(buf.data(), buf.size())) out.write(buf.data(), n);
    out.flush();
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(name, "write error: " + errno_text());
}

void write_text_output(const std::string& path, const std::string& text) {
  OutputFile out(path, false);
  ByteWriter w(out.fd(), out.path());
  w.write(text.data(), text.size());
  w.flush();
  out.commit();
}

}  // namespace scldm
