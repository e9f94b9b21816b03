#include "util/blas_kernel.hpp"

#include <dlfcn.h>
#include <sys/auxv.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

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

namespace {

// The widest vectors of OpenBLAS's kernels by name (driver/others/dynamic.c).
enum class KernelWidth { unknown, sse, avx, avx2, avx512 };

KernelWidth width_of_kernel(const std::string& name) {
  using W = KernelWidth;
  static const std::pair<const char*, W> widths[] = {
      {"Unknown", W::sse},     {"Katmai", W::sse},       {"Coppermine", W::sse},   {"Northwood", W::sse},
      {"Prescott", W::sse},    {"Banias", W::sse},       {"Atom", W::sse},         {"Core2", W::sse},
      {"Penryn", W::sse},      {"Dunnington", W::sse},   {"Nehalem", W::sse},      {"Athlon", W::sse},
      {"Opteron", W::sse},     {"Opteron_SSE3", W::sse}, {"Barcelona", W::sse},    {"Nano", W::sse},
      {"Bobcat", W::sse},      {"Sandybridge", W::avx},  {"Bulldozer", W::avx},    {"Piledriver", W::avx},
      {"Steamroller", W::avx}, {"Excavator", W::avx},    {"Haswell", W::avx2},     {"Zen", W::avx2},
      {"SkylakeX", W::avx512}, {"Cooperlake", W::avx512}, {"SapphireRapids", W::avx512}};
  for (const auto& [known, width] : widths)
    if (strcasecmp(known, name.c_str()) == 0) return width;  // OPENBLAS_CORETYPE ignores case
  return W::unknown;
}

// The kernels for the widest vectors `cpu` runs, and their width.
std::pair<std::string, KernelWidth> widest_kernel(const CpuVectorSupport& cpu) {
  if (cpu.avx512) return {"SkylakeX", KernelWidth::avx512};
  if (cpu.avx2_fma) return {"Haswell", KernelWidth::avx2};
  return {"", KernelWidth::unknown};
}

}  // namespace

std::string better_blas_kernel(const std::string& chosen, const CpuVectorSupport& cpu) {
  if (width_of_kernel(chosen) != KernelWidth::sse) return "";
  return widest_kernel(cpu).first;
}

std::string wider_blas_kernel(const std::string& asked, const CpuVectorSupport& cpu) {
  KernelWidth width = width_of_kernel(asked);
  auto [widest, widest_width] = widest_kernel(cpu);
  if (width == KernelWidth::unknown || widest_width == KernelWidth::unknown) return "";
  return width < widest_width ? widest : "";
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

// "; this CPU has wider vectors, which SkylakeX's kernels use" where the kernels asked for use narrower ones.
std::string wider_kernel_note(const std::string& kernel) {
  std::string wider = wider_blas_kernel(kernel, cpu_vector_support());
  return wider.empty() ? "" : "; this CPU has wider vectors, which " + wider + "'s kernels use";
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
                        ? " (set by OPENBLAS_CORETYPE" + wider_kernel_note(kernel) + ")"
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
