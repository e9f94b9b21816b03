// The LibTorch helper behind the model commands. `scldm` checks a model
// command's options and execs this program with the same arguments.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>

#include "cmd/common.hpp"
#include "util/error.hpp"

namespace {

// `scldm version -v` asks what LibTorch sees here.
int print_torch_info() {
  printf("LibTorch runtime threads: %d\n", at::get_num_threads());
  printf("CUDA available: %s", torch::cuda::is_available() ? "yes" : "no");
  if (torch::cuda::is_available()) printf(" (%d devices)", int(torch::cuda::device_count()));
  printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--torch-info") == 0) return print_torch_info();
  // Model commands land here once their issues are implemented.
  std::map<std::string, scldm::Runner> runners;
  return scldm::dispatch(argc, argv, runners, [](int, char** av) -> int {
    throw scldm::Error(std::string("the model helper has no command '") + av[1] + "'");
  });
}
