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

bool default_malloc_asked() {
  const char* asked = getenv("SCLDM_DEFAULT_MALLOC");
  return asked && strcmp(asked, "1") == 0;
}

void ask_huge_pages_for_helper() {
  if (default_malloc_asked()) return;
  setenv("GLIBC_TUNABLES", tunables_with_huge_pages(getenv("GLIBC_TUNABLES")).c_str(), 1);
}

}  // namespace scldm
