// Which OpenBLAS kernels the model helper replaces (util/blas_kernel).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "util/blas_kernel.hpp"

using namespace scldm;

namespace {

const CpuVectorSupport kSse{false, false}, kAvx2{true, false}, kAvx512{true, true};

}  // namespace

TEST(BlasKernel, AnSseEraChoiceOnAVectorCpuIsReplaced) {
  // Debian 12's OpenBLAS 0.3.21 on Intel family 6 model 207 falls back to Prescott.
  EXPECT_EQ(better_blas_kernel("Prescott", kAvx512), "SkylakeX");
  EXPECT_EQ(better_blas_kernel("Prescott", kAvx2), "Haswell");
  EXPECT_EQ(better_blas_kernel("Core2", kAvx2), "Haswell");
  EXPECT_EQ(better_blas_kernel("Nehalem", kAvx512), "SkylakeX");
  EXPECT_EQ(better_blas_kernel("Barcelona", kAvx2), "Haswell");
}

TEST(BlasKernel, OpenBlasOwnVectorChoicesAndUnknownNamesAreKept) {
  for (const char* kept : {"Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator",
                           "a kernel of a later OpenBLAS", ""})
    EXPECT_EQ(better_blas_kernel(kept, kAvx512), "") << kept;
}

// The front-end keeps the user's kernels and leaves no record of a replacement (asking
// OpenBLAS itself is tested through scldm, tests/cli/model.bats).
TEST(BlasKernel, TheFrontEndKeepsTheUsersKernels) {
  const char* before = getenv("OPENBLAS_CORETYPE");
  std::string saved = before ? before : "";
  setenv("OPENBLAS_CORETYPE", "Core2", 1);
  setenv("SCLDM_TEST_BLAS_CHOSEN", "Prescott", 1);
  unsetenv("SCLDM_BLAS_REPLACED");
  choose_blas_kernel_for_helper();
  EXPECT_STREQ(getenv("OPENBLAS_CORETYPE"), "Core2");
  EXPECT_EQ(getenv("SCLDM_BLAS_REPLACED"), nullptr);
  unsetenv("SCLDM_TEST_BLAS_CHOSEN");
  if (before)
    setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
  else
    unsetenv("OPENBLAS_CORETYPE");
}

TEST(BlasKernel, KernelsNarrowerThanTheCpuNameTheWiderOnes) {
  // The zen5 machine's environment set Haswell on an AVX-512 CPU (bench/RESULTS.md).
  EXPECT_EQ(wider_blas_kernel("Haswell", kAvx512), "SkylakeX");
  EXPECT_EQ(wider_blas_kernel("haswell", kAvx512), "SkylakeX");  // OpenBLAS ignores the case
  EXPECT_EQ(wider_blas_kernel("Zen", kAvx512), "SkylakeX");
  EXPECT_EQ(wider_blas_kernel("Sandybridge", kAvx2), "Haswell");
  EXPECT_EQ(wider_blas_kernel("Prescott", kAvx2), "Haswell");
  for (const char* widest : {"SkylakeX", "Cooperlake", "SapphireRapids"})
    EXPECT_EQ(wider_blas_kernel(widest, kAvx512), "") << widest;
  for (const char* avx2 : {"Haswell", "Zen"}) EXPECT_EQ(wider_blas_kernel(avx2, kAvx2), "") << avx2;
  for (const char* any : {"Prescott", "Sandybridge", "Haswell"}) EXPECT_EQ(wider_blas_kernel(any, kSse), "") << any;
  EXPECT_EQ(wider_blas_kernel("a kernel of a later OpenBLAS", kAvx512), "");
}

TEST(BlasKernel, ACpuWithoutAvx2KeepsWhatOpenBlasChose) {
  EXPECT_EQ(better_blas_kernel("Prescott", kSse), "");
  EXPECT_EQ(better_blas_kernel("Nehalem", kSse), "");
}

// The CPU's features as the kernel lists them (it hides what the OS does not enable).
TEST(BlasKernel, CpuSupportAgreesWithProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line) && line.rfind("flags", 0) != 0) {
  }
  if (line.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
  std::istringstream words(line);
  std::set<std::string> flags{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
  auto has = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (!flags.count(n)) return false;
    return true;
  };
  CpuVectorSupport cpu = cpu_vector_support();
  EXPECT_EQ(cpu.avx2_fma, has({"avx2", "fma"}));
  EXPECT_EQ(cpu.avx512, has({"avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl"}));
}
