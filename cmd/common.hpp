// Plumbing shared by the subcommands: dispatch from argv to a runner, the
// options every command takes, and the error-to-exit-status mapping.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/options.hpp"
#include "io/cell_set.hpp"
#include "io/cells.hpp"
#include "io/h5ad_reader.hpp"
#include "io/select.hpp"

namespace scldm {

// What a runner receives: the parsed options and the command's table.
struct Invocation {
  const cli::Command& command;
  cli::Args args;
  std::string input(size_t i = 0, const std::string& fallback = "-") const;
  // Every positional input, @FILE expanded to the paths it lists (one per line).
  std::vector<std::string> inputs() const;
  std::string output(const std::string& fallback) const { return args.text("output", fallback); }
  int64_t seed() const { return args.integer("seed", cli::table_default); }
};

using Runner = std::function<int(const Invocation&)>;

// Parses argv, runs the named command's runner, prints errors as
// "scldm <cmd>: <message>" and returns the exit status. Commands without a
// runner here are handed to `fallback` (the main binary execs the LibTorch
// helper).
int dispatch(int argc, char** argv, const std::map<std::string, Runner>& runners,
             const std::function<int(int, char**)>& fallback);

// Paths with every @FILE replaced by the paths it lists (one per line); none: "-".
std::vector<std::string> expand_input_lists(const std::vector<std::string>& given);

// Provenance for outputs: version, command line, seed, time, plus `extra`.
nlohmann::json provenance(const Invocation& inv, const nlohmann::json& extra = nlohmann::json::object());

// --layer, --raw, --gene-column, --allow-non-integer.
H5adOptions h5ad_options(const Invocation& inv);
// Counts from an h5ad file or counts stream, narrowed by --where.
std::unique_ptr<SelectedSource> open_cells(const Invocation& inv, const std::string& path);
// Several files read as one (MultiSource, --source-label), narrowed by --where;
// one file as open_cells.
std::unique_ptr<SelectedSource> open_cells(const Invocation& inv, const std::vector<std::string>& paths);
// The paths as one string for messages and provenance ("a.h5ad b.h5ad").
std::string joined_paths(const std::vector<std::string>& paths);
// Says which vocabulary genes each file measured (nothing when all did).
void note_panels(const CellSet& cells);
// The vocabulary of --genes FILE (one name per line), or empty.
std::vector<std::string> vocabulary_option(const Invocation& inv);

// Refuses to read binary or h5ad data from a terminal.
void refuse_terminal_input(const std::string& path);

}  // namespace scldm
