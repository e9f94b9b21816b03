#include <gtest/gtest.h>

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
