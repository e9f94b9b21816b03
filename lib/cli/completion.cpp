// Shell completions generated from the option tables.
#include <set>
#include <sstream>

#include "cli/options.hpp"
#include "util/text.hpp"

namespace scldm::cli {
namespace {

// Extensions a command's positionals accept (empty: any file).
std::vector<std::string> positional_extensions(const Command& c) {
  std::set<std::string> all;
  for (auto& p : c.positionals) all.insert(p.extensions.begin(), p.extensions.end());
  return {all.begin(), all.end()};
}

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// --- bash -------------------------------------------------------------------

std::string bash_files(const std::vector<std::string>& ext) {
  return ext.empty() ? "_scldm_files" : "_scldm_files '" + join(ext, "|") + "'";
}

const char* kBashHelpers = R"BASH(_scldm_files() {  # directories and files with one of the extensions ($1: a|b)
  local IFS=$'\n'
  if [ -n "$1" ]; then
    COMPREPLY=($(compgen -d -- "$cur"; compgen -f -X "!*.@($1)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_scldm_prior() {  # the prior on the line, else $SCLDM_PRIOR, else ./prior.pt
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [ "${COMP_WORDS[i]}" = --prior ]; then echo "${COMP_WORDS[i+1]}"; return; fi
  done
  echo "${SCLDM_PRIOR:-prior.pt}"
}
_scldm_labels() {  # KEY=VALUE labels of the prior; after "KEY=" (bash splits at '=') its values
  local IFS=$'\n' labels
  labels=$("${COMP_WORDS[0]}" help --labels "$(_scldm_prior)" 2>/dev/null) || return
  if [ "$prev" = "=" ]; then
    labels=$(printf '%s\n' $labels | sed -n "s/^${COMP_WORDS[COMP_CWORD-2]}=//p")
  fi
  COMPREPLY=($(compgen -W "$labels" -- "$cur"))
}
)BASH";

}  // namespace

std::string bash_completion(const std::vector<const Command*>& commands) {
  std::ostringstream o;
  o << "# bash completion for scldm. Generated from the option tables by\n"
       "# 'scldm help --completion bash'; do not edit.\n"
    << kBashHelpers
    << "_scldm() {\n"
       "  local cur prev cmd\n"
       "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
       "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
       "  cmd=\"${COMP_WORDS[1]}\"\n"
       "  shopt -s extglob\n"
       "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
       "    COMPREPLY=($(compgen -W \"";
  for (auto* c : commands) o << c->name << " ";
  o << "help\" -- \"$cur\"))\n    return\n  fi\n  case \"$cmd\" in\n";
  for (auto* c : commands) {
    o << "    " << c->name << ")\n";
    for (auto& opt : c->options)
      if (opt.prior_labels)
        o << "      if [ \"$prev\" = = ] && [ \"${COMP_WORDS[COMP_CWORD-3]}\" = --" << opt.long_name
          << " ]; then _scldm_labels; return; fi\n";
    o << "      case \"$prev\" in\n";
    for (auto& opt : c->options) {
      if (opt.kind == Kind::flag) continue;
      o << "        ";
      if (opt.short_name) o << "-" << opt.short_name << "|";
      o << "--" << opt.long_name << ") ";
      if (opt.prior_labels) o << "_scldm_labels; return;;\n";
      else if (!opt.choices.empty()) o << "COMPREPLY=($(compgen -W \"" << join(opt.choices, " ") << "\" -- \"$cur\")); return;;\n";
      else if (opt.kind == Kind::file) o << bash_files(opt.extensions) << "; return;;\n";
      else o << "return;;\n";
    }
    o << "      esac\n      if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"";
    for (auto& opt : c->options) {
      if (opt.short_name) o << "-" << opt.short_name << " ";
      o << "--" << opt.long_name << " ";
    }
    o << "\" -- \"$cur\"))\n      else\n        " << bash_files(positional_extensions(*c)) << "\n      fi\n      ;;\n";
  }
  o << "  esac\n}\ncomplete -o filenames -F _scldm scldm\n";
  return o.str();
}

// --- zsh --------------------------------------------------------------------

namespace {

// A description inside an _arguments spec: brackets and colons escaped.
std::string zsh_description(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

std::string zsh_action(const Option& opt) {
  if (opt.prior_labels) return "_scldm_labels";
  if (!opt.choices.empty()) return "(" + join(opt.choices, " ") + ")";
  if (opt.kind == Kind::file)
    return opt.extensions.empty() ? "_files" : "_files -g \"*.(" + join(opt.extensions, "|") + ")\"";
  return " ";
}

}  // namespace

std::string zsh_completion(const std::vector<const Command*>& commands) {
  std::ostringstream o;
  o << "#compdef scldm\n# zsh completion for scldm. Generated from the option tables by\n"
       "# 'scldm help --completion zsh'; do not edit.\n\n"
       "_scldm_labels() {  # KEY=VALUE labels of the prior on the line, $SCLDM_PRIOR or ./prior.pt\n"
       "  local prior=${opt_args[--prior]:-${SCLDM_PRIOR:-prior.pt}}\n"
       "  local -a labels\n"
       "  labels=(${(f)\"$(${words[1]} help --labels $prior 2>/dev/null)\"})\n"
       "  compadd -a labels\n"
       "}\n\n"
       "_scldm() {\n  local -a commands\n  commands=(\n";
  for (auto* c : commands) o << "    " << single_quoted(c->name + ":" + zsh_description(c->summary)) << "\n";
  o << "    'help:help, man pages and completions'\n  )\n"
       "  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n"
       "  local cmd=${words[2]}\n  shift words\n  (( CURRENT-- ))\n  case $cmd in\n";
  for (auto* c : commands) {
    o << "    " << c->name << ")\n      _arguments -s";
    for (auto& opt : c->options) {
      std::string desc = "[" + zsh_description(opt.help) + "]";
      std::string value = opt.kind == Kind::flag ? "" : ":" + zsh_description(opt.metavar) + ":" + zsh_action(opt);
      std::string prefix = opt.repeatable ? "*" : "";
      if (opt.short_name) {
        std::string exclusive = opt.repeatable ? "" : "(-" + std::string(1, opt.short_name) + " --" + opt.long_name + ")";
        o << " \\\n        " << single_quoted(exclusive + prefix) << "{-" << opt.short_name << ",--" << opt.long_name
          << "}" << single_quoted(desc + value);
      } else {
        o << " \\\n        " << single_quoted(prefix + "--" + opt.long_name + desc + value);
      }
    }
    auto ext = positional_extensions(*c);
    if (!c->positionals.empty())
      o << " \\\n        " << single_quoted("*:file:" + (ext.empty() ? std::string("_files") : "_files -g \"*.(" + join(ext, "|") + ")\""));
    o << "\n      ;;\n";
  }
  o << "    help)\n      _arguments '1:command:(--man --completion --labels " ;
  for (auto* c : commands) o << c->name << " ";
  o << ")' '2:shell:(bash zsh fish)'\n      ;;\n  esac\n}\n\n_scldm \"$@\"\n";
  return o.str();
}

// --- fish -------------------------------------------------------------------

std::string fish_completion(const std::vector<const Command*>& commands) {
  std::ostringstream o;
  o << "# fish completion for scldm. Generated from the option tables by\n"
       "# 'scldm help --completion fish'; do not edit.\n\n"
       "function __scldm_prior --description 'the prior on the line, $SCLDM_PRIOR or ./prior.pt'\n"
       "    set -l tokens (commandline -opc)\n"
       "    set -l i (contains -i -- --prior $tokens)\n"
       "    if test -n \"$i\"; and test (count $tokens) -gt $i\n"
       "        echo $tokens[(math $i + 1)]\n"
       "    else if set -q SCLDM_PRIOR\n"
       "        echo $SCLDM_PRIOR\n"
       "    else\n"
       "        echo prior.pt\n"
       "    end\n"
       "end\n\n"
       "complete -c scldm -f\n";
  for (auto* c : commands)
    o << "complete -c scldm -n __fish_use_subcommand -a " << c->name << " -d " << single_quoted(c->summary) << "\n";
  o << "complete -c scldm -n __fish_use_subcommand -a help -d 'help, man pages and completions'\n";
  for (auto* c : commands) {
    std::string when = " -n " + single_quoted("__fish_seen_subcommand_from " + c->name);
    o << "\n";
    for (auto& opt : c->options) {
      o << "complete -c scldm" << when << " -l " << opt.long_name;
      if (opt.short_name) o << " -s " << opt.short_name;
      if (opt.prior_labels) o << " -x -a '(scldm help --labels (__scldm_prior) 2>/dev/null)'";
      else if (!opt.choices.empty()) o << " -x -a " << single_quoted(join(opt.choices, " "));
      else if (opt.kind == Kind::file && opt.extensions.empty()) o << " -r -F";
      else if (opt.kind == Kind::file) {
        std::vector<std::string> suffixes;
        for (auto& e : opt.extensions) suffixes.push_back("." + e);
        o << " -r -a " << single_quoted("(__fish_complete_suffix " + join(suffixes, " ") + ")");
      } else if (opt.kind != Kind::flag) o << " -x";
      o << " -d " << single_quoted(opt.help) << "\n";
    }
    auto ext = positional_extensions(*c);
    if (!c->positionals.empty()) {
      std::vector<std::string> suffixes;
      for (auto& e : ext) suffixes.push_back("." + e);
      o << "complete -c scldm" << when
        << (ext.empty() ? std::string(" -F") : " -a " + single_quoted("(__fish_complete_suffix " + join(suffixes, " ") + ")")) << "\n";
    }
  }
  return o.str();
}

}  // namespace scldm::cli
