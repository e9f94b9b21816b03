#include "io/text.hpp"

#include <charconv>
#include <cstring>

#include "util/error.hpp"

namespace scldm {
namespace {

void append_number(std::string& s, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void append_float(std::string& s, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

const std::string& label_text(const std::vector<LabelColumn>& labels, const CellMetaBlock& b, size_t c, size_t i) {
  static const std::string missing = "NA";
  int32_t code = b.labels[c][i];
  return code < 0 ? missing : labels[c].categories[size_t(code)];
}

}  // namespace

MtxWriter::MtxWriter(ByteWriter& out, size_t n_genes) : out_(out), n_genes_(n_genes), body_(std::tmpfile()) {
  if (!body_) throw Error("cannot create a temporary file for the Matrix Market body");
}

MtxWriter::~MtxWriter() {
  if (body_) fclose(body_);
}

void MtxWriter::write(const CountBlock& block) {
  std::string s;
  for (size_t i = 0; i < block.size(); ++i) {
    for (uint64_t k = block.indptr[i]; k < block.indptr[i + 1]; ++k) {
      append_number(s, cells_ + i + 1);
      s += ' ';
      append_number(s, uint64_t(block.genes[k]) + 1);
      s += ' ';
      append_number(s, block.counts[k]);
      s += '\n';
    }
  }
  entries_ += block.genes.size();
  cells_ += block.size();
  if (fwrite(s.data(), 1, s.size(), body_) != s.size()) throw Error("write error on the Matrix Market spool file");
}

void MtxWriter::finish() {
  std::string head = "%%MatrixMarket matrix coordinate integer general\n%% cells x genes, written by scldm\n";
  append_number(head, cells_);
  head += ' ';
  append_number(head, n_genes_);
  head += ' ';
  append_number(head, entries_);
  head += '\n';
  out_.write(head.data(), head.size());
  rewind(body_);
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, body_)) > 0) out_.write(buf, n);
  out_.flush();
}

TsvWriter::TsvWriter(ByteWriter& out, const std::vector<std::string>& columns, const std::vector<LabelColumn>& labels)
    : out_(out), labels_(labels) {
  std::string head = "cell";
  for (auto& l : labels_) head += "\t" + l.name;
  for (auto& c : columns) head += "\t" + c;
  head += '\n';
  out_.write(head.data(), head.size());
}

void TsvWriter::write_meta(const CellMetaBlock& block, size_t i) {
  line_ = block.ids[i];
  for (size_t c = 0; c < labels_.size(); ++c) {
    line_ += '\t';
    line_ += label_text(labels_, block, c, i);
  }
}

void TsvWriter::write(const CountBlock& block, size_t n_genes) {
  std::vector<float> dense(n_genes);
  const bool real = !block.means.empty();
  for (size_t i = 0; i < block.size(); ++i) {
    write_meta(block, i);
    std::fill(dense.begin(), dense.end(), 0.0f);
    for (uint64_t k = block.indptr[i]; k < block.indptr[i + 1]; ++k)
      dense[block.genes[k]] = real ? block.means[k] : float(block.counts[k]);
    for (auto v : dense) {
      line_ += '\t';
      if (real) append_float(line_, v);
      else append_number(line_, uint64_t(v));
    }
    line_ += '\n';
    out_.write(line_.data(), line_.size());
  }
}

void TsvWriter::write(const LatentBlock& block, size_t per_cell) {
  for (size_t i = 0; i < block.size(); ++i) {
    write_meta(block, i);
    line_ += '\t';
    append_float(line_, block.library_size[i]);
    for (size_t k = 0; k < per_cell; ++k) {
      line_ += '\t';
      append_float(line_, block.values[i * per_cell + k]);
    }
    line_ += '\n';
    out_.write(line_.data(), line_.size());
  }
}

void write_cells_tsv(ByteWriter& out, const CellMetaBlock& block, const std::vector<LabelColumn>& labels) {
  std::string s;
  for (size_t i = 0; i < block.size(); ++i) {
    s += block.ids[i];
    for (size_t c = 0; c < labels.size(); ++c) {
      s += '\t';
      s += label_text(labels, block, c, i);
    }
    s += '\n';
  }
  out.write(s.data(), s.size());
}

}  // namespace scldm
