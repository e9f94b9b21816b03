#include "util/world.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"

namespace scldm {
namespace {

const char* env(const char* name) {
  const char* v = getenv(name);
  return v && *v ? v : nullptr;
}

// The variable as an integer in [lo, hi]; `fallback` when unset.
int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || *end || x < lo || x > hi)
    throw Error(std::string("$") + name + "='" + v + "' is not an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return int(x);
}

void check_ranks(const WorldSetup& w, const char* rank_var, const char* size_var) {
  if (w.rank >= w.size)
    throw Error(std::string("$") + rank_var + "=" + std::to_string(w.rank) + " is not below $" + size_var + "=" + std::to_string(w.size));
  if (w.local_rank >= w.local_size) throw Error("the local rank " + std::to_string(w.local_rank) + " is not below the local size " + std::to_string(w.local_size));
}

// Tasks of this step on this node: SLURM_STEP_TASKS_PER_NODE is "4(x2),3"
// (per node, in node order), SLURM_NODEID this node's place; 1 if unset.
int slurm_tasks_per_node() {
  const char* list = env("SLURM_STEP_TASKS_PER_NODE");
  if (!list) return 1;
  int node = env_int("SLURM_NODEID", 0, 0, 1 << 20);
  for (const char* p = list; *p;) {
    char* end = nullptr;
    long tasks = strtol(p, &end, 10), repeat = 1;
    if (end == p || tasks < 1) break;
    if (*end == '(' && end[1] == 'x') repeat = strtol(end + 2, &end, 10), end += *end == ')';
    if (node < repeat) return int(std::min(tasks, 1L << 20));
    node -= int(repeat);
    p = *end == ',' ? end + 1 : end;
    if (*end != ',') break;
  }
  return 1;
}

}  // namespace

std::string WorldSetup::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + " (" + (launcher.empty() ? "one process" : launcher) +
         ", " + master_addr + ":" + std::to_string(master_port) + ")";
}

WorldSetup world_from_environment() {
  WorldSetup w;
  const char* addr = env("MASTER_ADDR");
  w.master_addr = addr ? addr : "127.0.0.1";
  w.master_port = env_int("MASTER_PORT", w.master_port, 1, 65535);
  if (env("WORLD_SIZE") || env("RANK")) {
    w.launcher = env("SCLDM_NPROC") ? "--nproc" : "torchrun";
    w.size = env_int("WORLD_SIZE", 1, 1, 1 << 20);
    w.rank = env_int("RANK", 0, 0, 1 << 20);
    w.local_rank = env_int("LOCAL_RANK", w.rank, 0, 1 << 20);
    w.local_size = env_int("LOCAL_WORLD_SIZE", w.size, 1, 1 << 20);
    check_ranks(w, "RANK", "WORLD_SIZE");
    const char* agent = env("TORCHELASTIC_USE_AGENT_STORE");
    if (agent && std::string(agent) == "True") {
      const char* attempt = env("TORCHELASTIC_RESTART_COUNT");
      w.agent_store_prefix = std::string("/worker/attempt_") + (attempt ? attempt : "0");
    }
    return w;
  }
  // Only inside an srun step: a batch script also sees SLURM_PROCID and
  // SLURM_NTASKS, but runs once.
  if (env("SLURM_STEP_NUM_TASKS") && env("SLURM_PROCID")) {
    w.launcher = "slurm";
    w.size = env_int("SLURM_STEP_NUM_TASKS", 1, 1, 1 << 20);
    w.rank = env_int("SLURM_PROCID", 0, 0, 1 << 20);
    w.local_rank = env_int("SLURM_LOCALID", 0, 0, 1 << 20);
    w.local_size = std::max(w.local_rank + 1, slurm_tasks_per_node());
    if (w.size > 1 && !addr)
      throw Error("srun started " + std::to_string(w.size) + " tasks: set MASTER_ADDR to the first node's address (examples/distributed/slurm.sbatch)");
    check_ranks(w, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS");
  }
  return w;
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("cannot open a socket: " + errno_text());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::string why = errno_text();
    close(fd);
    throw Error("cannot find a free port on 127.0.0.1: " + why);
  }
  close(fd);
  return ntohs(a.sin_port);
}

