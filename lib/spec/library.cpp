#include "spec/library.hpp"

#include <cmath>
#include <map>

#include "util/error.hpp"

namespace scldm {

namespace {

// Names and values holding the key's separators are escaped, so that no two
// label combinations share a key ("a, b=c" as a value would otherwise).
std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string group_key(const std::vector<Attribute>& attributes, const std::vector<int32_t>& codes, uint32_t mask) {
  std::string key;
  for (size_t a = 0; a < attributes.size(); ++a) {
    if (!(mask >> a & 1u)) continue;
    if (!key.empty()) key += ", ";
    key += escaped(attributes[a].name) + "=" + escaped(attributes[a].categories.at(size_t(codes[a])));
  }
  return key;
}

nlohmann::json library_stats(const std::vector<Attribute>& attributes, const std::vector<std::vector<int32_t>>& codes,
                             const std::vector<double>& library_size) {
  if (attributes.size() > 16) throw Error("too many conditioning attributes (at most 16)");
  struct Sums {
    double n = 0, sum = 0, sum2 = 0;
  };
  std::map<std::string, Sums> groups;
  const uint32_t subsets = 1u << attributes.size();
  for (size_t i = 0; i < library_size.size(); ++i) {
    if (!(library_size[i] > 0)) continue;
    double x = std::log(library_size[i]);
    const uint32_t present = requested_attributes(codes[i]);
    for (uint32_t mask = 0; mask < subsets; ++mask) {
      if ((mask & present) != mask) continue;
      Sums& s = groups[group_key(attributes, codes[i], mask)];
      s.n += 1;
      s.sum += x;
      s.sum2 += x * x;
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (auto& [key, s] : groups) {
    double mean = s.sum / s.n;
    double var = s.n > 1 ? std::max(0.0, (s.sum2 - s.n * mean * mean) / (s.n - 1)) : 0.0;
    out[key] = {{"n", int64_t(s.n)}, {"mean", mean}, {"sd", std::sqrt(var)}};
  }
  return {{"groups", out}};
}

uint32_t requested_attributes(const std::vector<int32_t>& codes) {
  uint32_t mask = 0;
  for (size_t a = 0; a < codes.size(); ++a)
    if (codes[a] >= 0) mask |= 1u << a;
  return mask;
}

LibraryGroup library_lookup(const nlohmann::json& stats, const std::vector<Attribute>& attributes,
                            const std::vector<int32_t>& codes) {
  const auto& groups = stats.at("groups");
  const uint32_t requested = requested_attributes(codes);
  // Subsets of the requested attributes, most attributes first.
  for (int size = __builtin_popcount(requested); size >= 0; --size) {
    for (uint32_t mask = 0; mask <= requested; ++mask) {
      if ((mask & requested) != mask || __builtin_popcount(mask) != size) continue;
      std::string key = group_key(attributes, codes, mask);
      auto it = groups.find(key);
      if (it == groups.end() || (it->at("n").get<int64_t>() < 2 && mask != 0)) continue;
      return {key, it->at("mean"), it->at("sd"), mask == requested};
    }
  }
  throw Error("the prior holds no library sizes");
}

}  // namespace scldm
