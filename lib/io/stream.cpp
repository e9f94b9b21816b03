#include "io/stream.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cmath>
#include <cstring>

#include "util/error.hpp"
#include "util/text.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the stream format is little-endian");

namespace scldm {
namespace {

constexpr char kFrameTag[4] = {'F', 'R', 'A', 'M'};
constexpr char kEndTag[4] = {'S', 'E', 'N', 'D'};
constexpr size_t kFrameTarget = 1 << 20;         // raw bytes per frame
constexpr uint32_t kMaxFrameBytes = 256u << 20;  // refuse larger (corrupt sizes)
constexpr uint32_t kMaxHeaderBytes = 256u << 20;

uint32_t crc(const void* data, size_t n, uint32_t seed = 0) {
  // zlib's crc32 takes a uInt length: feed it in pieces.
  uLong c = seed;
  auto p = static_cast<const Bytef*>(data);
  while (n > 0) {
    uInt take = uInt(std::min<size_t>(n, 1u << 30));
    c = crc32(c, p, take);
    p += take;
    n -= take;
  }
  return uint32_t(c);
}

template <typename T>
void append(std::vector<char>& out, const std::vector<T>& v) {
  const char* p = reinterpret_cast<const char*>(v.data());
  out.insert(out.end(), p, p + v.size() * sizeof(T));
}

// Fuzzing builds accept bad checksums so that the fuzzer reaches the parser
// behind them (the convention of libpng, zlib and others).
bool checksum_ok(uint32_t expected, uint32_t actual) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  (void)expected;
  (void)actual;
  return true;
#else
  return expected == actual;
#endif
}

}  // namespace

nlohmann::json StreamHeader::to_json() const {
  nlohmann::json j;
  j["format"] = "scldm-stream";
  j["version"] = kStreamVersion;
  j["kind"] = kind_name();
  if (kind == Kind::counts) {
    j["dtype"] = "uint32";
    j["genes"] = genes;
  } else {
    j["dtype"] = "float32";
    j["shape"] = {tokens, dim};
  }
  j["labels"] = nlohmann::json::array();
  for (auto& l : labels) j["labels"].push_back({{"name", l.name}, {"categories", l.categories}});
  j["provenance"] = provenance;
  return j;
}

StreamHeader StreamHeader::from_json(const nlohmann::json& j, const std::string& file) {
  StreamHeader h;
  try {
    if (j.at("format") != "scldm-stream") fail(file, "not a scldm stream (format field)");
    if (!j.is_object()) fail(file, "bad stream header (not a JSON object)");
    if (!j.at("version").is_number_integer() || j.at("version").get<int64_t>() < 1)
      fail(file, "bad stream header (version is not a positive integer)");
    int64_t version = j.at("version").get<int64_t>();
    if (version > kStreamVersion)
      fail(file, "stream format version " + std::to_string(version) + " is newer than this scldm reads (" +
                     std::to_string(kStreamVersion) + "); upgrade scldm");
    std::string kind = j.at("kind");
    std::string dtype = j.value("dtype", kind == "counts" ? "uint32" : "float32");
    if (dtype != (kind == "counts" ? "uint32" : "float32")) fail(file, "bad stream header (dtype '" + dtype + "' for " + kind + ")");
    if (kind == "counts") {
      h.kind = Kind::counts;
      h.genes = j.at("genes").get<std::vector<std::string>>();
      if (h.genes.empty()) fail(file, "counts stream header lists no genes");
      for (size_t g = 0; g < h.genes.size(); ++g) {
        if (h.genes[g].empty()) fail(file, "gene " + std::to_string(g) + " has an empty name in the stream header");
        if (h.genes[g].find('\0') != std::string::npos)
          fail(file, "gene " + std::to_string(g) + " holds a NUL byte in the stream header");
      }
      size_t first = 0, again = first_duplicate(h.genes, &first);
      if (again != std::string::npos)
        fail(file, "duplicate gene name '" + h.genes[again] + "' in the stream header (genes " + std::to_string(first) +
                       " and " + std::to_string(again) + ")");
    } else if (kind == "latent") {
      h.kind = Kind::latent;
      const auto& shape = j.at("shape");
      if (!shape.is_array() || shape.size() != 2 || !shape[0].is_number_integer() || !shape[1].is_number_integer())
        fail(file, "bad latent shape in header (expected [tokens, dim])");
      h.tokens = shape[0].get<int64_t>();
      h.dim = shape[1].get<int64_t>();
      // Each factor bounded first: the product must not overflow.
      if (h.tokens <= 0 || h.dim <= 0 || h.tokens > (1 << 24) || h.dim > (1 << 24) || h.tokens * h.dim > (1 << 24))
        fail(file, "bad latent shape in header");
    } else {
      fail(file, "unknown stream kind '" + kind + "'");
    }
    std::vector<std::string> names;
    for (auto& l : j.at("labels")) {
      h.labels.push_back({l.at("name"), l.at("categories").get<std::vector<std::string>>()});
      const LabelColumn& col = h.labels.back();
      if (col.name.empty()) fail(file, "a label has an empty name in the stream header");
      size_t first = 0, again = first_duplicate(col.categories, &first);
      if (again != std::string::npos)
        fail(file, "label '" + col.name + "': duplicate category '" + col.categories[again] + "' in the stream header");
      names.push_back(col.name);
    }
    size_t first = 0, again = first_duplicate(names, &first);
    if (again != std::string::npos) fail(file, "two labels are named '" + names[again] + "' in the stream header");
    if (j.contains("provenance") && j["provenance"].is_object()) h.provenance = j["provenance"];
  } catch (const nlohmann::json::exception& e) {
    fail(file, "bad stream header (" + json_problem(e) + ")");
  }
  return h;
}

