#include "io/checkpoint.hpp"

#include <zlib.h>

#include <cstdio>
#include <cstring>

#include "util/error.hpp"
#include "util/bytes.hpp"
#include "util/output.hpp"

namespace scldm {
namespace {

constexpr char kMagic[8] = {'S', 'C', 'L', 'D', 'M', 'C', 'K', 'P'};
constexpr uint32_t kVersion = 1;

uint32_t crc_update(uint32_t c, const void* data, size_t n) {
  auto p = static_cast<const Bytef*>(data);
  while (n > 0) {
    uInt take = uInt(std::min<size_t>(n, 1u << 30));
    c = uint32_t(crc32(c, p, take));
    p += take;
    n -= take;
  }
  return c;
}

}  // namespace

size_t dtype_size(const std::string& dtype) {
  if (dtype == "float32") return 4;
  if (dtype == "float64" || dtype == "int64") return 8;
  if (dtype == "uint8") return 1;
  return 0;
}

std::string json_string(const nlohmann::json& j, const std::string& key, const std::string& fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const Blob* CheckpointFile::find(const std::string& name) const {
  for (auto& b : blobs)
    if (b.name == name) return &b;
  return nullptr;
}

void write_checkpoint(const std::string& path, const CheckpointFile& ckpt) {
  nlohmann::json meta = ckpt.meta;
  meta["tensors"] = nlohmann::json::array();
  uint64_t offset = 0;
  for (auto& b : ckpt.blobs) {
    meta["tensors"].push_back({{"name", b.name}, {"dtype", b.dtype}, {"shape", b.shape}, {"offset", offset}, {"bytes", b.bytes.size()}});
    offset += b.bytes.size();
  }
  std::string json = meta.dump();
  OutputFile out(path, true);
  ByteWriter w(out.fd(), path);
  uint32_t crc = 0;
  auto put = [&](const void* p, size_t n) {
    w.write(p, n);
    crc = crc_update(crc, p, n);
  };
  uint64_t len = json.size();
  put(kMagic, 8);
  put(&kVersion, 4);
  put(&len, 8);
  put(json.data(), json.size());
  for (auto& b : ckpt.blobs) put(b.bytes.data(), b.bytes.size());
  w.write_u32(crc);
  w.flush();
  out.commit();
}

namespace {

// Bytes of a tensor of `shape` and `dtype`, or 0 when the shape is negative
// or its size overflows (a corrupt table).
uint64_t tensor_bytes(const std::string& dtype, const std::vector<int64_t>& shape) {
  uint64_t n = dtype_size(dtype);
  for (auto d : shape) {
    if (d < 0 || (d > 0 && n > (uint64_t(1) << 62) / uint64_t(d))) return 0;
    n *= uint64_t(d);
  }
  return n;
}

}  // namespace

CheckpointFile read_checkpoint(const std::string& path, bool blobs) {
  ByteReader in(path);
  // A regular file's size bounds every size it declares (no allocation from a corrupt one).
  const uint64_t limit = in.file_size().value_or(uint64_t(1) << 40);
  char magic[8];
  if (in.read(magic, 8) != 8 || memcmp(magic, kMagic, 8) != 0) fail(path, "not a scldm checkpoint");
  uint32_t version = 0;
  uint64_t len = 0;
  if (in.read(&version, 4) != 4 || in.read(&len, 8) != 8) fail(path, "truncated checkpoint");
  if (version > kVersion) fail(path, "checkpoint version " + std::to_string(version) + " is newer than this scldm reads");
  if (len > (1ull << 30) || len > limit) fail(path, "corrupt checkpoint header (declares more bytes than the file holds)");
  std::string json(len, '\0');
  if (in.read(json.data(), len) != len) fail(path, "truncated checkpoint");
  CheckpointFile ckpt;
  try {
    ckpt.meta = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception&) {
    fail(path, "corrupt checkpoint header");
  }
  if (!ckpt.meta.is_object()) fail(path, "corrupt checkpoint header");
  if (!blobs) return ckpt;
  uint32_t crc = 0;
  crc = crc_update(crc, kMagic, 8);
  crc = crc_update(crc, &version, 4);
  crc = crc_update(crc, &len, 8);
  crc = crc_update(crc, json.data(), json.size());
  uint64_t left = limit > 24 + len ? limit - 24 - len : 0;
  try {
    for (auto& t : ckpt.meta.at("tensors")) {
      Blob b{t.at("name"), t.at("dtype"), t.at("shape").get<std::vector<int64_t>>(), {}};
      uint64_t bytes = t.at("bytes");
      uint64_t expect = tensor_bytes(b.dtype, b.shape);
      bool empty = expect == 0 && dtype_size(b.dtype) != 0 && bytes == 0;  // a legal 0-sized tensor
      if ((expect != bytes && !empty) || dtype_size(b.dtype) == 0) fail(path, "corrupt checkpoint: tensor " + b.name);
      if (bytes > left) fail(path, "truncated checkpoint (tensor " + b.name + " goes past the end)");
      left -= bytes;
      b.bytes.resize(bytes);
      if (in.read(b.bytes.data(), bytes) != bytes) fail(path, "truncated checkpoint");
      crc = crc_update(crc, b.bytes.data(), bytes);
      ckpt.blobs.push_back(std::move(b));
    }
  } catch (const nlohmann::json::exception&) {
    fail(path, "corrupt checkpoint tensor table");
  }
  uint32_t stored = 0;
  if (in.read(&stored, 4) != 4) fail(path, "truncated checkpoint");
  if (stored != crc) fail(path, "checkpoint checksum mismatch (corrupt file)");
  char extra;
  if (in.read(&extra, 1) != 0) fail(path, "data after the end of the checkpoint");
  ckpt.meta.erase("tensors");
  return ckpt;
}

std::string fingerprint64(const std::vector<const std::string*>& parts) {
  uint64_t h = 1469598103934665603ull;
  for (auto* p : parts) {
    for (unsigned char c : *p) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separates parts
    h *= 1099511628211ull;
  }
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

std::string weights_fingerprint(const CheckpointFile& ckpt, const std::vector<std::string>& meta_keys,
                                const std::vector<std::string>& prefixes) {
  std::vector<std::string> meta;
  for (auto& key : meta_keys) meta.push_back(ckpt.meta.contains(key) ? ckpt.meta[key].dump() : "null");
  std::vector<const std::string*> parts;
  for (auto& m : meta) parts.push_back(&m);
  for (auto& b : ckpt.blobs)
    for (auto& prefix : prefixes)
      if (b.name.rfind(prefix, 0) == 0) parts.push_back(&b.bytes);
  return fingerprint64(parts);
}


}  // namespace scldm
