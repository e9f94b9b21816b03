#include "cmd/common-model.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include "io/checkpoint.hpp"
#include "util/blas_kernel.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/output.hpp"
#include "util/provenance.hpp"
#include "util/world.hpp"

namespace scldm {

torch::Device setup_torch(const Invocation& inv, int ranks_here) {
  // Two threads beat one on this project's 2-core machines for every preset
  // (bench/RESULTS.md), so the default is every core (shared by the ranks).
  int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(int(inv.args.integer("threads", std::max(1, cores / std::max(1, ranks_here)))));
  std::string name = inv.args.text("device", cli::table_default);
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const c10::Error&) {
    throw UsageError("--device: cannot parse '" + name + "'");
  }
  // Training's last bits depend on the device and, on the CPU, on the BLAS kernels (scldm-model(7)).
  record_run_fact("device", device.str());
  if (device.is_cpu()) {
    std::string blas = loaded_blas_kernel();
    if (!blas.empty()) record_run_fact("blas_kernels", "OpenBLAS " + blas);
    detail("BLAS: " + describe_blas_kernels());  // the speed depends on it
  }
  if (device.is_cuda() && !torch::cuda::is_available()) throw Error("--device " + name + ": no CUDA device is available");
  if (device.is_cuda() && device.has_index() && device.index() >= int(torch::cuda::device_count()))
    throw Error("--device " + name + ": only " + std::to_string(torch::cuda::device_count()) + " CUDA devices");
  return device;
}

namespace {

// "90", "90s", "20m", "1.5h", "1h30m", "2d": seconds; nullopt if malformed.
std::optional<double> parse_duration(const std::string& text) {
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t used = 0;
    double v;
    try {
      v = std::stod(text.substr(i), &used);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (text[i] == '-' || text[i] == '+' || !std::isfinite(v)) return std::nullopt;
    i += used;
    const char unit = i < text.size() ? text[i++] : 's';
    const double scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
    if (scale == 0) return std::nullopt;
    total += v * scale;
  }
  if (text.empty() || !(total > 0)) return std::nullopt;
  return total;
}

// --nproc: local ranks to start (1: none).
int nproc_option(const Invocation& inv) { return int(inv.args.integer_in("nproc", cli::table_default, 1, 4096)); }

// The data-parallel job this process belongs to: the launcher's environment,
// with --master-addr / --master-port over MASTER_ADDR / MASTER_PORT.
WorldSetup read_world(const Invocation& inv) {
  const int nproc = nproc_option(inv);
  inv.args.number_in("dist-timeout", cli::table_default, 1, 1e6);  // usage errors first
  WorldSetup w = world_from_environment();
  if (nproc > 1 && w.distributed() && w.launcher != "--nproc")
    throw UsageError("--nproc starts its own ranks, but this process is already " + w.describe());
  if (nproc > 1 && !w.distributed() && inv.args.has("master-addr"))
    throw UsageError("--nproc starts its ranks on this machine (127.0.0.1): --master-addr is for torchrun and srun jobs");
  if (inv.args.has("master-addr")) w.master_addr = inv.args.text("master-addr");
  if (inv.args.has("master-port")) w.master_port = int(inv.args.integer_in("master-port", 0, 1, 65535));
  return w;
}

// Every rank reads the data itself: a pipe can be read only once.
void refuse_standard_input(const Invocation& inv) {
  for (const std::string& path : inv.inputs())
    if (path == "-") throw UsageError("data-parallel ranks each read the input: give a file, not standard input");
}

}  // namespace

void read_training_options(const Invocation& inv, TrainingOptions& o, int64_t preset_epochs) {
  o.started = std::chrono::steady_clock::now();
  o.epochs = inv.args.integer_in("epochs", preset_epochs, 1, 1 << 20);
  o.epochs_given = inv.args.has("epochs");
  if (inv.args.has("max-steps")) o.max_steps = inv.args.integer_in("max-steps", 0, 1, int64_t(1) << 40);
  if (inv.args.has("time")) {
    if (inv.args.has("max-steps")) throw UsageError("--time and --max-steps both set the length of the run: give one");
    auto seconds = parse_duration(inv.args.text("time"));
    if (!seconds) throw UsageError("--time: '" + inv.args.text("time") + "' is not a duration (e.g. 90s, 20m, 1.5h, 1h30m)");
    o.time_budget = *seconds;
  }
  o.batch_size = inv.args.integer_in("batch-size", cli::table_default, 1, 1 << 20);
  o.val_fraction = inv.args.number_in("val-fraction", cli::table_default, 0, 0.9);
  o.seed = uint64_t(inv.seed());
  o.checkpoint_every = inv.args.integer_in("checkpoint-every", 0, 0, int64_t(1) << 40);
  o.output = inv.output(o.output);
  if (o.output == "-") throw UsageError("checkpoints are files: give -o FILE");
  o.resume = inv.args.text("resume");
  o.log = inv.args.text("log");
  // Tests: stop after this step as an interruption right after its checkpoint would.
  if (const char* stop = getenv("SCLDM_STOP_AFTER")) o.stop_after = std::max(0LL, atoll(stop));
  // Two outputs on one path would overwrite each other mid-run.
  std::string last = last_checkpoint_path(o.output);
  if (o.output == last) throw UsageError("-o " + o.output + ": the last checkpoint would be written to the same file");
  if (!o.log.empty() && (o.log == o.output || o.log == last))
    throw UsageError("--log " + o.log + " is also a checkpoint this run writes");
  check_output_path(o.output);
  check_output_path(last);
  if (!o.resume.empty() && o.resume == o.output)
    throw UsageError("--resume " + o.resume + ": resume from NAME.last.pt, not the output of the run");
  o.world = read_world(inv);
  o.device = setup_torch(inv, o.world.distributed() ? o.world.local_size : nproc_option(inv));
  // One GPU per local rank, as torchrun users expect of "cuda".
  if (o.world.distributed() && o.device.is_cuda() && !o.device.has_index())
    o.device = torch::Device(torch::kCUDA, int8_t(o.world.local_rank % std::max(1, int(torch::cuda::device_count()))));
}

