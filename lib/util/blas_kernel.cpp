#include "util/blas_kernel.hpp"

#include <dlfcn.h>
#include <sys/auxv.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace scldm {

CpuVectorSupport cpu_vector_support() {
  CpuVectorSupport s;
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include XGETBV: a feature the OS does not save counts as absent.
  __builtin_cpu_init();
  s.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  s.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
#endif
  return s;
}

std::string better_blas_kernel(const std::string& chosen, const CpuVectorSupport& cpu) {
  // OpenBLAS's names (driver/others/dynamic.c) of kernels without AVX.
  static const std::set<std::string> sse_era = {
      "Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias",   "Atom",    "Core2",   "Penryn",
      "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat"};
  if (!sse_era.count(chosen)) return "";
  if (cpu.avx512) return "SkylakeX";
  if (cpu.avx2_fma) return "Haswell";
  return "";
}

namespace {

// openblas_get_corename() as seen from `scope` (a dlopen handle or RTLD_DEFAULT), or "".
std::string corename_in(void* scope) {
  using CoreName = char* (*)();
  auto name = reinterpret_cast<CoreName>(dlsym(scope, "openblas_get_corename"));
  const char* text = name ? name() : nullptr;
  return text ? text : "";
}

// The kernels the BLAS that LibTorch links (libblas.so.3, Debian's alternative) chooses on this CPU.
std::string kernel_of_system_blas() {
  // Left loaded: the helper's exec follows, and OpenBLAS's destructor would only cost time.
  void* blas = dlopen("libblas.so.3", RTLD_LAZY | RTLD_LOCAL);
  return blas ? corename_in(blas) : "";
}

// OpenBLAS's choice, or SCLDM_TEST_BLAS_CHOSEN standing in for it so that tests reach a replacement on any
// CPU; OpenBLAS is asked all the same, so that the tests also find out whether asking works.
std::string chosen_kernel(std::string (*ask_openblas)()) {
  std::string chosen = ask_openblas();
  const char* stand_in = getenv("SCLDM_TEST_BLAS_CHOSEN");
  return stand_in && !chosen.empty() ? stand_in : chosen;
}

// Sets OPENBLAS_CORETYPE (and the record of the replacement) where the kernels `chosen` are to be replaced here.
bool ask_for_better_kernels(const std::string& chosen) {
  std::string better = better_blas_kernel(chosen, cpu_vector_support());
  if (better.empty()) return false;
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  setenv("SCLDM_BLAS_REPLACED", (chosen + ">" + better).c_str(), 1);
  return true;
}

// SCLDM_BLAS_REPLACED holds "CHOSEN>REPLACEMENT"; an inherited or stale one
// (not what OPENBLAS_CORETYPE now asks for) is ignored.
std::string replaced_choice() {
  const char* record = getenv("SCLDM_BLAS_REPLACED");
  const char* asked = getenv("OPENBLAS_CORETYPE");
  if (!record || !asked) return "";
  std::string r = record;
  size_t sep = r.find('>');
  if (sep == std::string::npos || r.substr(sep + 1) != asked) return "";
  return r.substr(0, sep);
}

}  // namespace

std::string loaded_blas_kernel() { return corename_in(RTLD_DEFAULT); }

std::string describe_blas_kernels() {
  std::string kernel = loaded_blas_kernel();
  if (kernel.empty()) return "not OpenBLAS";
  std::string replaced = replaced_choice();
  const char* asked = getenv("OPENBLAS_CORETYPE");
  std::string why = !replaced.empty() ? " (OpenBLAS chose " + replaced + " for this CPU; scldm replaced them)"
                    : !asked          ? ""
                    : strcasecmp(asked, kernel.c_str()) == 0
                        ? " (set by OPENBLAS_CORETYPE)"
                        : " (OPENBLAS_CORETYPE=" + std::string(asked) + " not applied)";
  return "OpenBLAS, " + kernel + " kernels" + why;
}

void choose_blas_kernel_for_helper() {
  if (getenv("OPENBLAS_CORETYPE")) return;  // the user's choice
  ask_for_better_kernels(chosen_kernel(kernel_of_system_blas));
}

void restart_with_faster_blas(char** argv) {
  if (getenv("OPENBLAS_CORETYPE")) return;  // the user's, the front-end's, or this is the restarted process
  // Run through the dynamic loader (ld.so PROGRAM), /proc/self/exe is the loader: leave it be.
  if (getauxval(AT_BASE) == 0) return;
  if (!ask_for_better_kernels(chosen_kernel(loaded_blas_kernel))) return;
  // The resolved path, so that ps and top show the program's name, not "exe".
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    execv(self, argv);
  }
  unsetenv("OPENBLAS_CORETYPE");  // no /proc, or exec failed: run on with OpenBLAS's kernels
  unsetenv("SCLDM_BLAS_REPLACED");
}

}  // namespace scldm
