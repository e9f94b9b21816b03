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

}  // namespace

uint64_t write_counts(CountSource& source, const ConvertOptions& opt) {
  const CountSchema& schema = source.schema();
  OutputFile out(opt.output, opt.format == "stream");
  std::unique_ptr<ByteWriter> bytes;
  std::unique_ptr<H5adWriter> h5ad;
  std::unique_ptr<StreamWriter> stream;
  std::unique_ptr<MtxWriter> mtx;
  std::unique_ptr<TsvWriter> tsv;
  std::unique_ptr<OutputFile> genes_file, cells_file;
  std::unique_ptr<ByteWriter> cells_bytes;
  if (opt.format == "h5ad") {
    if (out.is_stdout()) throw UsageError("h5ad cannot be written to standard output; use -o FILE.h5ad");
    out.close_fd();
    h5ad = std::make_unique<H5adWriter>(out.temp_path(), schema.genes, schema.labels, opt.provenance);
    for (auto& [key, tree] : opt.uns.items()) h5ad->write_uns(key, tree);
  } else if (opt.format == "stream") {
    StreamHeader header;
    header.genes = schema.genes;
    header.labels = schema.labels;
    header.provenance = opt.provenance;
    stream = std::make_unique<StreamWriter>(out.fd(), out.path(), header, opt.level);
  } else {
    bytes = std::make_unique<ByteWriter>(out.fd(), out.path());
    if (opt.format == "mtx") {
      mtx = std::make_unique<MtxWriter>(*bytes, schema.genes.size());
      if (!out.is_stdout()) {
        genes_file = std::make_unique<OutputFile>(companion(opt.output, ".genes.tsv"), false);
        ByteWriter g(genes_file->fd(), genes_file->path());
        for (auto& gene : schema.genes) g.write((gene + "\n").data(), gene.size() + 1);
        g.flush();
        cells_file = std::make_unique<OutputFile>(companion(opt.output, ".cells.tsv"), false);
        cells_bytes = std::make_unique<ByteWriter>(cells_file->fd(), cells_file->path());
      }
    } else {
      tsv = std::make_unique<TsvWriter>(*bytes, schema.genes, schema.labels);
    }
  }
  Progress progress("converting", schema.n_cells.value_or(0));
  CountBlock block;
  uint64_t cells = 0;
  while (source.next(block)) {
    if (!block.means.empty() && (stream || mtx))
      throw UsageError("means are not counts: write them to .h5ad or .tsv, not a " + opt.format);
    if (h5ad) h5ad->write(block);
    if (stream) stream->write(block);
    if (mtx) mtx->write(block);
    if (cells_bytes) write_cells_tsv(*cells_bytes, block, schema.labels);
    if (tsv) tsv->write(block, schema.genes.size());
    cells += block.size();
    progress.update(cells);
  }
  progress.finish();
  if (cells == 0) fail(source.path(), opt.where.empty() && !opt.subsample.active() ? "no cells" : "no cell is selected");
  if (h5ad) h5ad->finish();
  if (stream) stream->finish();
  if (mtx) mtx->finish();
  if (bytes) bytes->flush();
  if (cells_bytes) cells_bytes->flush();
  if (genes_file) genes_file->commit();
  if (cells_file) cells_file->commit();
  out.commit();
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
