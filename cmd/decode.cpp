// scldm decode: latents -> counts drawn from the VAE's negative binomial.
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "io/checkpoint.hpp"
#include "cmd/common-model.hpp"
#include "cmd/runners-model.hpp"
#include "io/convert.hpp"
#include "io/open.hpp"
#include "pipeline/decode.hpp"
#include "util/paths.hpp"
#include "util/error.hpp"
#include "util/lines.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

// The genes of --like FILE that the VAE knows, in the file's order.
std::vector<std::string> panel_of_file(const std::string& path, const std::vector<std::string>& vocabulary) {
  auto source = open_counts(path, H5adOptions{});
  const std::unordered_set<std::string> known(vocabulary.begin(), vocabulary.end());
  std::vector<std::string> out;
  for (const std::string& g : source->schema().genes)
    if (known.count(g)) out.push_back(g);
  if (out.empty()) fail(path, "none of its genes is in the VAE's vocabulary");
  const size_t unknown = source->schema().genes.size() - out.size();
  if (unknown) note(path + ": " + std::to_string(unknown) + " of its genes are not in the VAE's vocabulary (not written)");
  return out;
}

// --genes a,b,c or --genes FILE (one name per line).
std::vector<std::string> gene_subset(const Invocation& inv) {
  if (!inv.args.has("genes")) return {};
  std::string arg = inv.args.text("genes");
  if (arg.empty()) throw UsageError("--genes: empty list");
  bool file = access(arg.c_str(), F_OK) == 0;
  std::vector<std::string> out;
  for (auto& name : file ? read_lines(arg) : split(arg, ','))
    if (!name.empty()) out.push_back(name);
  if (out.empty()) fail(arg, "lists no genes");
  for (size_t i = 0; i < out.size(); ++i)
    if (std::count(out.begin(), out.begin() + long(i), out[i])) {
      std::string what = "gene " + out[i] + " is listed twice";
      if (file) fail(arg, what);
      throw UsageError("--genes: " + what);
    }
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
  std::string vae_path = resolve_vae_path(inv, json_string(prov, "vae_path"));
  LoadedVae vae = load_vae(vae_path, device);
  const StreamHeader& h = reader->header();
  if (h.tokens != vae.config.tokens || h.dim != vae.config.latent_dim)  // even --force cannot decode these
    fail(input, "latents are " + std::to_string(h.tokens) + " x " + std::to_string(h.dim) + " but the VAE's are " +
                    std::to_string(vae.config.tokens) + " x " + std::to_string(vae.config.latent_dim));
  std::string stream_fp = json_string(prov, "vae_fingerprint");
  if (stream_fp != vae.fingerprint) {
    std::string why = stream_fp.empty() ? "the stream does not name its VAE"
                                        : "the latents come from another VAE (fingerprint " + stream_fp + ", " + vae_path +
                                              " is " + vae.fingerprint + ")";
    if (!inv.args.has("force")) fail(input, why + "; --force decodes anyway");
    warn(input + ": " + why);
  }
  DecodeOptions opt;
  opt.batch_size = inv.args.integer_in("batch-size", cli::table_default, 1, 1 << 20);
  opt.seed = uint64_t(inv.seed());
  opt.library_size = inv.args.number_in("library-size", 0, 0, 4294967295.0);
  opt.mean = inv.args.has("mean");
  if (inv.args.has("genes") && inv.args.has("like")) throw UsageError("--genes and --like both name the panel: give one");
  opt.genes = inv.args.has("like") ? panel_of_file(inv.args.text("like"), vae.genes) : gene_subset(inv);
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