// ---------------------------------------------------------------- writer

struct StreamWriter::Impl {
  ByteWriter out;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  int level;
  uint32_t n = 0;
  std::vector<uint32_t> id_lens, nnz, gene_deltas, counts;
  std::vector<char> id_bytes;
  std::vector<std::vector<int32_t>> labels;
  std::vector<double> library_size;
  std::vector<float> values;
  std::vector<char> raw, packed;
  Impl(int fd, std::string name, int lvl) : out(fd, std::move(name)), level(lvl) {
    if (!cctx) throw std::bad_alloc();
  }
  ~Impl() { ZSTD_freeCCtx(cctx); }
  size_t raw_size() const {
    return id_bytes.size() + n * (4 + 4 * labels.size() + 8) + 4 * (nnz.size() + gene_deltas.size() + counts.size()) +
           4 * values.size();
  }
};

StreamWriter::StreamWriter(int fd, std::string name, StreamHeader header, int level)
    : header_(std::move(header)), impl_(std::make_unique<Impl>(fd, std::move(name), level)) {
  impl_->labels.assign(header_.labels.size(), {});
  std::string json = header_.to_json().dump();
  impl_->out.write(kStreamMagic, 8);
  impl_->out.write_u32(uint32_t(json.size()));
  impl_->out.write(json.data(), json.size());
  impl_->out.write_u32(crc(json.data(), json.size()));
}

StreamWriter::~StreamWriter() = default;

void StreamWriter::begin_record(const CellMetaBlock& block, size_t i) {
  auto& m = *impl_;
  const std::string& id = block.ids[i];
  m.id_lens.push_back(uint32_t(id.size()));
  m.id_bytes.insert(m.id_bytes.end(), id.begin(), id.end());
  for (size_t c = 0; c < m.labels.size(); ++c) m.labels[c].push_back(block.labels[c][i]);
  m.library_size.push_back(block.library_size[i]);
  ++m.n;
}

void StreamWriter::write(const CountBlock& block) {
  if (header_.kind != StreamHeader::Kind::counts) throw std::logic_error("counts written to a latent stream");
  auto& m = *impl_;
  for (size_t i = 0; i < block.size(); ++i) {
    begin_record(block, i);
    uint64_t b = block.indptr[i], e = block.indptr[i + 1];
    m.nnz.push_back(uint32_t(e - b));
    uint32_t prev = 0;
    for (uint64_t k = b; k < e; ++k) {
      // First index as is, then gaps: small numbers compress well.
      m.gene_deltas.push_back(k == b ? block.genes[k] : block.genes[k] - prev);
      prev = block.genes[k];
    }
    m.counts.insert(m.counts.end(), block.counts.begin() + long(b), block.counts.begin() + long(e));
    maybe_flush();
  }
}

void StreamWriter::write(const LatentBlock& block) {
  if (header_.kind != StreamHeader::Kind::latent) throw std::logic_error("latents written to a counts stream");
  auto& m = *impl_;
  size_t per = size_t(header_.tokens * header_.dim);
  if (block.values.size() != block.size() * per) throw std::logic_error("latent block of the wrong size");
  for (size_t i = 0; i < block.size(); ++i) {
    begin_record(block, i);
    m.values.insert(m.values.end(), block.values.begin() + long(i * per), block.values.begin() + long((i + 1) * per));
    maybe_flush();
  }
}

void StreamWriter::maybe_flush() {
  if (impl_->raw_size() >= kFrameTarget) flush_frame();
}