std::optional<int> run_local_ranks(const Invocation& inv, const TrainingOptions& o) {
  const int n = nproc_option(inv);
  if (n <= 1 || o.world.distributed()) return std::nullopt;
  refuse_standard_input(inv);
  const int port = inv.args.has("master-port") ? o.world.master_port : free_loopback_port();
  detail("--nproc: starting " + std::to_string(n) + " ranks on 127.0.0.1:" + std::to_string(port));
  return run_local_workers(n, port, command_arguments());
}

void join_data_parallel(const Invocation& inv, TrainingOptions& o) {
  if (!o.world.distributed()) return;
  refuse_standard_input(inv);
  if (o.world.rank != 0) set_verbosity(Verbosity::quiet);
  const double timeout = inv.args.number_in("dist-timeout", cli::table_default, 1, 1e6);
  detail("data parallel: " + o.world.describe());
  o.group = std::make_shared<DataParallel>(o.world, inv.args.text("dist-backend", cli::table_default),
                                           std::chrono::milliseconds(int64_t(timeout * 1000)), o.device);
  note("data parallel: " + std::to_string(o.world.size) + " ranks over " + o.group->backend() + ", global batch " +
       std::to_string(o.batch_size) + " (" + std::to_string(o.batch_size / o.world.size) + "-" +
       std::to_string((o.batch_size + o.world.size - 1) / o.world.size) + " cells per rank)");
}

namespace {

// What sets the length of an auto run: its choice ("auto"), or an option.
std::string length_source(const Invocation& inv, const TrainingOptions& o) {
  if (inv.args.has("max-steps")) return "--max-steps";
  if (o.time_budget > 0) return "--time";
  return inv.args.has("epochs") ? "--epochs" : "auto";
}

// A resumed auto run keeps its record and, unless --epochs or --max-steps
// say otherwise, the length it ran for (a --time plan: the loop keeps it).
void resume_auto_choice(const Invocation& inv, TrainingOptions& o) {
  const nlohmann::json meta = read_checkpoint(o.resume, false).meta;
  if (!meta.contains("training") || !meta["training"].contains("auto")) return;  // an explicit preset's run
  const nlohmann::json& record = meta["training"]["auto"];
  AutoChoice shown;
  std::string from;
  try {
    shown = AutoChoice::from_json(record);
    from = record.at("length").at("from").get<std::string>();
    shown.epochs = record.at("length").at("epochs").get<int64_t>();
    shown.max_steps = record.at("length").at("max_steps").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(o.resume, "bad --preset auto record (" + json_problem(e) + ")");
  }
  o.auto_choice = record;
  const bool keep = !inv.args.has("epochs") && !inv.args.has("max-steps") && from != "--time";
  if (keep) o.epochs = shown.epochs, o.max_steps = shown.max_steps;
  note("--preset auto: keeping the choice of " + o.resume + ": " + shown.summary(keep));
}

}  // namespace

std::string provisional_preset(const Invocation& inv) {
  const std::string name = inv.args.text("preset", cli::table_default);
  if (inv.args.has("resume") && name == "auto") return "";
  return name == "auto" ? "base" : name;
}

std::string resolve_preset(const Invocation& inv, TrainingOptions& o, const std::function<AutoChoice()>& choose) {
  const std::string name = inv.args.text("preset", cli::table_default);
  if (name != "auto") return name;
  if (!o.resume.empty()) {
    resume_auto_choice(inv, o);
    return "";
  }
  const AutoChoice choice = choose();
  const std::string from = length_source(inv, o);
  if (from == "auto") {
    if (choice.epochs > 0) o.epochs = choice.epochs;
    o.max_steps = choice.max_steps;
  }
  o.auto_choice = choice.to_json();
  o.auto_choice["length"] = {{"from", from}, {"epochs", o.epochs}, {"max_steps", o.max_steps}};
  note("--preset auto: " + choice.summary(from == "auto") +
       (from == "auto" ? " (--preset, --epochs or --time choose otherwise)" : " (the length from " + from + ")"));
  return choice.preset;
}

std::string resolve_vae_path(const Invocation& inv, const std::string& recorded) {
  if (inv.args.has("vae")) return inv.args.text("vae");
  if (const char* env = getenv("SCLDM_VAE"); env && *env) return env;
  if (!recorded.empty() && access(recorded.c_str(), R_OK) == 0) return recorded;
  if (access("vae.pt", R_OK) == 0) return "vae.pt";
  throw UsageError("no VAE: give --vae FILE (or set SCLDM_VAE, or run where vae.pt is)");
}

double resumed_lr(const nlohmann::json& meta, const std::string& path) {
  if (!meta.contains("training") || !meta["training"].contains("lr") || !meta["training"]["lr"].is_number())
    fail(path, "records no learning rate: give --lr");
  return meta["training"]["lr"].get<double>();
}

}  // namespace scldm
