// Small text inputs the user writes by hand or with other tools: gene lists,
// condition tables. LF or CRLF line ends, a UTF-8 byte-order mark, and a
// missing final newline are all accepted; errors name the file.
#pragma once
#include <string>
#include <vector>

namespace scldm {

// The lines of `path` ("-": standard input) without their line ends. A
// directory, a missing file or an empty one is an error naming the file.
std::vector<std::string> read_lines(const std::string& path);

}  // namespace scldm
