#include "io/text.hpp"

#include <unistd.h>

#include <charconv>
#include <cstring>

#include "util/error.hpp"
#include "util/temp.hpp"

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
  static const std::string missing;  // an empty field: pandas and R read it as missing
  int32_t code = b.labels[c][i];
  return code < 0 ? missing : labels[c].categories[size_t(code)];
}

}  // namespace

void append_tsv_field(std::string& line, const std::string& field) {
  if (field.find_first_of("\t\n\r\"") == std::string::npos) {
    line += field;
    return;
  }
  line += '"';
  for (char c : field) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

std::string tsv_field(const std::string& field) {
  std::string s;
  append_tsv_field(s, field);
  return s;
}

MtxWriter::MtxWriter(ByteWriter& out, size_t n_genes) : out_(out), n_genes_(n_genes) {
  spool_path_ = make_spool_file("mtx", &body_fd_);
  body_ = std::make_unique<ByteWriter>(body_fd_, spool_path_);
}

MtxWriter::~MtxWriter() {
  body_.reset();
  if (body_fd_ >= 0) ::close(body_fd_);
  unlink(spool_path_.c_str());
  forget_temp(spool_path_);
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
  body_->write(s.data(), s.size());
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
  body_->flush();
  ByteReader body(spool_path_);
  std::vector<char> buf(1 << 20);
  while (size_t n = body.read(buf.data(), buf.size())) out_.write(buf.data(), n);
  out_.flush();
}

TsvWriter::TsvWriter(ByteWriter& out, const std::vector<std::string>& columns, const std::vector<LabelColumn>& labels)
    : out_(out), labels_(labels) {
  std::string head = "cell";
  for (auto& l : labels_) head += "\t" + tsv_field(l.name);
  for (auto& c : columns) head += "\t" + tsv_field(c);
  head += '\n';
  out_.write(head.data(), head.size());
}

void TsvWriter::write_meta(const CellMetaBlock& block, size_t i) {
  line_.clear();
  append_tsv_field(line_, block.ids[i]);
  for (size_t c = 0; c < labels_.size(); ++c) {
    line_ += '\t';
    append_tsv_field(line_, label_text(labels_, block, c, i));
  }
}

void TsvWriter::write(const CountBlock& block, size_t n_genes) {
  const bool real = !block.means.empty();
  std::vector<float> means(real ? n_genes : 0);
  std::vector<uint32_t> counts(real ? 0 : n_genes);
  for (size_t i = 0; i < block.size(); ++i) {
    write_meta(block, i);
    std::fill(means.begin(), means.end(), 0.0f);
    std::fill(counts.begin(), counts.end(), 0u);
    for (uint64_t k = block.indptr[i]; k < block.indptr[i + 1]; ++k) {
      if (real) means[block.genes[k]] = block.means[k];
      else counts[block.genes[k]] = block.counts[k];
    }
    for (size_t g = 0; g < n_genes; ++g) {
      line_ += '\t';
      if (real) append_float(line_, means[g]);
      else append_number(line_, counts[g]);
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

void write_cells_tsv_header(ByteWriter& out, const std::vector<LabelColumn>& labels) {
  std::string s = "cell";
  for (auto& l : labels) s += "\t" + tsv_field(l.name);
  s += "\tlibrary_size\n";
  out.write(s.data(), s.size());
}

void write_cells_tsv(ByteWriter& out, const CellMetaBlock& block, const std::vector<LabelColumn>& labels) {
  std::string s;
  for (size_t i = 0; i < block.size(); ++i) {
    append_tsv_field(s, block.ids[i]);
    for (size_t c = 0; c < labels.size(); ++c) {
      s += '\t';
      append_tsv_field(s, label_text(labels, block, c, i));
    }
    s += '\t';
    append_float(s, block.library_size[i]);
    s += '\n';
  }
  out.write(s.data(), s.size());
}

}  // namespace scldm