void StreamWriter::flush_frame() {
  auto& m = *impl_;
  if (m.n == 0) return;
  m.raw.clear();
  append(m.raw, m.id_lens);
  m.raw.insert(m.raw.end(), m.id_bytes.begin(), m.id_bytes.end());
  for (auto& col : m.labels) append(m.raw, col);
  append(m.raw, m.library_size);
  append(m.raw, m.nnz);
  append(m.raw, m.gene_deltas);
  append(m.raw, m.counts);
  append(m.raw, m.values);
  m.packed.resize(ZSTD_compressBound(m.raw.size()));
  size_t packed = ZSTD_compressCCtx(m.cctx, m.packed.data(), m.packed.size(), m.raw.data(), m.raw.size(), m.level);
  if (ZSTD_isError(packed)) throw Error(std::string("zstd: ") + ZSTD_getErrorName(packed));
  uint32_t sizes[3] = {m.n, uint32_t(m.raw.size()), uint32_t(packed)};
  uint32_t check = crc(m.packed.data(), packed, crc(sizes, sizeof sizes));
  m.out.write(kFrameTag, 4);
  m.out.write(sizes, sizeof sizes);
  m.out.write_u32(check);
  m.out.write(m.packed.data(), packed);
  total_records_ += m.n;
  m.n = 0;
  m.id_lens.clear();
  m.id_bytes.clear();
  for (auto& col : m.labels) col.clear();
  m.library_size.clear();
  m.nnz.clear();
  m.gene_deltas.clear();
  m.counts.clear();
  m.values.clear();
}

void StreamWriter::finish() {
  if (finished_) return;
  flush_frame();
  impl_->out.write(kEndTag, 4);
  impl_->out.write_u64(total_records_);
  impl_->out.write_u32(crc(&total_records_, 8));
  impl_->out.flush();
  finished_ = true;
}

// ---------------------------------------------------------------- reader

StreamReader::StreamReader(std::string path) : StreamReader(std::make_unique<ByteReader>(std::move(path))) {}

StreamReader::StreamReader(std::unique_ptr<ByteReader> in)
    : in_(std::move(in)),
      path_(in_->name()),
      dctx_(ZSTD_createDCtx(), [](void* p) { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(p)); }) {
  if (!dctx_) throw std::bad_alloc();
  read_header();
}

StreamReader::~StreamReader() = default;

uint64_t StreamReader::bytes_read() const { return in_->offset(); }

void StreamReader::corrupt(uint64_t offset, const std::string& problem) const {
  fail(path_, problem + " at byte " + std::to_string(offset));
}

void StreamReader::read_header() {
  char magic[8];
  size_t got = in_->read(magic, 8);
  if (got == 0) fail(path_, "empty input (expected a scldm stream)");
  if (got < 8 || memcmp(magic, kStreamMagic, 8) != 0) fail(path_, "not a scldm stream (bad magic bytes)");
  uint32_t len = 0, check = 0;
  if (in_->read(&len, 4) != 4) corrupt(in_->offset(), "truncated stream header");
  if (len == 0 || len > kMaxHeaderBytes) corrupt(8, "corrupt stream header length");
  std::string json(len, '\0');
  if (in_->read(json.data(), len) != len || in_->read(&check, 4) != 4) corrupt(in_->offset(), "truncated stream header");
  if (!checksum_ok(check, crc(json.data(), len))) corrupt(12, "stream header checksum mismatch");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception&) {
    corrupt(12, "stream header is not valid JSON");
  }
  header_ = StreamHeader::from_json(j, path_);
  schema_.genes = header_.genes;
  schema_.labels = header_.labels;
}

bool StreamReader::read_frame(uint32_t& n_records) {
  frame_offset_ = in_->offset();
  char tag[4];
  size_t got = in_->read(tag, 4);
  if (got < 4) corrupt(frame_offset_, "truncated stream (no end-of-stream marker)");
  if (memcmp(tag, kEndTag, 4) == 0) {
    uint64_t total = 0;
    uint32_t check = 0;
    if (in_->read(&total, 8) != 8 || in_->read(&check, 4) != 4) corrupt(frame_offset_, "truncated end-of-stream marker");
    if (!checksum_ok(check, crc(&total, 8))) corrupt(frame_offset_, "end-of-stream checksum mismatch");
    if (total != records_read_)
      corrupt(frame_offset_, "stream declares " + std::to_string(total) + " records but holds " +
                                 std::to_string(records_read_));
    char extra;
    if (in_->read(&extra, 1) != 0) corrupt(in_->offset() - 1, "data after the end-of-stream marker");
    ended_ = true;
    return false;
  }
  if (memcmp(tag, kFrameTag, 4) != 0) corrupt(frame_offset_, "corrupt stream: expected a frame");
  uint32_t sizes[3], check;
  if (in_->read(sizes, sizeof sizes) != sizeof sizes || in_->read(&check, 4) != 4)
    corrupt(frame_offset_, "truncated frame header");
  n_records = sizes[0];
  if (sizes[1] > kMaxFrameBytes || sizes[2] > kMaxFrameBytes || n_records == 0)
    corrupt(frame_offset_, "corrupt frame header");
  packed_.resize(sizes[2]);
  if (in_->read(packed_.data(), sizes[2]) != sizes[2]) corrupt(frame_offset_, "truncated frame");
  if (!checksum_ok(check, crc(packed_.data(), sizes[2], crc(sizes, sizeof sizes)))) corrupt(frame_offset_, "frame checksum mismatch");
  raw_.resize(sizes[1]);
  size_t n = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(dctx_.get()), raw_.data(), raw_.size(), packed_.data(), packed_.size());
  if (ZSTD_isError(n) || n != sizes[1]) corrupt(frame_offset_, "frame does not decompress");
  return true;
}