namespace {

// The ranks' process ids, for the signal handler (no allocation there).
constexpr int kMaxWorkers = 4096;
volatile pid_t g_workers[kMaxWorkers];
volatile int g_worker_count = 0;
volatile sig_atomic_t g_interrupted = 0;

void signal_workers(int sig) {
  for (int i = 0; i < g_worker_count; ++i)
    if (g_workers[i] > 0) kill(g_workers[i], sig);
}

void forward_signal(int sig) {
  g_interrupted = sig;
  signal_workers(sig);
}

const int kForwarded[] = {SIGINT, SIGTERM, SIGHUP};

// This process's environment with torchrun's variables for `rank`, built
// before fork: the child only execs.
std::vector<std::string> worker_environment(int rank, int n, int port) {
  const std::vector<std::pair<std::string, std::string>> set = {
      {"RANK", std::to_string(rank)}, {"LOCAL_RANK", std::to_string(rank)}, {"WORLD_SIZE", std::to_string(n)},
      {"LOCAL_WORLD_SIZE", std::to_string(n)}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", std::to_string(port)},
      {"SCLDM_NPROC", "1"}};
  std::vector<std::string> env;
  bool glog = false;
  for (char** e = environ; *e; ++e) {
    const std::string v = *e, name = v.substr(0, v.find('='));
    glog = glog || name == "GLOG_minloglevel";
    if (std::none_of(set.begin(), set.end(), [&](const auto& s) { return s.first == name; })) env.push_back(v);
  }
  for (const auto& [name, value] : set) env.push_back(name + "=" + value);
  if (!glog) env.push_back("GLOG_minloglevel=2");  // c10d's socket warnings (errors say it once)
  return env;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(const_cast<char*>(s.c_str()));
  p.push_back(nullptr);
  return p;
}

// Called with the forwarded signals blocked; the child restores their
// default handling and `old_mask` before it execs.
pid_t start_worker(char* const* argv, char* const* envp, const sigset_t& old_mask) {
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  for (int sig : kForwarded) signal(sig, SIG_DFL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // a launcher killed outright takes its ranks along
  if (getppid() != parent) _exit(1);  // it died before prctl
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  execve("/proc/self/exe", argv, envp);
  const char msg[] = "scldm: cannot start a data-parallel rank\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(127);
}

// "rank 1 exited with status 1", "rank 0 was killed by signal 9".
std::string describe_end(int rank, int status) {
  if (WIFSIGNALED(status)) return "rank " + std::to_string(rank) + " was killed by signal " + std::to_string(WTERMSIG(status));
  return "rank " + std::to_string(rank) + " exited with status " + std::to_string(WEXITSTATUS(status));
}

struct Ended {
  int rank, status;
};

// Reaps one rank (waiting if `block`), recording a failure when `record`:
// waitpid's result (0: none ended yet, -1: errno says).
pid_t reap(int n, bool block, bool record, std::vector<Ended>& failed, int& running) {
  int status = 0;
  const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
  for (int r = 0; pid > 0 && r < n; ++r)
    if (g_workers[r] == pid) {
      g_workers[r] = 0;
      --running;
      if (record && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) failed.push_back({r, status});
    }
  return pid;
}

// What failed: ranks killed by a signal first (a rank that dies makes the
// others fail with "lost contact"), then those that exited with an error.
std::string describe_failures(std::vector<Ended> failed, bool stopped_others) {
  std::stable_sort(failed.begin(), failed.end(), [](const Ended& a, const Ended& b) { return WIFSIGNALED(a.status) > WIFSIGNALED(b.status); });
  std::string text;
  for (const Ended& e : failed) text += (text.empty() ? "" : "; ") + describe_end(e.rank, e.status);
  return text + (stopped_others ? " (the other ranks were stopped)" : "");
}

// Waits for every rank. After the first failure the others get 2 s to end
// by themselves (a rank's death makes them fail at once), then SIGTERM. An
// interruption forwarded to the ranks is raised again here once they ended.
int wait_for_workers(int n) {
  std::vector<Ended> failed;
  int running = n;
  bool stopped = false;
  while (running > 0) {
    if (failed.empty() || stopped) {
      if (reap(n, true, !stopped, failed, running) < 0 && errno != EINTR) break;
      continue;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (running > 0 && std::chrono::steady_clock::now() < until)
      if (reap(n, false, true, failed, running) <= 0) usleep(20000);
    if (running > 0) signal_workers(SIGTERM);
    stopped = running > 0;
  }
  if (g_interrupted) {
    signal(g_interrupted, SIG_DFL);
    raise(g_interrupted);
  }
  if (!failed.empty()) throw Error(describe_failures(failed, stopped));
  return 0;
}

}  // namespace

int run_local_workers(int n, int port, const std::vector<std::string>& argv) {
  if (n > kMaxWorkers) throw Error("--nproc: at most " + std::to_string(kMaxWorkers) + " ranks");
  sigset_t forwarded, old_mask;
  sigemptyset(&forwarded);
  for (int sig : kForwarded) sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, &old_mask);
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
  std::vector<char*> av = pointers(argv);
  for (int r = 0; r < n; ++r) {
    const std::vector<std::string> env = worker_environment(r, n, port);
    std::vector<char*> ev = pointers(env);
    const pid_t pid = start_worker(av.data(), ev.data(), old_mask);
    if (pid < 0) {
      const std::string why = errno_text();
      signal_workers(SIGTERM);
      sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      throw Error("cannot start data-parallel ranks: " + why);
    }
    g_workers[r] = pid;
    g_worker_count = r + 1;
  }
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  return wait_for_workers(n);
}

}  // namespace scldm
