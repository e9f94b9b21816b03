// The `scldm` executable. It holds the commands that need no model (info,
// convert, version, help) and starts in milliseconds; model commands are
// handed, after their options are checked, to the LibTorch helper
// `scldm-model`, which takes ~0.75 s just to load LibTorch.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cmd/runners.hpp"
#include "util/blas_kernel.hpp"
#include "util/huge_pages.hpp"
#include "util/error.hpp"

namespace scldm {

std::string model_helper() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw Error("cannot locate the scldm executable");
  self[n] = 0;
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  for (std::string candidate : {dir + "/scldm-model", dir + "/../libexec/scldm/scldm-model"})
    if (access(candidate.c_str(), X_OK) == 0) {
      choose_blas_kernel_for_helper();
      ask_huge_pages_for_helper();
      return candidate;
    }
  throw Error("cannot find the model helper scldm-model beside " + std::string(self) + " (incomplete install?)");
}

}  // namespace scldm

int main(int argc, char** argv) {
  using namespace scldm;
  std::map<std::string, Runner> runners = {
      {"info", run_info},
      {"convert", run_convert},
      {"simulate", run_simulate},
      {"version", run_version},
  };
  return dispatch(argc, argv, runners, [](int, char** av) -> int {
    std::string helper = model_helper();
    execv(helper.c_str(), av);
    throw Error("cannot run " + helper + ": " + strerror(errno));
  });
}
