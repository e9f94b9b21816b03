#include "cmd/common.hpp"

#include <algorithm>
#include <sys/stat.h>

#include <cstdio>
#include <exception>

#include "cmd/options/tables.hpp"
#include "io/checkpoint.hpp"
#include "io/open.hpp"
#include "io/multi_source.hpp"
#include "io/select.hpp"
#include "util/lines.hpp"
#include "util/text.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/log.hpp"
#include "util/provenance.hpp"

namespace scldm {

std::string Invocation::input(size_t i, const std::string& fallback) const {
  auto& p = args.positionals();
  return i < p.size() ? p[i] : fallback;
}

std::vector<std::string> Invocation::inputs() const { return expand_input_lists(args.positionals()); }

namespace {

// The non-blank lines of a hand-written list, without surrounding blanks,
// with their line numbers (1-based).
std::vector<std::pair<size_t, std::string>> listed_lines(const std::string& path) {
  std::vector<std::pair<size_t, std::string>> out;
  const std::vector<std::string> lines = read_lines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t first = lines[i].find_first_not_of(" \t"), last = lines[i].find_last_not_of(" \t");
    if (first != std::string::npos) out.emplace_back(i + 1, lines[i].substr(first, last - first + 1));
  }
  return out;
}

// The same file named twice (also through different paths) is a usage error.
void refuse_repeated_inputs(const std::vector<std::string>& paths) {
  std::vector<std::pair<dev_t, ino_t>> seen;
  for (const std::string& path : paths) {
    if (path == "-") throw UsageError("-: standard input can be one input, not one of several");
    struct stat st;
    const bool found = stat(path.c_str(), &st) == 0;
    if (std::count(paths.begin(), paths.end(), path) > 1 ||
        (found && std::count(seen.begin(), seen.end(), std::make_pair(st.st_dev, st.st_ino))))
      throw UsageError(path + ": given twice");
    if (found) seen.emplace_back(st.st_dev, st.st_ino);
  }
}

}  // namespace

std::vector<std::string> expand_input_lists(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& p : given) {
    if (p.size() < 2 || p[0] != '@') {
      out.push_back(p);
      continue;
    }
    const std::string list = p.substr(1);
    size_t before = out.size();
    for (auto& [number, line] : listed_lines(list)) out.push_back(line);
    if (out.size() == before) fail(list, "lists no input files");
  }
  if (out.empty()) out.push_back("-");
  return out;
}

