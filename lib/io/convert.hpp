// Format conversion behind `scldm convert`, kept out of cmd/ so that tests
// and benchmarks can call it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/h5ad_reader.hpp"
#include "io/select.hpp"

namespace scldm {

struct ConvertOptions {
  std::string output = "-";
  std::string format = "stream";  // h5ad, stream, mtx, tsv
  int level = 1;
  std::vector<std::string> where;
  Subsample subsample;
  H5adOptions h5ad;
  nlohmann::json provenance = nlohmann::json::object();
  nlohmann::json uns = nlohmann::json::object();  // h5ad output: extra uns entries
};

// "h5ad" for x.h5ad, "mtx", "tsv"; "stream" for anything else and for "-".
std::string format_from_path(const std::string& path);

// Writes the cells of `source` in options.format to options.output; returns
// the number of cells (zero cells is an error).
uint64_t write_counts(CountSource& source, const ConvertOptions& options);

// Returns the number of cells written.
uint64_t convert(const std::string& input, const ConvertOptions& options);

}  // namespace scldm
