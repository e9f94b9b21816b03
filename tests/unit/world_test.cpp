// The data-parallel job read from the launchers' environments (util/world).
#include <gtest/gtest.h>

#include <cstdlib>

#include "util/error.hpp"
#include "util/world.hpp"

using namespace scldm;

namespace {

const char* kVariables[] = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                            "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NTASKS_PER_NODE",
                            "SCLDM_NPROC"};

class World : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVariables) unsetenv(v);
  }
  void TearDown() override { SetUp(); }
};

}  // namespace

TEST_F(World, NoLauncherIsOneProcess) {
  WorldSetup w = world_from_environment();
  EXPECT_FALSE(w.distributed());
  EXPECT_EQ(w.rank, 0);
  EXPECT_EQ(w.launcher, "");
  // A Slurm batch script (no srun step) runs once, even with several tasks allocated.
  setenv("SLURM_PROCID", "0", 1);
  setenv("SLURM_NTASKS", "8", 1);
  EXPECT_FALSE(world_from_environment().distributed());
}

TEST_F(World, TorchrunVariables) {
  setenv("RANK", "3", 1);
  setenv("WORLD_SIZE", "8", 1);
  setenv("LOCAL_RANK", "1", 1);
  setenv("LOCAL_WORLD_SIZE", "2", 1);
  setenv("MASTER_ADDR", "node0", 1);
  setenv("MASTER_PORT", "1234", 1);
  WorldSetup w = world_from_environment();
  EXPECT_TRUE(w.distributed());
  EXPECT_EQ(w.launcher, "torchrun");
  EXPECT_EQ(w.rank, 3);
  EXPECT_EQ(w.size, 8);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.local_size, 2);
  EXPECT_EQ(w.describe(), "rank 3 of 8 (torchrun, node0:1234)");
}

TEST_F(World, SrunStepVariables) {
  setenv("SLURM_PROCID", "5", 1);
  setenv("SLURM_STEP_NUM_TASKS", "8", 1);
  setenv("SLURM_LOCALID", "1", 1);
  EXPECT_THROW(world_from_environment(), Error);  // several tasks need MASTER_ADDR
  setenv("MASTER_ADDR", "10.0.0.1", 1);
  WorldSetup w = world_from_environment();
  EXPECT_EQ(w.launcher, "slurm");
  EXPECT_EQ(w.rank, 5);
  EXPECT_EQ(w.size, 8);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.master_port, 29500);
}

TEST_F(World, MalformedValuesNameTheVariable) {
  auto message = [] {
    try {
      world_from_environment();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  setenv("WORLD_SIZE", "two", 1);
  EXPECT_EQ(message(), "$WORLD_SIZE='two' is not an integer in 1..1048576");
  setenv("WORLD_SIZE", "2", 1);
  setenv("RANK", "2", 1);
  EXPECT_EQ(message(), "$RANK=2 is not below $WORLD_SIZE=2");
  setenv("RANK", "1", 1);
  setenv("MASTER_PORT", "70000", 1);
  EXPECT_EQ(message(), "$MASTER_PORT='70000' is not an integer in 1..65535");
}

TEST(FreePort, IsALoopbackPortNoOneHolds) {
  int port = free_loopback_port();
  EXPECT_GT(port, 0);
  EXPECT_LT(port, 65536);
}
