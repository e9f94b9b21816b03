#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_info() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"info", "Files", "summarise an h5ad file, record stream or checkpoint",
       "Prints what a file holds: for h5ad the count matrix (location, encoding, value type, non-zeros), "
       "the obs and var columns, library sizes and all-zero cells; for a record stream its header and "
       "record count (reading the whole stream, so every checksum is verified).\n"
       "The format is recognised from the file's first bytes. Exit status 1 when the file is not valid.",
       {{"FILE", "file to describe ('-' for standard input)", true, false, {"h5ad", "lat", "scs", "pt"}}},
       {{0, "json", Kind::flag, "", "print the summary as JSON"}},
       {{"scldm info data.h5ad", "Summarise a dataset."},
        {"scldm convert data.h5ad - | scldm info -", "Count the records of a stream from a pipe."}}},
      {cell_input_options(), cli::common_options("where the summary goes", "-")});
  return c;
}

}  // namespace scldm
