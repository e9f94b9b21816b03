// Several count files read as one (io/multi_source): genes, labels, ids and
// the panels each file measured.
#include <gtest/gtest.h>

#include "io/cell_set.hpp"
#include "io/multi_source.hpp"
#include "util/error.hpp"

using namespace scldm;

namespace {

// Cells given as {gene name: count} maps, in one block.
struct MemorySource : CountSource {
  CountSchema s;
  std::string name;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> cells;  // (column, count), ascending
  std::vector<std::string> ids;
  std::vector<std::vector<int32_t>> codes;  // [column][cell]
  bool done = false;
  const CountSchema& schema() const override { return s; }
  const std::string& path() const override { return name; }
  bool next(CountBlock& b) override {
    b.clear(s.labels.size());
    if (done) return false;
    done = true;
    for (size_t i = 0; i < cells.size(); ++i) {
      double total = 0;
      for (auto [g, c] : cells[i]) b.genes.push_back(g), b.counts.push_back(c), total += c;
      b.indptr.push_back(b.genes.size());
      b.ids.push_back(ids[i]);
      b.library_size.push_back(total);
      for (size_t c = 0; c < codes.size(); ++c) b.labels[c].push_back(codes[c][i]);
    }
    return true;
  }
};

std::unique_ptr<MemorySource> file_a() {
  auto a = std::make_unique<MemorySource>();
  a->name = "dir/a.h5ad";
  a->s.genes = {"g1", "g2", "g3"};
  a->s.labels = {{"cell_type", {"B", "T"}}};
  a->s.n_cells = 2;
  a->cells = {{{0, 1}, {2, 5}}, {{1, 2}}};
  a->ids = {"x", "y"};
  a->codes = {{1, 0}};
  return a;
}

// Genes in another order, one new; another label column, cell type's categories reordered.
std::unique_ptr<MemorySource> file_b() {
  auto b = std::make_unique<MemorySource>();
  b->name = "other/b.h5ad";
  b->s.genes = {"g4", "g3", "g1"};
  b->s.labels = {{"donor", {"d1"}}, {"cell_type", {"T", "NK"}}};
  b->s.n_cells = 2;
  b->cells = {{{0, 7}, {1, 3}, {2, 4}}, {{2, 9}}};
  b->ids = {"y", "z"};
  b->codes = {{0, -1}, {0, 1}};
  return b;
}

std::vector<std::unique_ptr<CountSource>> both() {
  std::vector<std::unique_ptr<CountSource>> s;
  s.push_back(file_a());
  s.push_back(file_b());
  return s;
}

}  // namespace

TEST(MultiSource, UnionOfGenesLabelsMatchedByNameAndTheFileAsALabel) {
  MultiSource m(both(), "dataset");
  const CountSchema& s = m.schema();
  EXPECT_EQ(s.genes, (std::vector<std::string>{"g1", "g2", "g3", "g4"}));
  ASSERT_EQ(s.labels.size(), 3u);
  EXPECT_EQ(s.labels[0].name, "cell_type");
  EXPECT_EQ(s.labels[0].categories, (std::vector<std::string>{"B", "T", "NK"}));
  EXPECT_EQ(s.labels[1].name, "donor");
  EXPECT_EQ(s.labels[2].name, "dataset");
  EXPECT_EQ(s.labels[2].categories, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.panel_label, 2);
  EXPECT_EQ(s.panels, (std::vector<std::vector<uint32_t>>{{0, 1, 2}, {0, 2, 3}}));
  EXPECT_EQ(s.n_cells, 4u);

  CountBlock block;
  std::vector<CountBlock> blocks;
  while (m.next(block)) blocks.push_back(block);
  ASSERT_EQ(blocks.size(), 2u);
  const CountBlock& b = blocks[1];
  // b's first cell: g4=7, g3=3, g1=4 -> union columns ascending 0, 2, 3.
  EXPECT_EQ(std::vector<uint32_t>(b.genes.begin(), b.genes.begin() + 3), (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_EQ(std::vector<uint32_t>(b.counts.begin(), b.counts.begin() + 3), (std::vector<uint32_t>{4, 3, 7}));
  EXPECT_EQ(b.labels[0], (std::vector<int32_t>{1, 2}));   // T, NK in the union's categories
  EXPECT_EQ(b.labels[1], (std::vector<int32_t>{0, -1}));  // donor
  EXPECT_EQ(b.labels[2], (std::vector<int32_t>{1, 1}));   // file b
  EXPECT_EQ(blocks[0].labels[1], (std::vector<int32_t>{-1, -1})) << "a has no donor column: missing";
  // "y" recurs: the later one gets the file's name.
  EXPECT_EQ(b.ids, (std::vector<std::string>{"y-b", "z"}));
}

TEST(MultiSource, CellReaderRecordsWhatEachFileMeasured) {
  MultiSource m(both(), "dataset");
  CellSet cells = load_cells(m, {}, false);
  ASSERT_TRUE(cells.panels);
  EXPECT_EQ(cells.panels->measured[0], (std::vector<uint8_t>{1, 1, 1, 0}));
  EXPECT_EQ(cells.panels->measured[1], (std::vector<uint8_t>{1, 0, 1, 1}));
  EXPECT_EQ(cells.panel(0), 0u);
  EXPECT_EQ(cells.panel(3), 1u);
  auto summary = summarize_panels(*cells.panels);
  EXPECT_EQ(summary[1].measured, 3u);
  EXPECT_EQ(summary[1].shared, 2u);
  EXPECT_EQ(summary[1].only, 1u);
  EXPECT_EQ(summary[1].lacks, 1u);
  // A vocabulary that only file a measures fully: b's panel lacks g2.
  MultiSource again(both(), "dataset");
  CellSet narrow = load_cells(again, {"g3", "g1"}, false);
  EXPECT_FALSE(narrow.panels) << "both files measured every vocabulary gene: no masks";
}

TEST(MultiSource, OneFileWithTheWholeVocabularyHasNoPanels) {
  auto a = file_a();
  CellSet cells = load_cells(*a, {}, false);
  EXPECT_FALSE(cells.panels);
  auto a2 = file_a();
  CellSet wider = load_cells(*a2, {"g1", "g2", "g3", "g9"}, false);
  ASSERT_TRUE(wider.panels);
  EXPECT_EQ(wider.panels->measured[0], (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST(MultiSource, ErrorsNameTheFile) {
  auto a = file_a();
  a->s.labels[0].name = "dataset";
  std::vector<std::unique_ptr<CountSource>> s;
  s.push_back(std::move(a));
  s.push_back(file_b());
  try {
    MultiSource m(std::move(s), "dataset");
    FAIL() << "a label column named like the source label must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dir/a.h5ad"), std::string::npos) << e.what();
  }
  MultiSource m(both(), "dataset");
  try {
    load_cells(m, {"g2"}, false);
    FAIL() << "a file with no vocabulary gene must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other/b.h5ad"), std::string::npos) << e.what();
  }
  EXPECT_EQ(source_names({"x/a.h5ad", "y/a.h5ad"}), (std::vector<std::string>{"x/a.h5ad", "y/a.h5ad"}));
}
