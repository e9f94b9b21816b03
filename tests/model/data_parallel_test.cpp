// c10d process groups in one process (a thread per rank, loopback): the
// gradient sum, its buckets and flags, gathering, and the store of torchrun's
// agent (every rank a client, keys under a prefix).
#include <gtest/gtest.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <functional>
#include <string>
#include <thread>

#include "train/data_parallel.hpp"

using namespace scldm;

namespace {

WorldSetup rank_of(int rank, int size, int port, const std::string& prefix = "") {
  WorldSetup w;
  w.rank = rank, w.size = size, w.local_rank = rank, w.local_size = size;
  w.master_addr = "127.0.0.1", w.master_port = port, w.launcher = "torchrun", w.agent_store_prefix = prefix;
  return w;
}

// Runs f(rank) on two threads; the first error of either, or "".
std::string on_two_ranks(const std::function<void(int)>& f) {
  std::string errors[2];
  auto guarded = [&](int r) {
    try {
      f(r);
    } catch (const std::exception& e) {
      errors[r] = e.what();
    }
  };
  std::thread other(guarded, 1);
  guarded(0);
  other.join();
  return errors[0] + errors[1];
}

}  // namespace

TEST(DataParallel, GradientsSumInBucketsAndUndefinedOnesStayUndefined) {
  const int port = free_loopback_port();
  std::vector<torch::Tensor> results[2];
  std::vector<double> also[2];
  std::string error = on_two_ranks([&](int r) {
    DataParallel group(rank_of(r, 2, port), "gloo", std::chrono::seconds(30), torch::kCPU);
    // 2 x 16 MB: two buckets of the 25 MB limit, then a small one.
    std::vector<torch::Tensor> params = {torch::zeros({4 << 20}, torch::requires_grad()), torch::zeros({4 << 20}, torch::requires_grad()),
                                         torch::zeros({3, 2}, torch::requires_grad()), torch::zeros({5}, torch::requires_grad())};
    params[0].mutable_grad() = torch::full({4 << 20}, float(r + 1));
    params[1].mutable_grad() = torch::full({4 << 20}, float(10 * (r + 1)));
    if (r == 1) params[2].mutable_grad() = torch::ones({3, 2});  // rank 0 has none: zeros there
    also[r] = sum_gradients(group, params, {double(r) + 0.5});
    for (auto& p : params) results[r].push_back(p.grad());
  });
  ASSERT_EQ(error, "");
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::equal(results[r][0], torch::full({4 << 20}, 3.0f)));
    EXPECT_TRUE(torch::equal(results[r][1], torch::full({4 << 20}, 30.0f)));
    EXPECT_TRUE(torch::equal(results[r][2], torch::ones({3, 2})));
    EXPECT_FALSE(results[r][3].defined());  // no rank had it: AdamW skips it, as in one process
    EXPECT_EQ(also[r], std::vector<double>{2.0});
  }
}

TEST(DataParallel, RanksUnderTorchrunsAgentMeetAtItsStore) {
  const int port = free_loopback_port();
  c10d::TCPStoreOptions agent_options;
  agent_options.port = uint16_t(port);
  agent_options.isServer = true;
  agent_options.waitWorkers = false;
  auto agent = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", agent_options);
  std::vector<std::vector<double>> gathered[2];
  std::string error = on_two_ranks([&](int r) {
    DataParallel group(rank_of(r, 2, port, "/worker/attempt_0"), "gloo", std::chrono::seconds(30), torch::kCPU);
    gathered[r] = group.gather({double(r), 10.0 + r});
  });
  ASSERT_EQ(error, "");
  const std::vector<std::vector<double>> expected = {{0, 10}, {1, 11}};
  EXPECT_EQ(gathered[0], expected);
  EXPECT_EQ(gathered[1], expected);
  EXPECT_GT(agent->getNumKeys(), 0);  // the ranks met through the agent's store
}

TEST(DataParallel, SharesOfValidationCellsAreWholeBlocks) {
  Indices cells(53);
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = 100 + i;
  Indices all;
  const size_t sizes[] = {32, 21, 0};  // ceil(53 / 3) = 18 cells, rounded up to 2 blocks of 16
  for (int r = 0; r < 3; ++r) {
    Indices s = share_of(cells, r, 3, 16);
    EXPECT_EQ(s.size(), sizes[r]) << r;
    all.insert(all.end(), s.begin(), s.end());
  }
  EXPECT_EQ(all, cells);
}
