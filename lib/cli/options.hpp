// One declarative option table per subcommand. The same table drives
// parsing, --help, the man pages and the shell completions, so they cannot
// drift apart (tests/unit/cli_test.cpp and tests/cli/docs.bats check it).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scldm::cli {

enum class Kind { flag, integer, number, size, text, file, choice };  // size: bytes, "512M", "4G"

struct Option {
  char short_name = 0;  // 0: long form only
  std::string long_name;
  Kind kind = Kind::flag;
  std::string metavar;  // "FILE", "INT"; empty for flags
  std::string help;
  std::string default_value;  // shown as [default]
  std::vector<std::string> choices;  // Kind::choice, and completion values
  std::vector<std::string> extensions;  // Kind::file: completion filter
  bool repeatable = false;
  bool prior_labels = false;  // completes as KEY=VALUE labels of the prior (sample --condition)
};

struct Positional {
  std::string name;  // "IN"
  std::string help;
  bool optional = false;
  bool repeatable = false;
  std::vector<std::string> extensions;
};

struct Example {
  std::string command;
  std::string explanation;
};

struct Command {
  std::string name;
  std::string group;    // Model, Generate, Analyse, Files, Other
  std::string summary;  // one line
  std::string description;  // paragraphs separated by blank lines
  std::vector<Positional> positionals;
  std::vector<Option> options;
  std::vector<Example> examples;
  bool needs_model = false;  // runs in the LibTorch helper
  bool implemented = true;
  std::string exit_status;  // extra EXIT STATUS text
  std::string environment;  // ENVIRONMENT text
  std::string files;        // FILES text
};

// The options every command takes (-o, -@, --seed, --device, -q, -v, -h);
// `output_help` says what -o writes, `output_default` where it goes.
std::vector<Option> common_options(const std::string& output_help, const std::string& output_default);

// Selects the accessors of Args that read the option table's default.
struct TableDefault {};
inline constexpr TableDefault table_default{};

// A table's stated default as a value: an integer or number that parses,
// or one of the option's choices. Empty when the default is a description
// ("all cores", "stdout") that the runner works out.
std::optional<std::string> literal_default(const Option& option);

class Args {
 public:
  bool has(const std::string& name) const;
  int count(const std::string& name) const;  // times a flag was given
  std::string text(const std::string& name, const std::string& fallback = "") const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  double number(const std::string& name, double fallback) const;
  std::vector<std::string> all(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  // Throws a UsageError unless the value lies in [lo, hi].
  int64_t integer_in(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const;
  double number_in(const std::string& name, double fallback, double lo, double hi) const;

  // The same, where an option not given takes the default its table states:
  // the one place a default is written (tests/unit/cli_test.cpp checks that
  // runners pass no fallback for an option whose table has one).
  std::string text(const std::string& name, TableDefault) const;
  int64_t integer(const std::string& name, TableDefault) const;
  int64_t integer_in(const std::string& name, TableDefault, int64_t lo, int64_t hi) const;
  double number_in(const std::string& name, TableDefault, double lo, double hi) const;
  // The table's default as written, for a repeatable option the runner
  // merges with what was given (sample's --cfg KEY=W over W).
  const std::string& stated_default(const std::string& name) const;

 private:
  friend Args parse(const Command&, const std::vector<std::string>&);
  const std::string& table_default(const std::string& name) const;
  const Command* command_ = nullptr;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

// Parses argv after the command name. UsageError on anything wrong.
Args parse(const Command& command, const std::vector<std::string>& argv);
bool wants_help(const std::vector<std::string>& argv);

// Renderings of a table.
std::string help_text(const Command& command);
std::string synopsis(const Command& command);
std::string man_page(const Command& command, const std::string& version, const std::string& date);
std::string man_page_index(const std::vector<const Command*>& commands, const std::string& version,
                           const std::string& date);
// Shell completion scripts (lib/cli/completion.cpp): subcommands, options,
// files by extension, choices, and the labels of a prior for sample
// --condition (through `scldm help --labels PRIOR`).
std::string bash_completion(const std::vector<const Command*>& commands);
std::string zsh_completion(const std::vector<const Command*>& commands);
std::string fish_completion(const std::vector<const Command*>& commands);
std::string top_level_help(const std::vector<const Command*>& commands, const std::string& version);

}  // namespace scldm::cli
