// scldm version: library versions without loading LibTorch; -v asks the helper.
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>

#include "cmd/runners.hpp"
#include "util/error.hpp"
#include "util/bytes.hpp"
#include "util/output.hpp"
#include "util/log.hpp"
#include "util/provenance.hpp"

#ifndef SCLDM_TORCH_VERSION
#define SCLDM_TORCH_VERSION "unknown"
#endif

namespace scldm {

int run_version(const Invocation& inv) {
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  std::string text = std::string("scldm ") + scldm_version() + "\n" + "LibTorch " + SCLDM_TORCH_VERSION +
                     " (built against)\n" + "HDF5 " + std::to_string(maj) + "." + std::to_string(min) + "." +
                     std::to_string(rel) + "\n" + "zstd " + ZSTD_versionString() + "\n";
  OutputFile out(inv.output("-"), false);
  ByteWriter w(out.fd(), out.path());
  w.write(text.data(), text.size());
  w.flush();
  out.commit();
  if (verbosity() >= Verbosity::verbose && out.is_stdout()) {
    fflush(stdout);
    std::string helper = model_helper();
    pid_t pid = fork();
    if (pid == 0) {
      execl(helper.c_str(), helper.c_str(), "--torch-info", (char*)nullptr);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error(helper + ": failed to report LibTorch details");
  }
  return 0;
}

}  // namespace scldm
