// Small string helpers shared by the option parser and the readers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scldm {

std::vector<std::string> split(const std::string& s, char sep);
std::string join(const std::vector<std::string>& parts, const std::string& sep);
bool ends_with(const std::string& s, const std::string& suffix);
bool starts_with(const std::string& s, const std::string& prefix);
std::string lower(std::string s);

// Strict parses: the whole string must be a number ("12x" is not 12).
std::optional<int64_t> parse_int(const std::string& s);
std::optional<double> parse_double(const std::string& s);

// "4G", "512M", "100k", "1.5G" or a plain byte count (powers of 1024;
// an optional trailing "B" or "iB"); nullopt when malformed or negative.
std::optional<uint64_t> parse_byte_size(const std::string& s);

// "1.5 MB", "312 kB": sizes for people.
std::string human_bytes(double bytes);

// Quotes a command-line argument the way a shell would need it.
std::string shell_quote(const std::string& arg);

// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// past U+10FFFF). NUL bytes are valid UTF-8; check them separately.
bool valid_utf8(const std::string& s);
// `s` with every byte that does not start a well-formed sequence replaced
// by U+FFFD (for text that is only informative, e.g. provenance).
std::string make_valid_utf8(const std::string& s);

// The index of the first value equal to an earlier one (the earlier one's
// index in *earlier), or std::string::npos when all are distinct.
size_t first_duplicate(const std::vector<std::string>& values, size_t* earlier = nullptr);

}  // namespace scldm
