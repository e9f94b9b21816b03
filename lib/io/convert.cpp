#include "io/convert.hpp"

#include "io/h5ad_writer.hpp"
#include "io/open.hpp"
#include "io/select.hpp"
#include "io/stream.hpp"
#include "io/text.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {
namespace {

// The companion file of a Matrix Market output: x.mtx -> x.genes.tsv.
std::string companion(const std::string& mtx_path, const std::string& suffix) {
  std::string base = ends_with(mtx_path, ".mtx") ? mtx_path.substr(0, mtx_path.size() - 4) : mtx_path;
  return base + suffix;
}

// Where counts go, one kind per output format.
class CountSink {
 public:
  virtual ~CountSink() = default;
  virtual void write(const CountBlock& block) = 0;
  // Completes the output(s); the named output is committed first.
  virtual void finish() = 0;
};

class H5adSink : public CountSink {
 public:
  H5adSink(const CountSchema& schema, const ConvertOptions& opt) : out_(opt.output, true) {
    if (out_.is_stdout()) throw UsageError("h5ad cannot be written to standard output; use -o FILE.h5ad");
    h5ad_ = std::make_unique<H5adWriter>(out_.library_path(), schema.genes, schema.labels, opt.provenance,
                                         H5adWriterOptions{out_.path()});
    for (auto& [key, tree] : opt.uns.items()) h5ad_->write_uns(key, tree);
  }
  void write(const CountBlock& block) override { h5ad_->write(block); }
  void finish() override {
    h5ad_->finish();
    out_.commit();
  }

 private:
  OutputFile out_;
  std::unique_ptr<H5adWriter> h5ad_;
};

class StreamSink : public CountSink {
 public:
  StreamSink(const CountSchema& schema, const ConvertOptions& opt) : out_(opt.output, true) {
    StreamHeader header;
    header.genes = schema.genes;
    header.labels = schema.labels;
    header.provenance = opt.provenance;
    stream_ = std::make_unique<StreamWriter>(out_.fd(), out_.path(), header, opt.level);
  }
  void write(const CountBlock& block) override {
    if (!block.means.empty()) throw UsageError("means are not counts: write them to .h5ad or .tsv, not a stream");
    stream_->write(block);
  }
  void finish() override {
    stream_->finish();
    out_.commit();
  }

 private:
  OutputFile out_;
  std::unique_ptr<StreamWriter> stream_;
};

// x.mtx with x.genes.tsv (one name per line) and x.cells.tsv beside it.
class MtxSink : public CountSink {
 public:
  MtxSink(const CountSchema& schema, const ConvertOptions& opt)
      : out_(opt.output, false), bytes_(out_.fd(), out_.path()), mtx_(bytes_, schema.genes.size()), labels_(schema.labels) {
    if (out_.is_stdout()) {
      warn("Matrix Market on standard output: the matrix alone; -o FILE.mtx also writes the gene and cell names");
      return;
    }
    genes_ = std::make_unique<OutputFile>(companion(opt.output, ".genes.tsv"), false);
    ByteWriter g(genes_->fd(), genes_->path());
    for (auto& gene : schema.genes) {
      std::string line = tsv_field(gene) + "\n";
      g.write(line.data(), line.size());
    }
    g.flush();
    cells_ = std::make_unique<OutputFile>(companion(opt.output, ".cells.tsv"), false);
    cell_bytes_ = std::make_unique<ByteWriter>(cells_->fd(), cells_->path());
    write_cells_tsv_header(*cell_bytes_, labels_);
  }
  void write(const CountBlock& block) override {
    if (!block.means.empty()) throw UsageError("means are not counts: write them to .h5ad or .tsv, not Matrix Market");
    mtx_.write(block);
    if (cell_bytes_) write_cells_tsv(*cell_bytes_, block, labels_);
  }
  void finish() override {
    mtx_.finish();
    if (cell_bytes_) cell_bytes_->flush();
    out_.commit();
    if (genes_) genes_->commit();
    if (cells_) cells_->commit();
  }

 private:
  OutputFile out_;
  ByteWriter bytes_;
  MtxWriter mtx_;
  std::vector<LabelColumn> labels_;
  std::unique_ptr<OutputFile> genes_, cells_;
  std::unique_ptr<ByteWriter> cell_bytes_;
};

class TsvSink : public CountSink {
 public:
  TsvSink(const CountSchema& schema, const ConvertOptions& opt)
      : out_(opt.output, false), bytes_(out_.fd(), out_.path()), tsv_(bytes_, schema.genes, schema.labels),
        n_genes_(schema.genes.size()) {}
  void write(const CountBlock& block) override { tsv_.write(block, n_genes_); }
  void finish() override {
    bytes_.flush();
    out_.commit();
  }

