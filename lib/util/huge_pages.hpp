// Transparent huge pages for the model helper's heap. Where the kernel offers
// them on request (/sys/kernel/mm/transparent_hugepage/enabled: madvise, the
// common default), glibc 2.35 and later asks for them when its tunable
// glibc.malloc.hugetlb is 1: one page-table entry and one fault per 2 MB
// instead of per 4 kB page. On a KVM machine of the pool a training step ran
// a fifth faster and encode an eighth (bench/RESULTS.md, "Huge pages").
// glibc reads its tunables when a program starts, so the front-end sets them
// for the helper.
#pragma once
#include <string>

namespace scldm {

// GLIBC_TUNABLES `current` (null: unset) with glibc.malloc.hugetlb=1 added,
// or `current` itself where it names glibc.malloc.hugetlb (the user's choice).
std::string tunables_with_huge_pages(const char* current);

// SCLDM_DEFAULT_MALLOC=1: glibc's default malloc settings asked for (for
// measuring), by the front-end's huge pages and the helper's mallopt alike.
bool default_malloc_asked();

// For the torch-free front-end, before it runs the model helper: sets
// GLIBC_TUNABLES to tunables_with_huge_pages(its value), unless
// SCLDM_DEFAULT_MALLOC=1 asks for glibc's defaults (as the helper's own
// malloc settings do).
void ask_huge_pages_for_helper();

}  // namespace scldm
