#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "io/stream.hpp"
#include "test_util.hpp"
#include "util/error.hpp"

using namespace scldm;

namespace {

StreamHeader counts_header(size_t n_genes) {
  StreamHeader h;
  h.kind = StreamHeader::Kind::counts;
  for (size_t g = 0; g < n_genes; ++g) h.genes.push_back("G" + std::to_string(g));
  h.labels = test::block_labels();
  h.provenance = {{"command", "test"}, {"vae_fingerprint", "abc"}};
  return h;
}

std::string write_counts(const std::string& path, const std::vector<CountBlock>& blocks, size_t n_genes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  StreamWriter w(fd, path, counts_header(n_genes));
  for (auto& b : blocks) w.write(b);
  w.finish();
  close(fd);
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

CountBlock read_all(const std::string& path) {
  StreamReader r(path);
  CountBlock all, b;
  all.clear(r.header().labels.size());
  while (r.next(b))
    for (size_t i = 0; i < b.size(); ++i) all.append_cell(b, i);
  return all;
}

void expect_same(const CountBlock& a, const CountBlock& b) {
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.indptr, b.indptr);
  EXPECT_EQ(a.genes, b.genes);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.library_size, b.library_size);
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::temp_dir(); }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

}  // namespace

TEST_F(StreamTest, CountsRoundTripAcrossManyFrames) {
  // 3000 cells x 2000 genes is several 1 MiB frames.
  CountBlock block = test::make_block(3000, 2000);
  std::string path = dir_ + "/a.scs";
  write_counts(path, {block}, 2000);
  StreamReader r(path);
  EXPECT_EQ(r.header().genes.size(), 2000u);
  EXPECT_EQ(r.header().provenance["vae_fingerprint"], "abc");
  int frames = 0;
  CountBlock b;
  while (r.next(b)) ++frames;
  EXPECT_GT(frames, 1);
  expect_same(read_all(path), block);
}

TEST_F(StreamTest, BytesDoNotDependOnHowCellsAreBatched) {
  CountBlock whole = test::make_block(500, 300);
  std::vector<CountBlock> pieces;
  for (size_t start = 0; start < 500; start += 37) pieces.push_back(test::make_block(std::min<size_t>(37, 500 - start), 300, start));
  EXPECT_EQ(write_counts(dir_ + "/a.scs", {whole}, 300), write_counts(dir_ + "/b.scs", pieces, 300));
}

TEST_F(StreamTest, LatentsRoundTrip) {
  StreamHeader h;
  h.kind = StreamHeader::Kind::latent;
  h.tokens = 4;
  h.dim = 3;
  h.labels = test::block_labels();
  LatentBlock b;
  b.clear(2);
  for (int i = 0; i < 10; ++i) {
    b.ids.push_back("c" + std::to_string(i));
    b.library_size.push_back(1000.5 + i);
    b.labels[0].push_back(i % 3);
    b.labels[1].push_back(-1);
    for (int k = 0; k < 12; ++k) b.values.push_back(float(i) * 0.25f - float(k));
  }
  std::string path = dir_ + "/l.lat";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  StreamWriter w(fd, path, h);
  w.write(b);
  w.finish();
  close(fd);
  StreamReader r(path);
  LatentBlock got;
  ASSERT_TRUE(r.next(got));
  EXPECT_EQ(got.values, b.values);
  EXPECT_EQ(got.ids, b.ids);
  EXPECT_EQ(got.library_size, b.library_size);
  EXPECT_FALSE(r.next(got));
  CountBlock wrong;
  StreamReader r2(path);
  EXPECT_THROW(r2.next(wrong), Error);
}

TEST_F(StreamTest, EveryTruncationIsAnError) {
  std::string path = dir_ + "/a.scs";
  std::string bytes = write_counts(path, {test::make_block(50, 40)}, 40);
  for (size_t cut = 0; cut < bytes.size(); cut += 1 + cut / 8) {
    std::string p = dir_ + "/cut.scs";
    std::ofstream(p, std::ios::binary).write(bytes.data(), long(cut));
    EXPECT_THROW(read_all(p), Error) << "cut at " << cut;
  }
}

TEST_F(StreamTest, EveryFlippedByteIsAnError) {
  std::string path = dir_ + "/a.scs";
  std::string bytes = write_counts(path, {test::make_block(30, 40)}, 40);
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    std::string bad = bytes;
    bad[pos] = char(bad[pos] ^ 0x5a);
    std::string p = dir_ + "/bad.scs";
    std::ofstream(p, std::ios::binary).write(bad.data(), long(bad.size()));
    EXPECT_THROW(read_all(p), Error) << "flip at " << pos;
  }
}

TEST_F(StreamTest, ErrorsNameTheByteOffset) {
  std::string path = dir_ + "/a.scs";
  std::string bytes = write_counts(path, {test::make_block(30, 40)}, 40);
  std::string p = dir_ + "/cut.scs";
  std::ofstream(p, std::ios::binary).write(bytes.data(), long(bytes.size() - 3));
  try {
    read_all(p);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(p + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find("at byte"), std::string::npos) << msg;
  }
}

TEST_F(StreamTest, TrailingDataIsAnError) {
  std::string path = dir_ + "/a.scs";
  std::string bytes = write_counts(path, {test::make_block(5, 10)}, 10) + "x";
  std::ofstream(path, std::ios::binary).write(bytes.data(), long(bytes.size()));
  EXPECT_THROW(read_all(path), Error);
}

TEST_F(StreamTest, NewerFormatVersionIsRefusedWithAnUpgradeHint) {
  nlohmann::json j = counts_header(3).to_json();
  j["version"] = 99;
  try {
    StreamHeader::from_json(j, "x.scs");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("upgrade"), std::string::npos);
  }
}

// Inputs the fuzzer (bench/fuzz.sh) found trouble with: each must give an
// Error, not a crash. leak-header-throws.scs leaked the zstd context when
// the header was rejected (the constructor threw before ownership was set).
TEST(StreamFuzzRegressions, FoundInputsAreCleanErrors) {
  std::string dir = std::string(SCLDM_SOURCE_DIR) + "/tests/fixtures/fuzz/";
  for (const char* name : {"leak-header-throws.scs"}) {
    EXPECT_THROW(
        {
          StreamReader r(dir + name);
          CountBlock b;
          while (r.next(b)) {
          }
        },
        Error)
        << name;
  }
}
