#include "util/lines.hpp"

#include "util/error.hpp"
#include "util/bytes.hpp"

namespace scldm {

std::vector<std::string> read_lines(const std::string& path) {
  ByteReader in(path);  // refuses directories
  std::string text, chunk(1 << 16, '\0');
  while (size_t n = in.read(chunk.data(), chunk.size())) text.append(chunk, 0, n);
  if (text.empty()) fail(path, "empty file");
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t stop = end > start && text[end - 1] == '\r' ? end - 1 : end;
    lines.push_back(text.substr(start, stop - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace scldm
