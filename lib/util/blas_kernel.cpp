#include "util/blas_kernel.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace scldm {

CpuVectorSupport cpu_vector_support() {
  // libgcc's checks include XGETBV: a feature the OS does not save counts as absent.
  __builtin_cpu_init();
  CpuVectorSupport s;
  s.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  s.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
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

std::string loaded_blas_kernel() {
  using CoreName = char* (*)();
  auto name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* text = name ? name() : nullptr;
  return text ? text : "";
}

void restart_with_faster_blas(char** argv) {
  if (getenv("OPENBLAS_CORETYPE")) return;  // the user's choice, or this is the restarted process
  std::string chosen = loaded_blas_kernel();
  std::string better = better_blas_kernel(chosen, cpu_vector_support());
  if (better.empty()) return;
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  setenv("SCLDM_BLAS_REPLACED", chosen.c_str(), 1);
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
