// What both h5ad fuzzers do with an HDF5 file image: read obs and var (every
// column) and every block of counts. Only scldm::Error and UsageError may
// come out of it; anything else (a crash, a sanitizer report) is a finding.
#pragma once
#include <cstddef>
#include <vector>

#include "io/h5ad_frame.hpp"
#include "io/h5ad_reader.hpp"
#include "io/hdf5.hpp"
#include "util/error.hpp"

namespace fuzz {

inline void read_frame(hid_t file, const char* group, const char* name) {
  try {
    scldm::FrameReader frame(file, group, name);
    for (auto& c : frame.columns()) {
      try {
        frame.read_strings(c.name);
        std::vector<int32_t> codes;
        if (c.is_label()) frame.read_labels(c.name, codes);
      } catch (const scldm::Error&) {
      }
    }
  } catch (const scldm::Error&) {
  }
}

inline void read_h5ad_image(const void* image, size_t size, const char* name, const scldm::H5adOptions& options) {
  try {
    scldm::h5::Handle file = scldm::h5::open_file_image(image, size, name);
    read_frame(file, "obs", name);
    read_frame(file, "var", name);
    scldm::H5adReader reader(std::move(file), name, options);
    scldm::CountBlock block;
    while (reader.next(block)) {
    }
  } catch (const scldm::Error&) {
  } catch (const scldm::UsageError&) {
  }
}

}  // namespace fuzz
