#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "cli/options.hpp"
#include "cmd/options/tables.hpp"
#include "util/error.hpp"

using namespace scldm;
using cli::Kind;

namespace {

cli::Command toy() {
  cli::Command c;
  c.name = "toy";
  c.summary = "a toy";
  c.positionals = {{"IN", "input", false, false}, {"OUT", "output", true, false}};
  cli::Option where{0, "where", Kind::text, "K=V", "select"};
  where.repeatable = true;
  cli::Option verbose{'v', "verbose", Kind::flag, "", "more"};
  verbose.repeatable = true;
  c.options = {{'o', "output", Kind::file, "FILE", "out"},
               {'n', "cells", Kind::integer, "INT", "count"},
               {0, "solver", Kind::choice, "NAME", "solver", "heun", {"euler", "heun"}},
               {'q', "quiet", Kind::flag, "", "quiet"},
               where,
               verbose};
  return c;
}

}  // namespace

TEST(Options, ParsesLongShortAttachedAndClustered) {
  auto a = cli::parse(toy(), {"in.h5ad", "-o", "x", "--cells=5", "-qvv", "--where", "a=1", "--where=b=2"});
  EXPECT_EQ(a.positionals(), std::vector<std::string>{"in.h5ad"});
  EXPECT_EQ(a.text("output"), "x");
  EXPECT_EQ(a.integer("cells", 0), 5);
  EXPECT_EQ(cli::parse(toy(), {"in", "-n7"}).integer("cells", 0), 7);
  EXPECT_TRUE(a.has("quiet"));
  EXPECT_EQ(a.count("verbose"), 2);
  EXPECT_EQ(a.all("where"), (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(Options, RejectsWhatIsWrong) {
  EXPECT_THROW(cli::parse(toy(), {}), UsageError);                              // missing IN
  EXPECT_THROW(cli::parse(toy(), {"a", "b", "c"}), UsageError);                 // extra positional
  EXPECT_THROW(cli::parse(toy(), {"a", "--bogus"}), UsageError);                // unknown
  EXPECT_THROW(cli::parse(toy(), {"a", "-n", "3x"}), UsageError);               // strict integer
  EXPECT_THROW(cli::parse(toy(), {"a", "--solver", "rk4"}), UsageError);        // choice
  EXPECT_THROW(cli::parse(toy(), {"a", "-o", "x", "-o", "y"}), UsageError);     // not repeatable
  EXPECT_THROW(cli::parse(toy(), {"a", "--quiet=1"}), UsageError);              // flag with value
  EXPECT_THROW(cli::parse(toy(), {"a", "-o"}), UsageError);                     // missing value
}

TEST(Options, DashIsAPositionalAndDoubleDashEndsOptions) {
  auto a = cli::parse(toy(), {"-", "--", "-weird-name"});
  EXPECT_EQ(a.positionals(), (std::vector<std::string>{"-", "-weird-name"}));
}

TEST(Options, RangesAreChecked) {
  auto a = cli::parse(toy(), {"a", "-n", "0"});
  EXPECT_THROW(a.integer_in("cells", 1, 1, 10), UsageError);
  EXPECT_EQ(cli::parse(toy(), {"a"}).integer_in("cells", 4, 1, 10), 4);
}

TEST(Tables, EveryCommandHasUniqueOptionsAndTheCommonOnes) {
  std::set<std::string> names;
  for (auto* c : all_commands()) {
    EXPECT_TRUE(names.insert(c->name).second) << c->name;
    std::set<std::string> longs;
    std::set<char> shorts;
    for (auto& o : c->options) {
      EXPECT_TRUE(longs.insert(o.long_name).second) << c->name << " --" << o.long_name;
      if (o.short_name) {
        EXPECT_TRUE(shorts.insert(o.short_name).second) << c->name << " -" << o.short_name;
      }
      EXPECT_FALSE(o.help.empty()) << c->name << " --" << o.long_name;
    }
    for (auto* common : {"output", "threads", "seed", "device", "quiet", "verbose", "help"})
      EXPECT_TRUE(longs.count(common)) << c->name << " lacks --" << common;
  }
}

TEST(Tables, HelpManAndCompletionNameEveryOption) {
  std::string completion = cli::bash_completion(all_commands());
  for (auto* c : all_commands()) {
    std::string help = cli::help_text(*c);
    std::string man = cli::man_page(*c, "0", "2026");
    for (auto& o : c->options) {
      EXPECT_NE(help.find("--" + o.long_name), std::string::npos) << c->name << " --" << o.long_name;
      // roff escapes dashes.
      std::string escaped;
      for (char ch : o.long_name) escaped += ch == '-' ? std::string("\\-") : std::string(1, ch);
      EXPECT_NE(man.find("\\-\\-" + escaped), std::string::npos) << c->name << " --" << o.long_name;
      EXPECT_NE(completion.find("--" + o.long_name), std::string::npos) << o.long_name;
    }
    for (auto* section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH EXIT STATUS",
                          ".SH ENVIRONMENT", ".SH FILES", ".SH SEE ALSO"})
      EXPECT_NE(man.find(section), std::string::npos) << c->name << " " << section;
  }
}

TEST(Options, TableDefaultsAreReadFromTheTable) {
  cli::Command c = toy();
  c.options.push_back({0, "steps", Kind::integer, "INT", "steps", "50"});
  c.options.push_back({0, "rate", Kind::number, "FLOAT", "rate", "all"});
  auto a = cli::parse(c, {"in"});
  EXPECT_EQ(a.text("solver", cli::table_default), "heun");
  EXPECT_EQ(a.integer_in("steps", cli::table_default, 1, 100), 50);
  EXPECT_THROW(a.integer_in("steps", cli::table_default, 60, 100), UsageError);  // the default is range-checked too
  EXPECT_THROW(a.number_in("rate", cli::table_default, 0, 1), std::logic_error);  // "all" is no value
  EXPECT_THROW(a.integer_in("cells", cli::table_default, 0, 1), std::logic_error);  // no default at all
  auto given = cli::parse(c, {"in", "--steps", "7", "--solver", "euler"});
  EXPECT_EQ(given.integer_in("steps", cli::table_default, 1, 100), 7);
  EXPECT_EQ(given.text("solver", cli::table_default), "euler");
}

// Defaults are written once, in the option tables: a runner (cmd/*.cpp) that
// passes a fallback for an option whose table states a value would write it
// twice, and one that asks for the table's default of an option that states
// none would fail at run time.
TEST(Tables, RunnersTakeDefaultsFromTheTables) {
  // The options a runner file may read: its command's, or every command's for the shared files.
  auto options_of = [](const std::string& file) {
    std::vector<const cli::Option*> out;
    for (auto* c : all_commands())
      if (file.rfind("common", 0) == 0 || c->name == file)
        for (auto& o : c->options) out.push_back(&o);
    return out;
  };
  const std::regex call(R"re(\.(text|integer|number|integer_in|number_in)\(\s*"([a-z0-9-]+)"\s*,\s*([^,)]+))re");
  size_t checked = 0;
  for (std::string file : {"classify.cpp", "common.cpp", "common-model.cpp", "common.hpp", "convert.cpp", "decode.cpp",
                           "encode.cpp", "eval.cpp", "fit-prior.cpp", "fit-vae.cpp", "info.cpp", "sample.cpp",
                           "simulate.cpp", "version.cpp"}) {
    std::string path = std::string(SCLDM_SOURCE_DIR) + "/cmd/" + file;
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto options = options_of(file.substr(0, file.find('.')));
    for (std::sregex_iterator m(source.begin(), source.end(), call), end; m != end; ++m) {
      std::string name = (*m)[2], fallback = (*m)[3];
      size_t tables = 0, stated = 0;
      for (auto* o : options)
        if (o->long_name == name) ++tables, stated += cli::literal_default(*o).has_value();
      ASSERT_GT(tables, 0u) << path << ": --" << name << " is in no table it reads";
      if (fallback.find("table_default") != std::string::npos)
        EXPECT_EQ(stated, tables) << path << ": --" << name << " reads a default its table does not state";
      else
        EXPECT_EQ(stated, 0u) << path << ": --" << name << "'s default is written here and in its table";
      ++checked;
    }
  }
  EXPECT_GT(checked, 40u);
}

TEST(Tables, StatedDefaultsAreValidValues) {
  for (auto* c : all_commands())
    for (auto& o : c->options) {
      if (o.default_value.empty() || o.kind == Kind::flag) continue;
      bool numeric = o.kind == Kind::integer || o.kind == Kind::number || o.kind == Kind::size;
      bool value = cli::literal_default(o).has_value();
      // A number, a choice, or a description in words (no digits to be misread).
      if (numeric || !o.choices.empty())
        EXPECT_TRUE(value || o.default_value.find_first_of("0123456789") == std::string::npos)
            << c->name << " --" << o.long_name << ": default '" << o.default_value << "'";
      std::vector<std::string> argv{"--" + o.long_name, o.default_value};
      for (auto& p : c->positionals)
        if (!p.optional) argv.push_back("x");
      if (value) EXPECT_NO_THROW(cli::parse(*c, argv)) << c->name << " --" << o.long_name << " rejects its own default";
    }
}
