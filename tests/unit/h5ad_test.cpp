#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <csignal>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <numeric>

#include "io/h5ad_reader.hpp"
#include "io/h5ad_writer.hpp"
#include "io/select.hpp"
#include "io/stream.hpp"
#include "test_util.hpp"
#include "util/error.hpp"
#include "util/bytes.hpp"
#include "util/temp.hpp"
#include "util/process.hpp"
#include "util/output.hpp"
#include "util/text.hpp"

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

// Writes `block` to an h5ad at `path` in pieces of `piece` cells.
void write_h5ad(const std::string& path, const CountBlock& block, size_t n_genes, H5adWriterOptions options = {},
                size_t piece = 1000000, std::vector<bool>* wide_after_piece = nullptr) {
  H5adWriter w(path, genes(n_genes), test::block_labels(), {{"command", "test"}}, options);
  for (size_t start = 0; start < block.size(); start += piece) {
    CountBlock part;
    part.clear(2);
    for (size_t i = start; i < std::min(block.size(), start + piece); ++i) part.append_cell(block, i);
    w.write(part);
    if (wide_after_piece) wide_after_piece->push_back(w.wide_indices());
  }
  w.finish();
}

CountBlock read_all(H5adReader& r) {
  CountBlock all, b;
  all.clear(r.schema().labels.size());
  while (r.next(b))
    for (size_t i = 0; i < b.size(); ++i) all.append_cell(b, i);
  return all;
}

// The message of the Error `body` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

size_t type_size(const std::string& file, const std::string& dataset) {
  h5::Handle f = h5::open_file(file);
  h5::Handle d = h5::open_dataset(f, dataset, file);
  h5::Handle t(H5Dget_type(d));
  return H5Tget_size(t);
}

// Opens a file we wrote for editing (our datasets are chunked: they shrink).
void shrink(const std::string& file, const std::string& dataset, hsize_t n) {
  h5::Handle f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  ASSERT_TRUE(f.valid());
  h5::Handle d(H5Dopen2(f, dataset.c_str(), H5P_DEFAULT));
  ASSERT_TRUE(d.valid());
  ASSERT_GE(H5Dset_extent(d, &n), 0);
  d.reset();
  f.close(file);
}

// Writes past `bytes` fail with EFBIG, as on a full disk, while alive.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved_;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t old_handler_;
};

size_t open_descriptors() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d)) ++n;
  closedir(d);
  return n;
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

TEST(Text, ValidUtf8FollowsRfc3629) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("cell-1"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9t\xc3\xa9"));       // été
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));             // €
  EXPECT_TRUE(valid_utf8("\xf0\x9f\xa7\xac"));         // U+1F9EC
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));      // NUL is valid UTF-8
  EXPECT_FALSE(valid_utf8("caf\xe9"));                  // Latin-1
  EXPECT_FALSE(valid_utf8("\x80"));                     // a lone continuation byte
  EXPECT_FALSE(valid_utf8("\xc3"));                     // truncated
  EXPECT_FALSE(valid_utf8("\xe2\x82"));                 // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                 // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));             // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));             // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));         // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_EQ(make_valid_utf8("caf\xe9!"), "caf\xef\xbf\xbd!");
  EXPECT_EQ(make_valid_utf8("\xc3\xa9"), "\xc3\xa9");
  size_t earlier = 9;
  EXPECT_EQ(first_duplicate({"a", "b", "c", "b", "a"}, &earlier), 3u);
  EXPECT_EQ(earlier, 1u);
  EXPECT_EQ(first_duplicate({"a", "b"}), std::string::npos);
}