 private:
  OutputFile out_;
  ByteWriter bytes_;
  TsvWriter tsv_;
  size_t n_genes_;
};

std::unique_ptr<CountSink> make_sink(const CountSchema& schema, const ConvertOptions& opt) {
  if (opt.format == "h5ad") return std::make_unique<H5adSink>(schema, opt);
  if (opt.format == "stream") return std::make_unique<StreamSink>(schema, opt);
  if (opt.format == "mtx") return std::make_unique<MtxSink>(schema, opt);
  if (opt.format == "tsv") return std::make_unique<TsvSink>(schema, opt);
  throw UsageError("unknown output format '" + opt.format + "' (h5ad, stream, mtx, tsv)");
}

}  // namespace

uint64_t write_counts(CountSource& source, const ConvertOptions& opt) {
  const CountSchema& schema = source.schema();
  auto sink = make_sink(schema, opt);
  Progress progress("converting", schema.n_cells.value_or(0));
  CountBlock block;
  uint64_t cells = 0;
  while (source.next(block)) {
    sink->write(block);
    cells += block.size();
    progress.update(cells);
  }
  progress.finish();
  if (cells == 0) fail(source.path(), opt.where.empty() && !opt.subsample.active() ? "no cells" : "no cell is selected");
  sink->finish();
  return cells;
}

namespace {

// Latent streams convert to TSV (for text tools) or to a stream (a filtered copy).
uint64_t write_latents(StreamReader& reader, const ConvertOptions& opt) {
  const StreamHeader& h = reader.header();
  if (opt.format != "tsv" && opt.format != "stream")
    throw UsageError("a latent stream converts only to tsv or stream, not " + opt.format);
  CellSelection sel(opt.where, h.labels, reader.path());
  OutputFile out(opt.output, opt.format == "stream");
  size_t per = size_t(h.tokens * h.dim);
  std::unique_ptr<ByteWriter> bytes;
  std::unique_ptr<TsvWriter> tsv;
  std::unique_ptr<StreamWriter> stream;
  if (opt.format == "tsv") {
    std::vector<std::string> columns{"library_size"};
    for (int64_t t = 0; t < h.tokens; ++t)
      for (int64_t d = 0; d < h.dim; ++d) columns.push_back("z" + std::to_string(t) + "_" + std::to_string(d));
    bytes = std::make_unique<ByteWriter>(out.fd(), out.path());
    tsv = std::make_unique<TsvWriter>(*bytes, columns, h.labels);
  } else {
    StreamHeader copy = h;
    copy.provenance = opt.provenance;
    copy.provenance["input_provenance"] = h.provenance;  // the VAE fingerprint stays findable
    stream = std::make_unique<StreamWriter>(out.fd(), out.path(), copy, opt.level);
  }
  LatentBlock block, kept;
  uint64_t cells = 0, seen = 0;
  while (reader.next(block)) {
    kept.clear(h.labels.size());
    for (size_t i = 0; i < block.size(); ++i) {
      if (!opt.subsample.keep(seen++) || !sel.keep(block, i)) continue;
      kept.ids.push_back(block.ids[i]);
      kept.library_size.push_back(block.library_size[i]);
      for (size_t c = 0; c < h.labels.size(); ++c) kept.labels[c].push_back(block.labels[c][i]);
      kept.values.insert(kept.values.end(), block.values.begin() + long(i * per), block.values.begin() + long((i + 1) * per));
    }
    if (tsv) tsv->write(kept, per);
    if (stream) stream->write(kept);
    cells += kept.size();
  }
  if (cells == 0) fail(reader.path(), opt.where.empty() && !opt.subsample.active() ? "no cells" : "no cell is selected");
  if (stream) stream->finish();
  if (bytes) bytes->flush();
  out.commit();
  return cells;
}

}  // namespace

std::string format_from_path(const std::string& path) {
  std::string p = lower(path);
  if (ends_with(p, ".h5ad")) return "h5ad";
  if (ends_with(p, ".mtx")) return "mtx";
  if (ends_with(p, ".tsv") || ends_with(p, ".txt")) return "tsv";
  return "stream";
}

uint64_t convert(const std::string& input, const ConvertOptions& opt) {
  OpenedInput in = open_input(input);
  if (in.format == FileFormat::stream) {
    auto reader = std::make_unique<StreamReader>(std::move(in.bytes));
    if (reader->header().kind == StreamHeader::Kind::latent) return write_latents(*reader, opt);
    ConvertOptions chained = opt;
    chained.provenance["input_provenance"] = reader->header().provenance;
    SelectedSource source(std::move(reader), opt.where, opt.subsample);
    return write_counts(source, chained);
  }
  if (in.format != FileFormat::h5ad) {
    char c;
    if (in.bytes && in.bytes->peek(&c, 1) == 0) fail(input, "empty input");
    fail(input, std::string("cannot convert this format (") + format_name(in.format) + "); expected h5ad or a stream");
  }
  auto reader = open_h5ad(in, opt.h5ad);
  H5adReader* h5ad = reader.get();
  SelectedSource source(std::move(reader), opt.where, opt.subsample);
  uint64_t cells = write_counts(source, opt);
  if (h5ad->all_zero_cells() > 0) note(input + ": " + std::to_string(h5ad->all_zero_cells()) + " all-zero cells (kept)");
  return cells;
}

}  // namespace scldm