nlohmann::json provenance(const Invocation& inv, const nlohmann::json& extra) {
  nlohmann::json j = {{"scldm_version", scldm_version()},
                      {"command", command_line()},
                      {"seed", inv.seed()},
                      {"date", utc_timestamp()}};
  for (auto& [k, v] : run_facts()) j[k] = v;
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

H5adOptions h5ad_options(const Invocation& inv) {
  H5adOptions o;
  o.layer = inv.args.text("layer");
  o.use_raw = inv.args.has("raw");
  o.gene_column = inv.args.text("gene-column");
  o.allow_non_integer = inv.args.has("allow-non-integer");
  return o;
}

std::unique_ptr<SelectedSource> open_cells(const Invocation& inv, const std::string& path) {
  refuse_terminal_input(path);
  return std::make_unique<SelectedSource>(open_counts(path, h5ad_options(inv)), inv.args.all("where"));
}

std::unique_ptr<SelectedSource> open_cells(const Invocation& inv, const std::vector<std::string>& paths) {
  if (paths.size() == 1) return open_cells(inv, paths[0]);
  refuse_repeated_inputs(paths);
  const std::string label = inv.args.text("source-label", "dataset");
  if (label.empty() || label.find('=') != std::string::npos)
    throw UsageError("--source-label: '" + label + "' cannot name a label (empty, or holds '=')");
  std::vector<std::unique_ptr<CountSource>> sources;
  for (const std::string& path : paths) sources.push_back(open_counts(path, h5ad_options(inv)));
  auto all = std::make_unique<MultiSource>(std::move(sources), label);
  return std::make_unique<SelectedSource>(std::move(all), inv.args.all("where"));
}

std::string joined_paths(const std::vector<std::string>& paths) {
  std::string out;
  for (auto& p : paths) out += (out.empty() ? "" : " ") + p;
  return out;
}

void note_panels(const CellSet& cells) {
  if (!cells.panels) return;
  for (const PanelSummary& s : summarize_panels(*cells.panels)) note(describe_panel(s, cells.vocabulary.size(), cells.panels->size()));
}

std::vector<std::string> vocabulary_option(const Invocation& inv) {
  if (!inv.args.has("genes")) return {};
  const std::string path = inv.args.text("genes");
  const auto lines = listed_lines(path);
  std::vector<std::string> genes;
  for (auto& [number, name] : lines) genes.push_back(name);
  if (genes.empty()) fail(path, "lists no genes");
  size_t first = 0, again = first_duplicate(genes, &first);
  if (again != std::string::npos)
    fail(path, "gene '" + genes[again] + "' is listed twice (lines " + std::to_string(lines[first].first) + " and " +
                   std::to_string(lines[again].first) + ")");
  return genes;
}

void refuse_terminal_input(const std::string& path) {
  if (path == "-" && stdin_is_terminal())
    throw UsageError("-: standard input is a terminal; give a file or pipe data in");
}

namespace {

int print_error(const std::string& msg, int status) {
  fflush(stdout);
  fprintf(stderr, "%s: %s\n", program_name().c_str(), msg.c_str());
  return status;
}

// KEY=VALUE for every label of a prior, for shell completion (reads the
// checkpoint's description only).
int print_prior_labels(const std::string& path) {
  CheckpointFile ck = read_checkpoint(path, false);
  if (json_string(ck.meta, "kind") != "prior") fail(path, "not a prior");
  for (auto& a : ck.meta.at("attributes"))
    for (auto& c : a.at("categories")) printf("%s=%s\n", a.at("name").get<std::string>().c_str(), c.get<std::string>().c_str());
  return 0;
}

// `scldm help [COMMAND]`, `scldm help --man [COMMAND]`, `scldm help --completion bash|zsh|fish`,
// `scldm help --labels PRIOR`.
int run_help(const std::vector<std::string>& rest) {
  const auto& cmds = all_commands();
  const char* date = "2026-11";
  if (!rest.empty() && rest[0] == "--man") {
    if (rest.size() == 1) {
      fputs(cli::man_page_index(cmds, scldm_version(), date).c_str(), stdout);
      return 0;
    }
    auto* c = find_command(rest[1]);
    if (!c) throw UsageError("no command '" + rest[1] + "'");
    fputs(cli::man_page(*c, scldm_version(), date).c_str(), stdout);
    return 0;
  }
  if (!rest.empty() && rest[0] == "--completion") {
    std::string shell = rest.size() > 1 ? rest[1] : "";
    if (shell == "bash") fputs(cli::bash_completion(cmds).c_str(), stdout);
    else if (shell == "zsh") fputs(cli::zsh_completion(cmds).c_str(), stdout);
    else if (shell == "fish") fputs(cli::fish_completion(cmds).c_str(), stdout);
    else throw UsageError("--completion: bash, zsh or fish");
    return 0;
  }
  if (!rest.empty() && rest[0] == "--labels") return print_prior_labels(rest.size() > 1 ? rest[1] : "prior.pt");
  if (!rest.empty()) {
    auto* c = find_command(rest[0]);
    if (!c) throw UsageError("no command '" + rest[0] + "'");
    fputs(cli::help_text(*c).c_str(), stdout);
    return 0;
  }
  fputs(cli::top_level_help(cmds, scldm_version()).c_str(), stdout);
  return 0;
}

void apply_common_options(const cli::Args& args) {
  if (args.has("quiet")) set_verbosity(Verbosity::quiet);
  else if (args.count("verbose") >= 2) set_verbosity(Verbosity::debug);
  else if (args.count("verbose") == 1) set_verbosity(Verbosity::verbose);
  args.integer_in("threads", 1, 1, 1024);
  std::string device = args.text("device", cli::table_default);
  bool cuda_index = device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
                    device.find_first_not_of("0123456789", 5) == std::string::npos;
  if (device != "cpu" && device != "cuda" && !cuda_index)
    throw UsageError("--device: expected cpu, cuda or cuda:N, got '" + device + "'");
  // Checked here, before any work: an empty name is always a mistake.
  if (args.has("output") && args.text("output").empty()) throw UsageError("-o: empty file name");
}

}  // namespace

int dispatch(int argc, char** argv, const std::map<std::string, Runner>& runners,
             const std::function<int(int, char**)>& fallback) {
  install_signal_handlers();
  set_command_line(argc, argv);
  if (argc < 2) {  // a usage error, like any other missing argument
    fputs(cli::top_level_help(all_commands(), scldm_version()).c_str(), stderr);
    return 2;
  }
  std::string name = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  try {
    if (name == "help" || name == "--help" || name == "-h") {
      int status = run_help(rest);
      close_stdout_or_throw();
      return status;
    }
    if (name == "--version") name = "version";
    const cli::Command* command = find_command(name);
    if (!command) throw UsageError("unknown command '" + name + "' (see 'scldm --help')");
    set_program_name("scldm " + name);
    if (cli::wants_help(rest)) {
      fputs(cli::help_text(*command).c_str(), stdout);
      close_stdout_or_throw();
      return 0;
    }
    Invocation inv{*command, cli::parse(*command, rest)};
    apply_common_options(inv.args);
    if (!command->implemented) throw Error("not implemented yet (see 'scldm " + name + " --help' for the plan)");
    auto it = runners.find(name);
    int status = it != runners.end() ? it->second(inv) : fallback(argc, argv);
    close_stdout_or_throw();
    return status;
  } catch (const UsageError& e) {
    return print_error(e.what(), 2);
  } catch (const Error& e) {
    return print_error(e.what(), 1);
  } catch (const std::bad_alloc&) {
    return print_error("out of memory", 1);
  } catch (const std::exception& e) {
    // A library's message (LibTorch adds a backtrace): its first line only.
    std::string what = e.what();
    return print_error("internal error: " + what.substr(0, what.find('\n')), 1);
  }
}

}  // namespace scldm