TEST_F(H5adTest, WriterRefusesStringsAnndataCannotRead) {
  std::string path = dir_ + "/w.h5ad";
  CountBlock block = test::make_block(20, 5);
  block.ids[17] = "cell\xe9" "17";
  H5adWriter w(path, genes(5), test::block_labels(), {{"command", "test"}}, {"out.h5ad"});
  EXPECT_EQ(error_of([&] { w.write(block); }), "out.h5ad: cell id 17 is not valid UTF-8");
  block.ids[17] = std::string("cell\0" "17", 7);
  EXPECT_EQ(error_of([&] { w.write(block); }), "out.h5ad: cell id 17 holds a NUL byte");
  block.ids[17] = "cell17";
  w.write(block);
  block.ids[3] = "\xc3";
  EXPECT_EQ(error_of([&] { w.write(block); }), "out.h5ad: cell id 23 is not valid UTF-8");  // counted across blocks

  auto bad_genes = genes(5);
  bad_genes[2] = "G\xff";
  EXPECT_EQ(error_of([&] { H5adWriter(path, bad_genes, {}, {}, {"o.h5ad"}); }), "o.h5ad: gene name 2 is not valid UTF-8");
  bad_genes[2] = "G1";
  EXPECT_EQ(error_of([&] { H5adWriter(path, bad_genes, {}, {}, {"o.h5ad"}); }),
            "o.h5ad: duplicate gene name 'G1' (genes 1 and 2)");
  auto labels = test::block_labels();
  labels[1].categories = {"ctrl", "st\xe9m"};
  EXPECT_EQ(error_of([&] { H5adWriter(path, genes(5), labels, {}, {"o.h5ad"}); }),
            "o.h5ad: category 1 of condition is not valid UTF-8");
  labels[1].categories = {"ctrl", "ctrl"};
  EXPECT_EQ(error_of([&] { H5adWriter(path, genes(5), labels, {}, {"o.h5ad"}); }),
            "o.h5ad: condition: duplicate category 'ctrl'");
  // Provenance is informative: made valid, not refused.
  H5adWriter ok(dir_ + "/p.h5ad", genes(5), {}, {{"input", "caf\xe9.h5ad"}});
  ok.finish();
}

TEST_F(H5adTest, IndicesAndIndptrShareTheirDtype) {
  CountBlock block = test::make_block(300, 40);
  std::string narrow = dir_ + "/narrow.h5ad", wide = dir_ + "/wide.h5ad";
  write_h5ad(narrow, block, 40);
  EXPECT_EQ(type_size(narrow, "X/indices"), 4u);
  EXPECT_EQ(type_size(narrow, "X/indptr"), 4u);
  // Past the limit (lowered for the test) both are rewritten as int64
  // while streaming; what was written before survives the copy.
  H5adWriterOptions options;
  options.int32_limit = 1000;
  ASSERT_GT(block.genes.size(), 2000u);
  std::vector<bool> wide_after;
  write_h5ad(wide, block, 40, options, 100, &wide_after);
  EXPECT_EQ(wide_after, (std::vector<bool>{false, true, true}));
  EXPECT_EQ(type_size(wide, "X/indices"), 8u);
  EXPECT_EQ(type_size(wide, "X/indptr"), 8u);
  for (auto* path : {&narrow, &wide}) {
    H5adReader r(*path);
    CountBlock all = read_all(r);
    EXPECT_EQ(all.ids, block.ids) << *path;
    EXPECT_EQ(all.indptr, block.indptr) << *path;
    EXPECT_EQ(all.genes, block.genes) << *path;
    EXPECT_EQ(all.counts, block.counts) << *path;
  }
  // More genes than the limit: int64 from the start.
  H5adWriterOptions few;
  few.int32_limit = 10;
  write_h5ad(dir_ + "/g.h5ad", test::make_block(5, 40), 40, few);
  EXPECT_EQ(type_size(dir_ + "/g.h5ad", "X/indptr"), 8u);
}

