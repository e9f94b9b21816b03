// Where this process stands in a data-parallel job: its rank, the number of
// processes, and how they meet. Read from the environment the usual
// launchers set (torchrun, Slurm's srun, or `--nproc`, which starts local
// worker processes itself). Torch-free: the training layer joins the group.
#pragma once
#include <string>
#include <vector>

namespace scldm {

struct WorldSetup {
  int rank = 0, size = 1;              // global
  int local_rank = 0, local_size = 1;  // on this machine
  std::string master_addr;             // where rank 0 listens (its TCPStore)
  int master_port = 29500;             // torchrun's default
  std::string launcher;                // "torchrun", "slurm", "--nproc"; "" for one process
  // torchrun's agent already serves the store at master_addr:master_port:
  // every rank is a client, its keys under this prefix ("" otherwise).
  std::string agent_store_prefix;
  bool distributed() const { return size > 1; }
  // "rank 1 of 2 (torchrun, 127.0.0.1:29500)".
  std::string describe() const;
};

// The environment's data-parallel job: torchrun's RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT (and, as PyTorch
// does, TORCHELASTIC_USE_AGENT_STORE / TORCHELASTIC_RESTART_COUNT); else, inside an
// srun step, Slurm's SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID (the
// master address from MASTER_ADDR); else one process. A malformed or
// inconsistent value is an Error naming the variable.
WorldSetup world_from_environment();

// `--nproc N`: runs N copies of this program (argv, /proc/self/exe) with
// torchrun's variables set for ranks 0..N-1 on 127.0.0.1:port, forwards
// SIGINT/SIGTERM/SIGHUP to them, and waits. When one fails (a non-zero exit
// or a signal) the others are stopped and an Error says which rank failed and
// how; 0 when all succeed.
int run_local_workers(int n, int port, const std::vector<std::string>& argv);

// A TCP port free on 127.0.0.1 now (the kernel's choice).
int free_loopback_port();

}  // namespace scldm
