#include "cli/options.hpp"

#include <algorithm>
#include <cstdio>

#include "util/error.hpp"
#include "util/text.hpp"

namespace scldm::cli {

std::vector<Option> common_options(const std::string& output_help, const std::string& output_default) {
  std::vector<Option> o;
  o.push_back({'o', "output", Kind::file, "FILE", output_help, output_default});
  o.push_back({'@', "threads", Kind::integer, "INT", "number of threads", "all cores"});
  o.push_back({0, "seed", Kind::integer, "INT", "random seed", "0"});
  o.push_back({0, "device", Kind::text, "DEV", "device: cpu, cuda or cuda:N", "cpu", {"cpu", "cuda", "cuda:0"}});
  o.push_back({'q', "quiet", Kind::flag, "", "print only errors"});
  Option verbose{'v', "verbose", Kind::flag, "", "print more detail (repeat for more)"};
  verbose.repeatable = true;
  o.push_back(verbose);
  o.push_back({'h', "help", Kind::flag, "", "print this help and exit"});
  return o;
}

namespace {

const Option* find_long(const Command& c, const std::string& name) {
  for (auto& o : c.options)
    if (o.long_name == name) return &o;
  return nullptr;
}

const Option* find_short(const Command& c, char s) {
  for (auto& o : c.options)
    if (o.short_name == s) return &o;
  return nullptr;
}

std::string display(const Option& o) { return o.short_name ? std::string("-") + o.short_name : "--" + o.long_name; }

void check_value(const Option& o, const std::string& v) {
  switch (o.kind) {
    case Kind::integer:
      if (!parse_int(v)) throw UsageError(display(o) + ": expected an integer, got '" + v + "'");
      break;
    case Kind::number:
      if (!parse_double(v)) throw UsageError(display(o) + ": expected a number, got '" + v + "'");
      break;
    case Kind::size:
      if (!parse_byte_size(v)) throw UsageError(display(o) + ": expected a size such as 512M or 4G, got '" + v + "'");
      break;
    case Kind::choice:
      if (std::find(o.choices.begin(), o.choices.end(), v) == o.choices.end())
        throw UsageError(display(o) + ": '" + v + "' is not one of " + join(o.choices, ", "));
      break;
    default:
      break;
  }
}

// As many positional arguments as the command takes.
void check_positionals(const Command& c, const std::vector<std::string>& given) {
  size_t required = 0, max = 0;
  bool unbounded = false;
  for (auto& p : c.positionals) {
    if (!p.optional) ++required;
    ++max;
    unbounded |= p.repeatable;
  }
  if (given.size() < required)
    throw UsageError("missing " + c.positionals[given.size()].name + " (see 'scldm " + c.name + " --help')");
  if (!unbounded && given.size() > max) throw UsageError("unexpected argument '" + given[max] + "'");
}

}  // namespace

bool wants_help(const std::vector<std::string>& argv) {
  for (auto& a : argv) {
    if (a == "--") return false;
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

Args parse(const Command& c, const std::vector<std::string>& argv) {
  Args args;
  args.command_ = &c;
  auto store = [&](const Option& o, const std::string& v) {
    auto& slot = args.values_[o.long_name];
    if (!slot.empty() && !o.repeatable && o.kind != Kind::flag)
      throw UsageError(display(o) + " given more than once");
    if (o.kind != Kind::flag) check_value(o, v);
    slot.push_back(v);
  };
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options_done || a == "-" || a.size() < 2 || a[0] != '-') {
      args.positionals_.push_back(a);
    } else if (a == "--") {
      options_done = true;
    } else if (a[1] == '-') {
      auto eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const Option* o = find_long(c, name);
      if (!o) throw UsageError("unknown option --" + name + " (see 'scldm " + c.name + " --help')");
      if (o->kind == Kind::flag) {
        if (eq != std::string::npos) throw UsageError("--" + name + " takes no value");
        store(*o, "");
      } else if (eq != std::string::npos) {
        store(*o, a.substr(eq + 1));
      } else {
        if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value (" + o->metavar + ")");
        store(*o, argv[++i]);
      }
    } else {
      // Clustered short flags (-qv); a value may follow attached (-o-) or apart.
      for (size_t k = 1; k < a.size(); ++k) {
        const Option* o = find_short(c, a[k]);
        if (!o) throw UsageError(std::string("unknown option -") + a[k] + " (see 'scldm " + c.name + " --help')");
        if (o->kind == Kind::flag) {
          store(*o, "");
          continue;
        }
        if (k + 1 < a.size()) {
          store(*o, a.substr(k + 1));
        } else {
          if (i + 1 >= argv.size()) throw UsageError(std::string("-") + a[k] + " needs a value (" + o->metavar + ")");
          store(*o, argv[++i]);
        }
        break;
      }
    }
  }
  check_positionals(c, args.positionals_);
  return args;
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

int Args::count(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0 : int(it->second.size());
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

int64_t Args::integer(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : *parse_int(it->second.back());
}

double Args::number(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : *parse_double(it->second.back());
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t Args::integer_in(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const {
  int64_t v = integer(name, fallback);
  if (v < lo || v > hi)
    throw UsageError("--" + name + ": " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return v;
}

double Args::number_in(const std::string& name, double fallback, double lo, double hi) const {
  double v = number(name, fallback);
  auto text = [](double x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%g", x);
    return std::string(buf);
  };
  if (!(v >= lo && v <= hi))  // NaN fails too
    throw UsageError("--" + name + ": " + this->text(name) + " is outside [" + text(lo) + ", " + text(hi) + "]");
  return v;
}

std::optional<std::string> literal_default(const Option& o) {
  const std::string& d = o.default_value;
  if (d.empty()) return std::nullopt;
  if (!o.choices.empty()) {
    if (std::find(o.choices.begin(), o.choices.end(), d) != o.choices.end()) return d;
    return std::nullopt;
  }
  if (o.kind == Kind::integer && parse_int(d)) return d;
  if (o.kind == Kind::number && parse_double(d)) return d;
  if (o.kind == Kind::size && parse_byte_size(d)) return d;
  return std::nullopt;
}

// The option of `name` whose table states a default that `stated` accepts;
// a runner asking for a default its table does not state is a bug.
template <typename Stated>
const std::string& default_of(const Command* command, const std::string& name, Stated stated) {
  const Option* o = command ? find_long(*command, name) : nullptr;
  if (!o || !stated(*o))
    throw std::logic_error("option table of '" + (command ? command->name : std::string("?")) + "': --" + name +
                           " states no default value");
  return o->default_value;
}

const std::string& Args::stated_default(const std::string& name) const {
  return default_of(command_, name, [](const Option& o) { return !o.default_value.empty(); });
}

const std::string& Args::table_default(const std::string& name) const {
  return default_of(command_, name, [](const Option& o) { return literal_default(o).has_value(); });
}

std::string Args::text(const std::string& name, TableDefault) const {
  return has(name) ? text(name) : table_default(name);
}

int64_t Args::integer(const std::string& name, TableDefault) const {
  return integer(name, *parse_int(table_default(name)));
}

int64_t Args::integer_in(const std::string& name, TableDefault, int64_t lo, int64_t hi) const {
  return integer_in(name, *parse_int(table_default(name)), lo, hi);
}

double Args::number_in(const std::string& name, TableDefault, double lo, double hi) const {
  return number_in(name, *parse_double(table_default(name)), lo, hi);
}

}  // namespace scldm::cli
