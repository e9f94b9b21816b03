// The facts `scldm info` reports about a file, gathered in one pass.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/h5ad_reader.hpp"
#include "io/open.hpp"
#include "util/bytes.hpp"

namespace scldm {

struct Summary {
  nlohmann::ordered_json facts;
  std::string problem;  // set when the data are not valid: info exits 1
};

Summary summarise_h5ad(const OpenedInput& in, const H5adOptions& options, const std::vector<std::string>& where);
Summary summarise_checkpoint(const std::string& path);
Summary summarise_stream(std::unique_ptr<ByteReader> in, const std::vector<std::string>& where);

// Aligned "key  value" lines; nested objects indent, long lists shorten.
std::string render_summary(const nlohmann::ordered_json& facts);

}  // namespace scldm
