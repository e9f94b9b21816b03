// The LibTorch helper behind the model commands. `scldm` checks a model
// command's options and execs this program with the same arguments.
#include <malloc.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cmd/common.hpp"
#include "cmd/runners-model.hpp"
#include "util/blas_kernel.hpp"
#include "util/error.hpp"
#include "util/huge_pages.hpp"

namespace {

// `scldm version -v` asks what LibTorch sees here.
int print_torch_info() {
  printf("LibTorch runtime threads: %d\n", at::get_num_threads());
  printf("CUDA available: %s", torch::cuda::is_available() ? "yes" : "no");
  if (torch::cuda::is_available()) printf(" (%d devices)", int(torch::cuda::device_count()));
  printf("\n");
  printf("BLAS: %s\n", scldm::describe_blas_kernels().c_str());
  return 0;
}

// glibc returns LibTorch's large buffers to the OS after every step and
// faults them back in on the next: keep them (bench/RESULTS.md, "malloc").
// SCLDM_DEFAULT_MALLOC=1 turns this off, for measuring.
void keep_freed_memory() {
  if (scldm::default_malloc_asked()) return;
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  scldm::restart_with_faster_blas(argv);
  keep_freed_memory();
  if (argc == 2 && strcmp(argv[1], "--torch-info") == 0) return print_torch_info();
  std::map<std::string, scldm::Runner> runners = {
      {"fit-vae", scldm::run_fit_vae},
      {"encode", scldm::run_encode},
      {"decode", scldm::run_decode},
      {"fit-prior", scldm::run_fit_prior},
      {"sample", scldm::run_sample},
      {"eval", scldm::run_eval},
      {"classify", scldm::run_classify},
  };
  return scldm::dispatch(argc, argv, runners, [](int, char** av) -> int {
    throw scldm::Error(std::string("the model helper has no command '") + av[1] + "'");
  });
}
