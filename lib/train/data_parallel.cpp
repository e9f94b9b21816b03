#include "train/data_parallel.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>

#include "util/error.hpp"
#include "util/log.hpp"

namespace scldm {

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  torch::Device device = torch::kCPU;
};

namespace {

// A library's message without LibTorch's backtrace and source locations.
std::string first_line(const std::exception& e) {
  std::string s = e.what();
  s = s.substr(0, s.find('\n'));
  if (s.rfind("[", 0) == 0 && s.find("] ") != std::string::npos) s = s.substr(s.find("] ") + 2);
  return s;
}

bool is_loopback(const std::string& addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1"; }

// Gloo's network device: loopback for a job on one machine, else the
// interface $GLOO_SOCKET_IFNAME names or the one this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const WorldSetup& w) {
  if (const char* ifname = getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(w.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

Error not_met(const WorldSetup& w, std::chrono::milliseconds timeout, const std::string& why) {
  return Error("rank " + std::to_string(w.rank) + ": the ranks did not all meet at " + w.master_addr + ":" +
               std::to_string(w.master_port) + " within " + std::to_string(timeout.count() / 1000) + " s (" + why + ")");
}

c10::intrusive_ptr<c10d::Store> meet(const WorldSetup& w, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = uint16_t(w.master_port);
  // Under torchrun's agent, which serves the store already, every rank is a
  // client (as PyTorch's own ranks are there).
  const bool agent = !w.agent_store_prefix.empty();
  o.isServer = w.rank == 0 && !agent;
  o.numWorkers = size_t(w.size);
  o.waitWorkers = !agent;
  o.multiTenant = true;
  o.timeout = timeout;
  const std::string where = w.master_addr + ":" + std::to_string(w.master_port);
  try {
    auto store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
    if (agent) return c10::make_intrusive<c10d::PrefixStore>(w.agent_store_prefix, store);
    return store;
  } catch (const std::exception& e) {
    const std::string why = first_line(e);
    if (w.rank == 0 && why.find("ddress already in use") != std::string::npos)
      throw Error("rank 0 cannot listen on " + where + ": the port is in use (choose another with --master-port)");
    throw not_met(w, timeout, why);
  }
}

}  // namespace

DataParallel::DataParallel(const WorldSetup& world, const std::string& backend, std::chrono::milliseconds timeout,
                           const torch::Device& device)
    : world_(world), impl_(std::make_unique<Impl>()) {
  impl_->device = device;
  backend_ = backend == "auto" ? (device.is_cuda() ? "nccl" : "gloo") : backend;
  if (backend_ == "nccl" && !device.is_cuda()) throw UsageError("--dist-backend nccl needs --device cuda");
#ifndef USE_C10D_NCCL
  if (backend == "auto" && device.is_cuda()) backend_ = "gloo";
  if (backend_ == "nccl") throw UsageError("--dist-backend nccl: this LibTorch build has no NCCL (use gloo)");
#endif
  impl_->store = meet(world, timeout);
  try {
#ifdef USE_C10D_NCCL
    if (backend_ == "nccl") {
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, world.rank, world.size, o);
      return;
    }
#endif
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    o->devices.push_back(gloo_device(world));
    o->threads = 2;
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, world.rank, world.size, o);
  } catch (const std::exception& e) {
    throw not_met(world, timeout, first_line(e));
  }
}

DataParallel::~DataParallel() = default;

template <typename F>
void DataParallel::guarded(const char* what, F&& f) {
  auto start = std::chrono::steady_clock::now();
  try {
    f();
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(rank()) + ": lost contact with the other ranks during " + what + " (" +
                first_line(e) + "); another rank failed or stopped");
  }
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void DataParallel::sum(std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (size_t first = 0; first < tensors.size();) {
    // A bucket: consecutive tensors of one type and device, up to kBucketBytes.
    size_t last = first + 1;
    int64_t bytes = tensors[first].nbytes();
    while (last < tensors.size() && tensors[last].options().type_equal(tensors[first].options()) &&
           bytes + int64_t(tensors[last].nbytes()) <= kBucketBytes)
      bytes += int64_t(tensors[last++].nbytes());
    std::vector<torch::Tensor> flat_parts;
    for (size_t i = first; i < last; ++i) flat_parts.push_back(tensors[i].reshape({-1}));
    std::vector<torch::Tensor> bucket{torch::cat(flat_parts)};
    guarded("the gradient sum", [&] { impl_->group->allreduce(bucket)->wait(); });
    int64_t offset = 0;
    for (size_t i = first; i < last; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(bucket[0].narrow(0, offset, n).view_as(tensors[i]));
      offset += n;
    }
    first = last;
  }
}

std::vector<double> DataParallel::sum(const std::vector<double>& values) {
  if (values.empty()) return values;
  auto t = torch::tensor(values, torch::kFloat64).to(impl_->device);
  std::vector<torch::Tensor> v{t};
  guarded("a metric's sum", [&] { impl_->group->allreduce(v)->wait(); });
  auto cpu = v[0].to(torch::kCPU).contiguous();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

std::vector<std::vector<double>> DataParallel::gather(const std::vector<double>& mine) {
  auto t = torch::tensor(mine, torch::kFloat64).to(impl_->device);
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < size(); ++r) out[0].push_back(torch::empty_like(t));
  std::vector<torch::Tensor> in{t};
  guarded("a metric's gathering", [&] { impl_->group->allgather(out, in)->wait(); });
  std::vector<std::vector<double>> all;
  for (auto& x : out[0]) {
    auto cpu = x.to(torch::kCPU).contiguous();
    all.emplace_back(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
  }
  return all;
}

double DataParallel::take_seconds() {
  double s = seconds_;
  seconds_ = 0;
  return s;
}

Indices share_of(const Indices& cells, int rank, int size, size_t align) {
  const size_t per_rank = (cells.size() + size_t(size) - 1) / size_t(size);
  const size_t part = (per_rank + align - 1) / align * align;
  const size_t begin = std::min(cells.size(), part * size_t(rank)), end = std::min(cells.size(), begin + part);
  return Indices(cells.begin() + long(begin), cells.begin() + long(end));
}

std::vector<double> sum_gradients(DataParallel& group, const std::vector<torch::Tensor>& parameters,
                                  const std::vector<double>& also) {
  std::vector<torch::Tensor> grads;
  std::vector<double> defined(parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor p = parameters[i];
    defined[i] = p.grad().defined() ? 1 : 0;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  group.sum(grads);
  defined.insert(defined.end(), also.begin(), also.end());
  const std::vector<double> count = group.sum(defined);
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor p = parameters[i];
    if (count[i] == 0) p.mutable_grad() = torch::Tensor();
  }
  return std::vector<double>(count.begin() + long(parameters.size()), count.end());
}

}  // namespace scldm
