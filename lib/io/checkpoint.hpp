// The checkpoint container: a JSON description followed by raw tensor bytes
// and a CRC-32 of everything, so that `scldm info` reads a checkpoint without
// LibTorch and a truncated or altered file is always detected.
//
//   "SCLDMCKP" | u32 version | u64 JSON size | JSON | tensor bytes | u32 CRC-32
//
// The JSON's "tensors" lists {name, dtype, shape, offset, bytes}; offsets
// count from the first tensor byte. Documented in man/scldm-formats.5.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scldm {

struct Blob {
  std::string name;
  std::string dtype;  // float32, float64, int64, uint8
  std::vector<int64_t> shape;
  std::string bytes;
};

struct CheckpointFile {
  nlohmann::json meta = nlohmann::json::object();  // everything but the tensors
  std::vector<Blob> blobs;
  const Blob* find(const std::string& name) const;
};

// Written to a temporary file and renamed: a crash never leaves half a file.
void write_checkpoint(const std::string& path, const CheckpointFile& ckpt);
// Throws Error naming the file for anything that is not a whole, valid
// scldm checkpoint. With blobs=false only the description is read.
CheckpointFile read_checkpoint(const std::string& path, bool blobs = true);

size_t dtype_size(const std::string& dtype);

// A string entry of JSON metadata, or `fallback` when it is absent or not a
// string: a corrupt file must give our error, not the JSON library's.
std::string json_string(const nlohmann::json& j, const std::string& key, const std::string& fallback = "");

// FNV-1a 64 as 16 hex digits: model fingerprints.
std::string fingerprint64(const std::vector<const std::string*>& parts);
// FNV-1a over the listed meta entries and every blob whose name starts with
// one of the prefixes (so optimizer state and metrics do not count).
std::string weights_fingerprint(const CheckpointFile& ckpt, const std::vector<std::string>& meta_keys,
                                const std::vector<std::string>& prefixes);

}  // namespace scldm
