// The record stream: scldm's own sequential format between stages and
// through pipes (documented in man/scldm-formats.5).
//
//   "SCLDMSTR" | u32 header length | header JSON | u32 CRC-32 of the JSON
//   frames:  "FRAM" | u32 records | u32 raw bytes | u32 packed bytes |
//            u32 CRC-32 of (the three sizes + packed bytes) | zstd payload
//   end:     "SEND" | u64 total records | u32 CRC-32 of that count
//
// All integers little-endian. A frame's raw payload is columnar: id lengths,
// id bytes, label codes per column, library sizes, then either sparse counts
// (nnz per cell, delta-coded gene indices, counts) or float32 latents.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cells.hpp"
#include "util/bytes.hpp"

namespace scldm {

inline constexpr char kStreamMagic[8] = {'S', 'C', 'L', 'D', 'M', 'S', 'T', 'R'};
inline constexpr int kStreamVersion = 1;

struct StreamHeader {
  enum class Kind { counts, latent };
  Kind kind = Kind::counts;
  std::vector<std::string> genes;   // counts: the columns of every record
  int64_t tokens = 0, dim = 0;      // latent: each record is tokens × dim float32
  std::vector<LabelColumn> labels;
  nlohmann::json provenance = nlohmann::json::object();

  nlohmann::json to_json() const;
  static StreamHeader from_json(const nlohmann::json& j, const std::string& file);
  const char* kind_name() const { return kind == Kind::counts ? "counts" : "latent"; }
};

class StreamWriter {
 public:
  // level: zstd compression level (1 is fast; negative levels are faster).
  StreamWriter(int fd, std::string name, StreamHeader header, int level = 1);
  ~StreamWriter();
  void write(const CountBlock& block);
  void write(const LatentBlock& block);
  // Writes the last frame and the end-of-stream marker, then flushes.
  void finish();
  uint64_t records() const { return total_records_; }
  const StreamHeader& header() const { return header_; }

 private:
  struct Impl;
  void begin_record(const CellMetaBlock& block, size_t i);
  void maybe_flush();
  void flush_frame();
  StreamHeader header_;
  std::unique_ptr<Impl> impl_;
  uint64_t total_records_ = 0;
  bool finished_ = false;
};

class StreamReader : public CountSource {
 public:
  explicit StreamReader(std::string path);
  // Continues from a reader that already peeked at the input.
  explicit StreamReader(std::unique_ptr<ByteReader> in);
  ~StreamReader() override;
  const StreamHeader& header() const { return header_; }
  const CountSchema& schema() const override { return schema_; }
  const std::string& path() const override { return path_; }
  // One frame's records per call; false after the end marker.
  bool next(CountBlock& block) override;
  bool next(LatentBlock& block);
  uint64_t records_read() const { return records_read_; }
  uint64_t bytes_read() const;
  std::optional<uint64_t> file_size() const { return in_->file_size(); }  // none for pipes

 private:
  void read_header();
  // Reads and checks the next frame into raw_; false at the end marker.
  bool read_frame(uint32_t& n_records);
  [[noreturn]] void corrupt(uint64_t offset, const std::string& problem) const;
  struct Cursor;
  void read_meta(Cursor& cur, uint32_t n, CellMetaBlock& block, uint64_t frame_offset);
  std::unique_ptr<ByteReader> in_;
  std::string path_;
  StreamHeader header_;
  CountSchema schema_;
  std::vector<char> packed_, raw_;
  // Owned through a deleter so that a constructor that throws frees it.
  std::unique_ptr<void, void (*)(void*)> dctx_;
  uint64_t records_read_ = 0, frame_offset_ = 0;
  bool ended_ = false;
};

}  // namespace scldm
