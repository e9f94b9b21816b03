// Feeds arbitrary bytes, opened as an in-memory HDF5 file image, to the h5ad
// reader: schema, obs and var (every column), all blocks. It must read them
// or throw scldm::Error (or UsageError), never crash, hang, read out of
// bounds or leave an HDF5 object open. Crashes inside libhdf5 itself are
// found too (its code is not instrumented, but its faults stop the run): the
// real program reports those as a corrupt file (CrashContext); see
// bench/fuzz.sh for how they are told apart from ours.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz/read_image.hpp"
#include "io/h5ad_reader.hpp"
#include "io/hdf5.hpp"
#include "util/error.hpp"

namespace {

constexpr const char* kName = "fuzz.h5ad";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The last byte also picks reader options (it is part of the file too).
  uint8_t options = size ? data[size - 1] : 0;
  scldm::H5adOptions opt;
  opt.block_cells = 3;  // several blocks from small files
  opt.use_raw = options & 1;
  if (options & 2) opt.gene_column = "sym";
  if (options & 4) opt.layer = "counts";
  opt.allow_non_integer = options & 8;
  fuzz::read_h5ad_image(data, size, kName, opt);
  // Everything we opened is closed again (a leaked handle keeps the file,
  // its image and its metadata cache alive).
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) abort();
  return 0;
}
