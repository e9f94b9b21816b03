#include "util/huge_pages.hpp"

#include <cstdlib>
#include <cstring>

namespace scldm {

std::string tunables_with_huge_pages(const char* current) {
  const std::string asked = "glibc.malloc.hugetlb=1";
  if (!current || !*current) return asked;
  std::string tunables = current;
  if (tunables.find("glibc.malloc.hugetlb=") != std::string::npos) return tunables;
  return tunables + ":" + asked;
}

void ask_huge_pages_for_helper() {
  const char* off = getenv("SCLDM_DEFAULT_MALLOC");
  if (off && strcmp(off, "1") == 0) return;
  setenv("GLIBC_TUNABLES", tunables_with_huge_pages(getenv("GLIBC_TUNABLES")).c_str(), 1);
}

}  // namespace scldm