TEST_F(H5adTest, EveryArrayIsCheckedAgainstTheShape) {
  std::string good = dir_ + "/good.h5ad";
  write_h5ad(good, test::make_block(40, 30), 30);
  struct Case {
    const char* dataset;
    const char* message;
  };
  for (auto c : {Case{"obs/_index", "obs has 12 cells but X has 40"},
                 Case{"obs/cell_type/codes", "obs/cell_type/codes: 12 values for 40 cells"},
                 Case{"obs/library_size", "obs/library_size: 12 values for 40 cells"},
                 Case{"X/indptr", "X/indptr: 12 values for 40 cells (expected 41; length does not match the shape)"},
                 Case{"X/indices", "X: data and indices differ in length"}}) {
    std::string bad = dir_ + "/bad.h5ad";
    ASSERT_EQ(std::system(("cp " + good + " " + bad).c_str()), 0);
    shrink(bad, c.dataset, 12);
    EXPECT_EQ(error_of([&] { H5adReader r(bad); }), bad + ": " + c.message) << c.dataset;
  }
}

TEST_F(H5adTest, DuplicateCategoriesAreRefused) {
  std::string path = dir_ + "/dup.h5ad";
  write_h5ad(path, test::make_block(10, 5), 5);
  {
    h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    h5::Handle g = h5::open_group(f, "obs/cell_type", path);
    ASSERT_GE(H5Ldelete(g, "categories", H5P_DEFAULT), 0);
    h5::write_strings(g, "categories", {"B", "T", "B"});
    g.reset();
    f.close(path);
  }
  EXPECT_EQ(error_of([&] { H5adReader r(path); }), path + ": obs/cell_type: duplicate category 'B' (categories 0 and 2)");
}

TEST_F(H5adTest, InMemoryImagesReadLikeFiles) {
  std::string path = dir_ + "/m.h5ad";
  CountBlock block = test::make_block(50, 20);
  write_h5ad(path, block, 20);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  H5adReader r(h5::open_file_image(bytes.data(), bytes.size(), "memory.h5ad"), "memory.h5ad");
  EXPECT_EQ(r.schema().genes, genes(20));
  EXPECT_EQ(read_all(r).counts, block.counts);
  EXPECT_EQ(error_of([&] { h5::open_file_image(bytes.data(), 4, "m"); }), "m: not an HDF5/h5ad file (or truncated)");
  // Messages from deep inside name the image too.
  bytes.resize(bytes.size() / 2);
  std::string e = error_of([&] { H5adReader(h5::open_file_image(bytes.data(), bytes.size(), "half.h5ad"), "half.h5ad"); });
  EXPECT_EQ(e.rfind("half.h5ad: ", 0), 0u) << e;
}

TEST(H5adGuard, MemoryErrorsNameTheFile) {
  EXPECT_EQ(error_of([] { h5::reading("f.h5ad", []() -> int { throw std::bad_alloc(); }); }),
            "f.h5ad: out of memory while reading it (a corrupt size, or too little memory)");
  EXPECT_EQ(error_of([] { h5::reading("f.h5ad", [] { return std::vector<int>(size_t(-1) / 2).size(); }); }),
            "f.h5ad: corrupt file (a declared size is impossibly large)");
}

TEST(H5adGuardDeathTest, ACrashWhileReadingIsACorruptFile) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        install_signal_handlers();
        h5::reading("crash.h5ad", [] { raise(SIGSEGV); });
      },
      testing::ExitedWithCode(1), "crash.h5ad: corrupt HDF5 file \\(the HDF5 library crashed reading it\\)");
}

TEST_F(H5adTest, CheckedCloseReportsAFullDisk) {
  std::string path = dir_ + "/full.h5ad";
  h5::Handle f = h5::create_file(path, "full.h5ad");
  for (int i = 0; i < 20; ++i) h5::create_group(f, "g" + std::to_string(i), path);  // cached metadata
  FileSizeLimit limit(1);
  EXPECT_EQ(error_of([&] { f.close("full.h5ad"); }), "full.h5ad: write error while closing (disk full?)");
  EXPECT_FALSE(f.valid());
}

