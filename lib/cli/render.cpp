// --help, man pages and the top-level help, rendered from the option tables.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/options.hpp"
#include "util/text.hpp"

namespace scldm::cli {

namespace {

std::string option_label(const Option& o) {
  std::string s = o.short_name ? std::string("-") + o.short_name + ", " : "    ";
  s += "--" + o.long_name;
  if (!o.metavar.empty()) s += " " + o.metavar;
  return s;
}

std::string option_help(const Option& o) {
  std::string h = o.help;
  if (o.kind == Kind::choice) h += " (" + join(o.choices, ", ") + ")";
  if (!o.default_value.empty()) h += " [" + o.default_value + "]";
  if (o.repeatable && o.kind != Kind::flag) h += "; repeatable";
  return h;
}

// Escapes text for roff: backslashes, and leading dots or quotes.
std::string roff(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\\' ? std::string("\\e") : c == '-' ? std::string("\\-") : std::string(1, c);
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string roff_paragraphs(const std::string& text) {
  // Each line of a description is a paragraph.
  std::string out;
  for (auto& para : split(text, '\n')) {
    if (para.empty()) continue;
    if (!out.empty()) out += ".PP\n";
    out += roff(para) + "\n";
  }
  return out;
}

}  // namespace

std::string synopsis(const Command& c) {
  std::string s = "scldm " + c.name + " [options]";
  for (auto& p : c.positionals) {
    std::string n = p.name + (p.repeatable ? "..." : "");
    s += p.optional ? " [" + n + "]" : " " + n;
  }
  return s;
}

std::string help_text(const Command& c) {
  std::ostringstream o;
  o << "Usage: " << synopsis(c) << "\n\n" << c.summary << "\n";
  if (!c.implemented) o << "(not implemented yet: the options below are the planned interface)\n";
  if (!c.positionals.empty()) {
    o << "\nArguments:\n";
    for (auto& p : c.positionals) {
      std::string label = "  " + p.name;
      o << label << std::string(label.size() < 28 ? 28 - label.size() : 1, ' ') << p.help << "\n";
    }
  }
  o << "\nOptions:\n";
  for (auto& opt : c.options) {
    std::string label = "  " + option_label(opt);
    o << label << std::string(label.size() < 28 ? 28 - label.size() : 1, ' ') << option_help(opt) << "\n";
  }
  return o.str();
}

namespace {

// What the front-end does with GLIBC_TUNABLES (util/huge_pages.hpp).
constexpr const char* kHelperTunables =
    "glibc's settings for the model helper; scldm adds glibc.malloc.hugetlb=1 (transparent huge pages for "
    "its heap, where the kernel allows them) unless they name glibc.malloc.hugetlb.";

// The variables a command reads, from its options.
std::string default_environment(const Command& c) {
  auto has = [&](const char* name) {
    return std::any_of(c.options.begin(), c.options.end(), [&](const Option& o) { return o.long_name == name; });
  };
  auto item = [](const std::string& name, const std::string& text) { return ".TP\n.B " + roff(name) + "\n" + roff(text) + "\n"; };
  std::string s = item("TMPDIR", "where standard input is spooled when it holds an HDF5 file.");
  if (has("vae")) s += item("SCLDM_VAE", "the VAE to use when --vae is not given.");
  if (has("prior")) s += item("SCLDM_PRIOR", "the prior to use when --prior is not given.");
  if (c.needs_model) {
    s += item("GLIBC_TUNABLES", kHelperTunables);
    s += item("SCLDM_DEFAULT_MALLOC",
              "set to 1 to keep glibc's default malloc settings: its trimming, and no huge pages (for measuring).");
  }
  return s;
}

}  // namespace

std::string man_page(const Command& c, const std::string& version, const std::string& date) {
  std::ostringstream o;
  std::string upper = "SCLDM-" + c.name;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  o << ".\\\" Generated from the option table by 'scldm help --man " << c.name << "'; do not edit.\n";
  o << ".TH " << roff(upper) << " 1 \"" << date << "\" \"scldm " << version << "\" \"scldm manual\"\n";
  o << ".SH NAME\nscldm\\-" << roff(c.name) << " \\- " << roff(c.summary) << "\n";
  o << ".SH SYNOPSIS\n.B " << roff(synopsis(c)) << "\n";
  o << ".SH DESCRIPTION\n" << roff_paragraphs(c.description.empty() ? c.summary : c.description);
  if (!c.implemented) o << ".PP\nNot implemented yet: the options below are the planned interface.\n";
  if (!c.positionals.empty()) {
    o << ".SH ARGUMENTS\n";
    for (auto& p : c.positionals) o << ".TP\n.I " << roff(p.name) << "\n" << roff(p.help) << "\n";
  }
  o << ".SH OPTIONS\n";
  for (auto& opt : c.options) {
    o << ".TP\n.B ";
    if (opt.short_name) o << "\\-" << roff(std::string(1, opt.short_name)) << ", ";
    o << "\\-\\-" << roff(opt.long_name);
    if (!opt.metavar.empty()) o << " \" " << opt.metavar << "\"";
    o << "\n" << roff(option_help(opt)) << "\n";
  }
  o << ".SH EXIT STATUS\n0 on success, 1 on a runtime error (bad or unreadable input, failed output), "
       "2 on a usage error. "
    << roff(c.exit_status) << "\n";
  o << ".SH ENVIRONMENT\n" << (c.environment.empty() ? default_environment(c) : roff(c.environment) + "\n");
  o << ".SH FILES\n"
    << roff(c.files.empty() ? "Outputs are written to a temporary file beside the target and renamed when "
                              "complete, so a failure leaves no partial file."
                            : c.files)
    << "\n";
  if (!c.examples.empty()) {
    o << ".SH EXAMPLES\n";
    for (auto& e : c.examples) o << ".PP\n" << roff(e.explanation) << "\n.PP\n.RS\n.nf\n" << roff(e.command) << "\n.fi\n.RE\n";
  }
  o << ".SH SEE ALSO\n.BR scldm (1),\n.BR scldm\\-formats (5),\n.BR scldm\\-model (7)\n";
  return o.str();
}

std::string man_page_index(const std::vector<const Command*>& commands, const std::string& version,
                           const std::string& date) {
  std::ostringstream o;
  o << ".\\\" Generated from the option tables by 'scldm help --man'; do not edit.\n";
  o << ".TH SCLDM 1 \"" << date << "\" \"scldm " << version << "\" \"scldm manual\"\n";
  o << ".SH NAME\nscldm \\- latent diffusion models of single\\-cell gene expression\n";
  o << ".SH SYNOPSIS\n.B scldm\n.I command\n[options] [arguments]\n";
  o << ".SH DESCRIPTION\nscldm trains and runs scLDM: a variational autoencoder of integer UMI counts and a "
       "flow\\-matching prior over its latents. Stages exchange h5ad files and record streams "
       "(see\n.BR scldm\\-formats (5)),\nand read '\\-' as standard input or output.\n";
  o << ".SH COMMANDS\n";
  for (auto* c : commands) o << ".TP\n.B " << roff(c->name) << "\n" << roff(c->summary) << " See\n.BR scldm\\-" << roff(c->name) << " (1).\n";
  o << ".SH EXIT STATUS\n0 on success, 1 on a runtime error, 2 on a usage error.\n";
  o << ".SH ENVIRONMENT\n.TP\n.B SCLDM_VAE\nthe VAE model commands use when \\-\\-vae is not given.\n"
       ".TP\n.B SCLDM_PRIOR\nthe prior sample uses when \\-\\-prior is not given.\n"
       ".TP\n.B TMPDIR\nwhere standard input is spooled when it holds an HDF5 file.\n"
       ".TP\n.B OPENBLAS_CORETYPE\nthe OpenBLAS kernels the model commands use; when unset, OpenBLAS's own "
       "choice, or its AVX2 / AVX\\-512 kernels where it would fall back to SSE3 (see\n.BR scldm\\-model (7)).\n"
    << ".TP\n.B GLIBC_TUNABLES\n" << roff(kHelperTunables) << "\n";
  o << ".SH FILES\n.TP\n.I vae.pt, prior.pt\nthe default outputs of fit\\-vae and fit\\-prior, and the models "
       "decode and sample look for in the working directory.\n"
       ".TP\n.I libexec/scldm/scldm\\-model\nthe helper (linked to LibTorch) that runs the model commands.\n";
  o << ".SH EXAMPLES\nThe whole pipeline, from simulated data:\n.PP\n.nf\n"
       "scldm simulate \\-o data.h5ad\n"
       "scldm convert data.h5ad \\-\\-subsample 0.8 \\-o train.h5ad\n"
       "scldm convert data.h5ad \\-\\-subsample 0.8 \\-\\-rest \\-o test.h5ad\n"
       "scldm fit\\-vae train.h5ad \\-o vae.pt\n"
       "scldm encode train.h5ad \\-\\-vae vae.pt \\-o train.lat\n"
       "scldm fit\\-prior train.lat \\-\\-condition cell_type \\-o prior.pt\n"
       "scldm sample \\-\\-like test.h5ad \\-\\-cfg 2 | scldm decode \\-o gen.h5ad\n"
       "scldm eval \\-\\-real test.h5ad \\-\\-generated gen.h5ad \\-\\-by cell_type\n"
       "scldm classify \\-\\-train train.lat \\-\\-label cell_type \\-o clf.pt\n.fi\n";
  o << ".SH SEE ALSO\n";
  for (auto* c : commands) o << ".BR scldm\\-" << roff(c->name) << " (1),\n";
  o << ".BR scldm\\-formats (5),\n.BR scldm\\-model (7)\n";
  return o.str();
}

std::string top_level_help(const std::vector<const Command*>& commands, const std::string& version) {
  std::ostringstream o;
  o << "scldm " << version << ": latent diffusion models of single-cell gene expression\n\n"
    << "Usage: scldm <command> [options] [arguments]\n";
  std::vector<std::string> groups;
  for (auto* c : commands)
    if (std::find(groups.begin(), groups.end(), c->group) == groups.end()) groups.push_back(c->group);
  for (auto& g : groups) {
    o << "\n  -- " << g << "\n";
    for (auto* c : commands)
      if (c->group == g) {
        std::string label = "     " + c->name;
        o << label << std::string(label.size() < 18 ? 18 - label.size() : 1, ' ') << c->summary
          << (c->implemented ? "" : " (not implemented yet)") << "\n";
      }
  }
  o << "\n'scldm <command> --help' lists a command's options; 'man scldm-<command>' explains it.\n"
    << "'-' stands for standard input or output. Exit status: 0 ok, 1 error, 2 usage error.\n";
  return o.str();
}

}  // namespace scldm::cli
