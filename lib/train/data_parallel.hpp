// Data-parallel training over c10d, LibTorch's collective communication
// (Gloo on CPU tensors, NCCL on CUDA where the build has it): the processes
// of a job meet at rank 0's TCPStore, then sum gradients and metrics every
// step. scldm-model(7), DATA PARALLEL.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "util/indices.hpp"
#include "util/world.hpp"

namespace scldm {

class DataParallel {
 public:
  // Joins the job (rendezvous at master_addr:master_port, at most `timeout`
  // for every peer and every collective). backend: "auto" (NCCL for CUDA
  // tensors where built, else Gloo), "gloo" or "nccl".
  DataParallel(const WorldSetup& world, const std::string& backend, std::chrono::milliseconds timeout,
               const torch::Device& device);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  const std::string& backend() const { return backend_; }

  // Sums the tensors over the ranks, in place: packed into flat buffers of
  // at most kBucketBytes (one collective each), as PyTorch's DDP buckets.
  void sum(std::vector<torch::Tensor>& tensors);
  // Sums doubles over the ranks.
  std::vector<double> sum(const std::vector<double>& values);
  // Every rank's vector (all the same length), in rank order.
  std::vector<std::vector<double>> gather(const std::vector<double>& mine);
  // Seconds spent in collectives since the last call (for the metrics log).
  double take_seconds();

  static constexpr int64_t kBucketBytes = 25 << 20;

 private:
  struct Impl;
  template <typename F>
  void guarded(const char* what, F&& f);
  WorldSetup world_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
  double seconds_ = 0;
};

// Rank `rank`'s share of `cells` (of `size` ranks): a contiguous run of a
// multiple of `align` cells (the last rank's may be shorter or empty).
Indices share_of(const Indices& cells, int rank, int size, size_t align);

// The gradients of `parameters` summed over the ranks (each rank's loss
// already weighted by its share of the global batch). A gradient that no rank
// defined stays undefined (AdamW skips it, as in one process); one that some
// rank left undefined counts as zeros there.
// Returns `also` summed over the ranks (in the same collective as the flags).
std::vector<double> sum_gradients(DataParallel& group, const std::vector<torch::Tensor>& parameters,
                                  const std::vector<double>& also = {});

}  // namespace scldm