struct StreamReader::Cursor {
  const char* p;
  const char* end;
  bool take(void* out, size_t n) {
    if (size_t(end - p) < n) return false;
    memcpy(out, p, n);
    p += n;
    return true;
  }
  template <typename T>
  bool take_vec(std::vector<T>& v, size_t n) {
    if (size_t(end - p) / sizeof(T) < n) return false;
    size_t old = v.size();
    v.resize(old + n);
    memcpy(v.data() + old, p, n * sizeof(T));
    p += n * sizeof(T);
    return true;
  }
};

void StreamReader::read_meta(Cursor& cur, uint32_t n, CellMetaBlock& block, uint64_t off) {
  std::vector<uint32_t> lens;
  if (!cur.take_vec(lens, n)) corrupt(off, "corrupt frame (ids)");
  block.ids.reserve(n);
  for (auto len : lens) {
    if (size_t(cur.end - cur.p) < len) corrupt(off, "corrupt frame (ids)");
    block.ids.emplace_back(cur.p, len);
    cur.p += len;
    if (!valid_utf8(block.ids.back()))
      corrupt(off, "cell id " + std::to_string(records_read_ + block.ids.size() - 1) + " is not valid UTF-8 in frame");
  }
  for (size_t c = 0; c < header_.labels.size(); ++c) {
    if (!cur.take_vec(block.labels[c], n)) corrupt(off, "corrupt frame (labels)");
    auto n_cat = int32_t(header_.labels[c].categories.size());
    for (auto code : block.labels[c])
      if (code < -1 || code >= n_cat) corrupt(off, "label code out of range in frame");
  }
  if (!cur.take_vec(block.library_size, n)) corrupt(off, "corrupt frame (library sizes)");
  for (double l : block.library_size)
    if (!std::isfinite(l) || l < 0) corrupt(off, "bad library size in frame");
}

bool StreamReader::next(CountBlock& block) {
  block.clear(header_.labels.size());
  if (header_.kind != StreamHeader::Kind::counts) fail(path_, "expected a counts stream, found a latent stream");
  uint32_t n = 0;
  if (ended_ || !read_frame(n)) return false;
  Cursor cur{raw_.data(), raw_.data() + raw_.size()};
  read_meta(cur, n, block, frame_offset_);
  std::vector<uint32_t> nnz;
  if (!cur.take_vec(nnz, n)) corrupt(frame_offset_, "corrupt frame (counts)");
  uint64_t total = 0;
  for (auto k : nnz) total += k;
  if (!cur.take_vec(block.genes, total) || !cur.take_vec(block.counts, total) || cur.p != cur.end)
    corrupt(frame_offset_, "corrupt frame (counts)");
  block.indptr.reserve(n + 1);
  uint64_t k = 0;
  const uint64_t n_genes = header_.genes.size();
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t prev = 0;
    for (uint32_t j = 0; j < nnz[i]; ++j, ++k) {
      uint64_t g = j == 0 ? block.genes[k] : prev + block.genes[k];
      if ((j > 0 && block.genes[k] == 0) || g >= n_genes || block.counts[k] == 0)
        corrupt(frame_offset_, "bad gene index or count in frame");
      block.genes[k] = uint32_t(g);
      prev = g;
    }
    block.indptr.push_back(k);
  }
  records_read_ += n;
  return true;
}

bool StreamReader::next(LatentBlock& block) {
  block.clear(header_.labels.size());
  if (header_.kind != StreamHeader::Kind::latent) fail(path_, "expected a latent stream, found a counts stream");
  uint32_t n = 0;
  if (ended_ || !read_frame(n)) return false;
  Cursor cur{raw_.data(), raw_.data() + raw_.size()};
  read_meta(cur, n, block, frame_offset_);
  size_t per = size_t(header_.tokens * header_.dim);
  if (!cur.take_vec(block.values, size_t(n) * per) || cur.p != cur.end) corrupt(frame_offset_, "corrupt frame (latents)");
  for (float v : block.values)
    if (!std::isfinite(v)) corrupt(frame_offset_, "non-finite latent value in frame");
  records_read_ += n;
  return true;
}

}  // namespace scldm
