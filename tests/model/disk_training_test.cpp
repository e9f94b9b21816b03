// The out-of-core path of fit-vae: the blocked data order, and training from
// cells read off disk during training, which must give the model that the
// same order gives from memory, resume exactly, and notice a changed file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "io/checkpoint.hpp"
#include "io/disk_cells.hpp"
#include "io/h5ad_writer.hpp"
#include "train/order.hpp"
#include "train/vae_trainer.hpp"

using namespace scldm;

namespace {

class DiskTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scldm-disk-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/cells.h5ad";
    write_cells(path_, 90, 12);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // Two kinds of cells on different halves of the genes; every 10th cell empty.
  static void write_cells(const std::string& path, size_t n, size_t genes) {
    std::vector<std::string> names;
    for (size_t g = 0; g < genes; ++g) names.push_back("g" + std::to_string(g));
    H5adWriter w(path, names, {}, nlohmann::json::object());
    CountBlock b;
    b.clear(0);
    std::mt19937_64 rng(5);
    for (size_t i = 0; i < n; ++i) {
      double total = 0;
      for (size_t g = 0; g < genes && i % 10 != 3; ++g) {
        uint32_t c = ((g < genes / 2) == (i % 2 == 0)) ? uint32_t(rng() % 6) : uint32_t(rng() % 9 == 0);
        if (c == 0) continue;
        b.genes.push_back(uint32_t(g));
        b.counts.push_back(c);
        total += c;
      }
      b.indptr.push_back(b.genes.size());
      b.ids.push_back("c" + std::to_string(i));
      b.library_size.push_back(total);
    }
    w.write(b);
    w.finish();
  }

  VaeTrainOptions options(const std::string& name) const {
    VaeTrainOptions o;
    o.batch_size = 16;
    o.max_steps = 12;  // over two epochs
    o.val_fraction = 0.2;
    o.order.block_cells = 8;
    o.order.buffer_blocks = 2;
    o.output = dir_ + "/" + name + ".pt";
    return o;
  }

  static VaeConfig tiny() {
    VaeConfig c = vae_preset("tiny");
    c.blocks = 1;
    return c;
  }

  std::string dir_, path_;
};

std::vector<Blob> parameters_of(const std::string& path) {
  std::vector<Blob> out;
  for (auto& b : read_checkpoint(path).blobs)
    if (b.name.rfind("param/", 0) == 0 || b.name.rfind("best/", 0) == 0) out.push_back(b);
  return out;
}

void expect_same_parameters(const std::string& a, const std::string& b) {
  auto pa = parameters_of(a), pb = parameters_of(b);
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_GT(pa.size(), 4u);
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].name, pb[i].name);
    EXPECT_EQ(pa[i].bytes, pb[i].bytes) << pa[i].name;
  }
}

}  // namespace

TEST(BlockOrder, VisitsEveryTrainingCellOncePoolingBlocks) {
  Indices train;
  for (size_t c = 0; c < 200; ++c)
    if (c % 7 != 0) train.push_back(c);  // the held-out cells leave holes
  OrderScheme scheme{16, 3};
  EpochPlan a = epoch_plan(train, scheme, 1, 0), again = epoch_plan(train, scheme, 1, 0), next = epoch_plan(train, scheme, 1, 1);
  EXPECT_EQ(a.order, again.order);
  EXPECT_NE(a.order, next.order);
  Indices sorted = a.order;
  std::sort(sorted.begin(), sorted.end());
  Indices expected = train;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sorted, expected);
  ASSERT_EQ(a.buffer_end.back(), a.order.size());
  EXPECT_EQ(a.buffer_end.size(), size_t(5));  // 13 blocks, 3 per buffer
  for (size_t j = 0, begin = 0; j < a.buffer_end.size(); begin = a.buffer_end[j++]) {
    std::set<size_t> blocks;
    for (size_t k = begin; k < a.buffer_end[j]; ++k) blocks.insert(a.order[k] / 16);
    EXPECT_LE(blocks.size(), 3u);
  }
  // Not block after block: within a buffer the blocks' cells interleave.
  size_t block_changes = 0;
  for (size_t k = 1; k < a.buffer_end[0]; ++k) block_changes += a.order[k] / 16 != a.order[k - 1] / 16;
  EXPECT_GT(block_changes, 10u);
}

TEST(BlockOrder, WithoutBlocksIsTheFullShuffle) {
  Indices train{5, 2, 9, 4, 7, 1};
  EpochPlan p = epoch_plan(train, OrderScheme{}, 3, 2);
  EXPECT_EQ(p.order, shuffled_indices(train, mix_seed(3, 3)));
  EXPECT_EQ(p.buffer_end, std::vector<size_t>{6});
}

TEST_F(DiskTraining, FromDiskEqualsFromMemoryInTheSameOrder) {
  H5adReader reader(path_);
  CellSet data = load_cells(reader, {}, true);
  DiskCells disk(std::make_unique<H5adReader>(path_), {});
  ASSERT_EQ(disk.size(), data.size());
  EXPECT_EQ(disk.meta().skipped_empty, 9u);
  CellsInMemory memory(data);
  CellsOnDisk streamed(disk);
  auto m = train_vae(memory, tiny(), options("memory"));
  auto d = train_vae(streamed, tiny(), options("disk"));
  EXPECT_EQ(m.last.metrics, d.last.metrics);
  expect_same_parameters(dir_ + "/memory.pt", dir_ + "/disk.pt");
  expect_same_parameters(dir_ + "/memory.last.pt", dir_ + "/disk.last.pt");
  EXPECT_EQ(read_checkpoint(dir_ + "/disk.pt").meta["training"]["order"], options("x").order.to_json());
}

