#include <gtest/gtest.h>

#include <numeric>

#include "io/h5ad_reader.hpp"
#include "io/h5ad_writer.hpp"
#include "io/select.hpp"
#include "test_util.hpp"
#include "util/error.hpp"

using namespace scldm;

namespace {

class H5adTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::temp_dir(); }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

std::vector<std::string> genes(size_t n) {
  std::vector<std::string> g;
  for (size_t i = 0; i < n; ++i) g.push_back("G" + std::to_string(i));
  return g;
}

}  // namespace

TEST_F(H5adTest, WriterOutputReadsBackInSmallBlocks) {
  std::string path = dir_ + "/a.h5ad";
  CountBlock block = test::make_block(1000, 120);
  {
    H5adWriter w(path, genes(120), test::block_labels(), {{"command", "test"}, {"seed", 3}});
    // Written in uneven pieces, as a stream would deliver them.
    for (size_t start = 0; start < 1000; start += 333) {
      CountBlock piece;
      piece.clear(2);
      for (size_t i = start; i < std::min<size_t>(1000, start + 333); ++i) piece.append_cell(block, i);
      w.write(piece);
    }
    w.finish();
  }
  H5adOptions opt;
  opt.block_cells = 64;  // many blocks
  H5adReader r(path, opt);
  EXPECT_EQ(r.schema().genes, genes(120));
  ASSERT_EQ(r.schema().labels.size(), 2u);
  EXPECT_EQ(r.schema().labels[0].categories, test::block_labels()[0].categories);
  CountBlock all, b;
  all.clear(2);
  int blocks = 0;
  while (r.next(b)) {
    EXPECT_LE(b.size(), 64u);
    ++blocks;
    for (size_t i = 0; i < b.size(); ++i) all.append_cell(b, i);
  }
  EXPECT_EQ(blocks, 16);
  EXPECT_EQ(all.ids, block.ids);
  EXPECT_EQ(all.genes, block.genes);
  EXPECT_EQ(all.counts, block.counts);
  EXPECT_EQ(all.labels, block.labels);  // -1 (missing) survives
  EXPECT_EQ(all.library_size, block.library_size);
}

TEST_F(H5adTest, KangLibrarySizesMatchTheStoredTotals) {
  std::string path = test::shared_data("kang_ctrl_muscat.h5ad");
  if (!test::exists(path)) GTEST_SKIP() << "../shared/data is absent";
  H5adReader r(path);
  EXPECT_EQ(r.matrix().n_cells, 9809u);
  EXPECT_EQ(r.matrix().n_genes, 1287u);
  CountBlock b;
  uint64_t cells = 0, nnz = 0;
  double total = 0;
  while (r.next(b)) {
    cells += b.size();
    nnz += b.genes.size();
    for (size_t i = 0; i < b.size(); ++i) {
      double sum = std::accumulate(b.counts.begin() + long(b.indptr[i]), b.counts.begin() + long(b.indptr[i + 1]), 0.0);
      EXPECT_EQ(sum, b.library_size[i]);
      total += sum;
    }
  }
  EXPECT_EQ(cells, 9809u);
  EXPECT_EQ(nnz, r.matrix().stored);
  EXPECT_GT(total / double(cells), 500);
}

TEST_F(H5adTest, NotAnHdf5FileIsAClearError) {
  std::string path = dir_ + "/x.h5ad";
  FILE* f = fopen(path.c_str(), "w");
  fputs("not hdf5", f);
  fclose(f);
  try {
    H5adReader r(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": not an HDF5/h5ad file (or truncated)");
  }
}

TEST(Selection, KeysAndValuesCombine) {
  CountBlock b = test::make_block(12, 5);
  CellSelection all({}, test::block_labels(), "f");
  EXPECT_TRUE(all.selects_all());
  CellSelection sel({"cell_type=B", "cell_type=NK", "condition=stim"}, test::block_labels(), "f");
  for (size_t i = 0; i < b.size(); ++i) {
    bool type_ok = b.labels[0][i] == 0 || b.labels[0][i] == 2;
    bool cond_ok = b.labels[1][i] == 1;
    EXPECT_EQ(sel.keep(b, i), type_ok && cond_ok) << i;
  }
  EXPECT_THROW(CellSelection({"tissue=x"}, test::block_labels(), "f"), Error);
  EXPECT_THROW(CellSelection({"cell_type=Q"}, test::block_labels(), "f"), Error);
  EXPECT_THROW(CellSelection({"cell_type"}, test::block_labels(), "f"), UsageError);
}
