#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_version() {
  static const cli::Command c = make_command(
      {"version", "Other", "print the versions of scldm and its libraries",
       "Prints the versions of scldm, LibTorch, HDF5 and zstd. With -v it also asks the LibTorch helper "
       "which devices and how many threads it sees (this loads LibTorch and takes about a second).",
       {},
       {},
       {{"scldm version", "Versions, instantly."}, {"scldm version -v", "Also the devices LibTorch sees."}}},
      {cli::common_options("where to print", "-")});
  return c;
}

}  // namespace scldm