TEST_F(H5adTest, SpoolingReleasesItsFileWhenAWriteFails) {
  setenv("TMPDIR", dir_.c_str(), 1);
  int fd = memfd_create("input", 0);
  std::vector<char> data(1 << 20, 'x');
  ASSERT_EQ(write(fd, data.data(), data.size()), ssize_t(data.size()));
  lseek(fd, 0, SEEK_SET);
  size_t before = open_descriptors();
  {
    ByteReader in(fd, "pipe");
    FileSizeLimit limit(4096);
    std::string e = error_of([&] { spool_stdin_to_temp(in, "pipe"); });
    EXPECT_NE(e.find("write error"), std::string::npos) << e;
  }
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_EQ(std::system(("test -z \"$(ls " + dir_ + ")\"").c_str()), 0) << "the temporary copy is left";
  lseek(fd, 0, SEEK_SET);
  {
    ByteReader in(fd, "pipe");
    std::string copy = spool_stdin_to_temp(in, "pipe");
    std::ifstream back(copy, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>()).size(), data.size());
    unlink(copy.c_str());
  }
  close(fd);
  unsetenv("TMPDIR");
}

TEST(StreamNames, HeadersWithDuplicateNamesAreRefused) {
  StreamHeader h;
  h.genes = {"A", "B", "A"};
  h.labels = {{"cell_type", {"B", "T"}}};
  EXPECT_EQ(error_of([&] { StreamHeader::from_json(h.to_json(), "x.scs"); }),
            "x.scs: duplicate gene name 'A' in the stream header (genes 0 and 2)");
  h.genes = {"A", "", "C"};
  EXPECT_EQ(error_of([&] { StreamHeader::from_json(h.to_json(), "x.scs"); }),
            "x.scs: gene 1 has an empty name in the stream header");
  h.genes = {"A", "B"};
  h.labels = {{"cell_type", {"B", "T", "B"}}};
  EXPECT_EQ(error_of([&] { StreamHeader::from_json(h.to_json(), "x.scs"); }),
            "x.scs: label 'cell_type': duplicate category 'B' in the stream header");
  h.labels = {{"cell_type", {"B"}}, {"cell_type", {"T"}}};
  EXPECT_EQ(error_of([&] { StreamHeader::from_json(h.to_json(), "x.scs"); }),
            "x.scs: two labels are named 'cell_type' in the stream header");
}

TEST_F(H5adTest, StreamIdsMustBeUtf8) {
  std::string path = dir_ + "/ids.scs";
  CountBlock block = test::make_block(30, 8);
  block.ids[21] = "cell\xe9" "21";
  StreamHeader h;
  h.genes = genes(8);
  h.labels = test::block_labels();
  {
    OutputFile out(path, true);
    StreamWriter w(out.fd(), path, h, 3);
    w.write(block);
    w.finish();
    out.commit();
  }
  StreamReader r(path);
  CountBlock b;
  std::string e = error_of([&] {
    while (r.next(b)) {
    }
  });
  EXPECT_EQ(e.rfind(path + ": cell id 21 is not valid UTF-8 in frame at byte ", 0), 0u) << e;
}

// Inputs the h5ad fuzzers (bench/fuzz.sh) found trouble with in our code:
// each must read or give an Error, with no undefined behaviour (the
// sanitizer check runs this). layout-number-past-int64.h5ad (made by
// fuzz_h5ad_layout): a numeric obs column holding -1.8e308 was cast to
// int64 to be printed.
TEST(H5adFuzzRegressions, FoundInputsAreReadOrCleanErrors) {
  std::string dir = std::string(SCLDM_SOURCE_DIR) + "/tests/fixtures/fuzz/";
  for (const char* name : {"layout-number-past-int64.h5ad"}) {
    std::string path = dir + name;
    h5::Handle file = h5::open_file(path);
    FrameReader obs(file, "obs", path);
    for (auto& c : obs.columns()) {
      try {
        obs.read_strings(c.name);
      } catch (const Error&) {
      }
    }
    EXPECT_THROW(
        {
          H5adReader r(path);
          CountBlock b;
          while (r.next(b)) {
          }
        },
        Error)
        << name;
  }
  h5::Handle file = h5::open_file(dir + "layout-number-past-int64.h5ad");
  EXPECT_EQ(FrameReader(file, "obs", "f").read_strings("c0")[0], "-1.79769e+308");
}
