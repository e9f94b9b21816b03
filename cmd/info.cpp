// scldm info: what a file holds, as text or JSON.
#include <algorithm>

#include "cmd/runners.hpp"
#include "io/h5ad_reader.hpp"
#include "io/open.hpp"
#include "io/stream.hpp"
#include "io/summary.hpp"
#include "spec/checkpoints.hpp"
#include "util/error.hpp"
#include "util/bytes.hpp"
#include "util/output.hpp"

namespace scldm {

namespace {

// As thorough as the model commands: a checkpoint they would refuse is not valid.
void check_checkpoint(const std::string& path, Summary& summary) {
  try {
    validate_checkpoint(read_checkpoint(path), path);
  } catch (const Error& e) {
    summary.facts["valid"] = false;
    summary.problem = e.what();
  }
}

}  // namespace

int run_info(const Invocation& inv) {
  std::string path = inv.input(0);
  refuse_terminal_input(path);
  H5adOptions options = h5ad_options(inv);
  OpenedInput in = open_input(path);
  Summary summary;
  switch (in.format) {
    case FileFormat::h5ad: summary = summarise_h5ad(in, options, inv.args.all("where")); break;
    case FileFormat::stream: summary = summarise_stream(std::move(in.bytes), inv.args.all("where")); break;
    case FileFormat::checkpoint:
      if (path == "-") throw UsageError("read a checkpoint from a file, not standard input");
      summary = summarise_checkpoint(path);
      check_checkpoint(path, summary);
      break;
    default: {
      char c;
      if (in.bytes->peek(&c, 1) == 0) fail(path, "empty file");
      fail(path, "unrecognised format (not h5ad, a scldm stream or a scldm checkpoint)");
    }
  }
  std::string text = inv.args.has("json") ? summary.facts.dump(2) + "\n" : render_summary(summary.facts);
  OutputFile out(inv.output("-"), false);
  ByteWriter w(out.fd(), out.path());
  w.write(text.data(), text.size());
  w.flush();
  out.commit();
  if (!summary.problem.empty()) throw Error(summary.problem);
  return 0;
}

}  // namespace scldm
