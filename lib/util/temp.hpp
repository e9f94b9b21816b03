// Temporary files that are removed at exit and on a fatal signal (the
// handlers live in util/process), and spooling a pipe to one.
#pragma once
#include <string>

#include "util/bytes.hpp"

namespace scldm {

// Removes a temporary file at exit or on a fatal signal unless forgotten
// first (forget_temp). Throws when too many are registered.
void register_temp(const std::string& path);
void forget_temp(const std::string& path);
// Removes every registered temporary file (async-signal-safe).
void remove_registered_temps();

// A new temporary file in $TMPDIR (or /tmp), named scldm-<what>-XXXXXX and
// removed at exit: returns its path and an open descriptor.
std::string make_spool_file(const std::string& what, int* fd);

// Copies what `in` has left to a temporary file (removed at exit) and
// returns its path: HDF5 cannot read a pipe (standard input, a FIFO, a
// process substitution). `name` is the input's name in messages.
std::string spool_stdin_to_temp(ByteReader& in, const std::string& name = "-");

}  // namespace scldm
