// scldm decode: latents -> counts drawn from the VAE's negative binomial.
#include <unistd.h>

#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "io/convert.hpp"
#include "model/encode.hpp"
#include "util/error.hpp"
#include "util/lines.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

// --genes a,b,c or --genes FILE (one name per line).
std::vector<std::string> gene_subset(const std::string& arg) {
  if (arg.empty()) return {};
  if (access(arg.c_str(), F_OK) != 0) return split(arg, ',');
  std::vector<std::string> out;
  for (auto& line : read_lines(arg))
    if (!line.empty()) out.push_back(line);
  if (out.empty()) fail(arg, "lists no genes");
  return out;
}

}  // namespace

int run_decode(const Invocation& inv) {
  torch::Device device = setup_torch(inv);
  std::string input = inv.input(0);
  refuse_terminal_input(input);
  auto reader = std::make_unique<StreamReader>(input);
  if (reader->header().kind != StreamHeader::Kind::latent)
    fail(input, "is a counts stream; decode needs latents (from encode or sample)");
  const nlohmann::json& prov = reader->header().provenance;
  std::string vae_path = resolve_vae_path(inv, prov.value("vae_path", ""));
  LoadedVae vae = load_vae(vae_path, device);
  std::string stream_fp = prov.value("vae_fingerprint", "");
  if (stream_fp != vae.fingerprint) {
    std::string why = stream_fp.empty() ? "the stream does not name its VAE"
                                        : "the latents come from another VAE (fingerprint " + stream_fp + ", " + vae_path +
                                              " is " + vae.fingerprint + ")";
    if (!inv.args.has("force")) fail(input, why + "; --force decodes anyway");
    warn(input + ": " + why);
  }
  DecodeOptions opt;
  opt.batch_size = inv.args.integer_in("batch-size", 256, 1, 1 << 20);
  opt.seed = uint64_t(inv.seed());
  opt.library_size = inv.args.number_in("library-size", 0, 0, 4294967295.0);
  opt.mean = inv.args.has("mean");
  opt.genes = gene_subset(inv.args.text("genes"));
  opt.device = device;
  ConvertOptions out;
  out.output = inv.output("-");
  out.format = format_from_path(out.output);
  if (opt.mean && out.format != "h5ad" && out.format != "tsv")
    throw UsageError("--mean: means are not counts; give -o FILE.h5ad or FILE.tsv, not a " + out.format);
  auto source = decode_stream(vae, std::move(reader), opt);
  out.provenance = provenance(inv, {{"vae_fingerprint", vae.fingerprint}, {"vae_path", absolute_path(vae_path)},
                                    {"input_provenance", prov}});
  write_counts(*source, out);
  return 0;
}

}  // namespace scldm