TEST_F(DiskTraining, ResumeFromDiskEqualsAnUninterruptedRun) {
  DiskCells disk(std::make_unique<H5adReader>(path_), {});
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), options("full"));
  }
  VaeTrainOptions first = options("run");
  first.stop_after = 5;  // mid-epoch, mid-buffer
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), first);
  }
  VaeTrainOptions second = options("run");
  second.resume = last_checkpoint_path(second.output);
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), second);
  }
  expect_same_parameters(dir_ + "/full.last.pt", dir_ + "/run.last.pt");
}

TEST_F(DiskTraining, ResumingWithAnotherOrderIsRefused) {
  DiskCells disk(std::make_unique<H5adReader>(path_), {});
  VaeTrainOptions first = options("run");
  first.stop_after = 3;
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), first);
  }
  VaeTrainOptions second = options("run");
  second.resume = last_checkpoint_path(second.output);
  second.order.buffer_blocks = 3;
  CellsOnDisk cells(disk);
  try {
    train_vae(cells, tiny(), second);
    FAIL() << "resumed with another order";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another data order"), std::string::npos) << e.what();
  }
}

TEST_F(DiskTraining, AFileChangedDuringTrainingIsAnErrorNamingIt) {
  DiskCells disk(std::make_unique<H5adReader>(path_), {});
  EXPECT_EQ(disk.read({0, 1, 2}).size(), 3u);
  write_cells(path_ + ".new", 80, 12);
  ASSERT_EQ(rename((path_ + ".new").c_str(), path_.c_str()), 0);
  try {
    disk.read({0, 1, 2});
    FAIL() << "read a replaced file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed while training"), std::string::npos) << e.what();
  }
  // And the training loop passes the reading thread's error on.
  CellsOnDisk cells(disk);
  EXPECT_THROW(train_vae(cells, tiny(), options("after")), Error);
}

// --time: the steps that fit a budget. Steps of 2 s and an epoch end of 5 s
// after every 10 steps and after the last: 40 steps take 80 + 4 x 5 = 100 s,
// 37 take 74 + 4 x 5 = 94 s, 36 take 72 + 4 x 5 = 92 s.
TEST(TimePlan, StepsWithinCountEveryEpochEnd) {
  EXPECT_EQ(steps_within(100, 2, 5, 10), 40);
  EXPECT_EQ(steps_within(99.9, 2, 5, 10), 39);  // 78 + 4 x 5 = 98 s
  EXPECT_EQ(steps_within(94, 2, 5, 10), 37);
  EXPECT_EQ(steps_within(93.9, 2, 5, 10), 36);
  EXPECT_EQ(steps_within(7, 2, 5, 10), 1);
  EXPECT_EQ(steps_within(6.9, 2, 5, 10), 0);
  EXPECT_EQ(steps_within(-1, 2, 5, 10), 0);
  EXPECT_EQ(steps_within(1e9, 0.5, 0, 1), 2000000000);
}

// The plan's probes (step 0's loss and gradients, a validation) leave the
// model, the optimiser and the reading thread as they were: a planned run is
// the run --max-steps N gives, from disk too, and --resume keeps the plan
// whatever --time says then.
TEST_F(DiskTraining, ATimedRunIsTheRunOfItsPlannedStepsAndResumeKeepsThePlan) {
  DiskCells disk(std::make_unique<H5adReader>(path_), {});
  VaeTrainOptions timed = options("timed");
  timed.max_steps = 0;
  timed.epochs = 1000;
  timed.time_budget = 1;
  int64_t planned = 0;
  {
    CellsOnDisk cells(disk);
    planned = train_vae(cells, tiny(), timed).steps;
  }
  const auto meta = read_checkpoint(dir_ + "/timed.pt").meta;
  EXPECT_EQ(meta["total_steps"], planned);
  EXPECT_EQ(meta["training"]["time"]["steps"], planned);
  ASSERT_GT(planned, 6);
  VaeTrainOptions fixed = options("fixed");
  fixed.max_steps = planned;
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), fixed);
  }
  expect_same_parameters(dir_ + "/timed.last.pt", dir_ + "/fixed.last.pt");
  VaeTrainOptions first = options("resumed");
  first.max_steps = 0;
  first.epochs = 1000;
  first.time_budget = 1;
  first.stop_after = 5;
  int64_t first_plan = 0;
  {
    CellsOnDisk cells(disk);
    train_vae(cells, tiny(), first);
    first_plan = read_checkpoint(dir_ + "/resumed.last.pt").meta["total_steps"].get<int64_t>();
  }
  VaeTrainOptions second = options("resumed");
  second.max_steps = 0;
  second.epochs = 1000;
  second.time_budget = 1e6;  // ignored: the plan stays
  second.resume = last_checkpoint_path(second.output);
  CellsOnDisk cells(disk);
  EXPECT_EQ(train_vae(cells, tiny(), second).steps, first_plan);
  VaeTrainOptions reference = options("reference");
  reference.max_steps = first_plan;
  CellsOnDisk again(disk);
  train_vae(again, tiny(), reference);
  expect_same_parameters(dir_ + "/reference.last.pt", dir_ + "/resumed.last.pt");
}
