// The GLIBC_TUNABLES the front-end gives the model helper (util/huge_pages).
#include <gtest/gtest.h>

#include "util/huge_pages.hpp"

using namespace scldm;

TEST(HugePages, AskedForWhenTheUserSetNoTunables) {
  EXPECT_EQ(tunables_with_huge_pages(nullptr), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(tunables_with_huge_pages(""), "glibc.malloc.hugetlb=1");
}

TEST(HugePages, AddedToTheUsersOtherTunables) {
  EXPECT_EQ(tunables_with_huge_pages("glibc.malloc.arena_max=2"), "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
}

TEST(HugePages, TheUsersOwnChoiceIsKept) {
  for (const char* own : {"glibc.malloc.hugetlb=0", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2"})
    EXPECT_EQ(tunables_with_huge_pages(own), own) << own;
}
