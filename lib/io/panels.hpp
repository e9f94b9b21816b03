// Gene panels: cells read from files that measured different genes. A gene
// a cell's file did not measure is unknown for that cell, not a zero count:
// the model's softmax, likelihood and metrics run over the measured genes
// only (scldm-model(7), SEVERAL GENE PANELS).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace scldm {

struct GenePanels {
  std::vector<std::string> names;              // one per panel: the file
  std::vector<std::vector<uint8_t>> measured;  // [panel][vocabulary index - 1]: 1 if measured
  int label_column = -1;                       // a cell's panel is its code in this label column; -1: panel 0
  size_t size() const { return names.size(); }
};

// What one panel contributes to a vocabulary.
struct PanelSummary {
  std::string name;
  size_t measured = 0;  // vocabulary genes it measured
  size_t shared = 0;    // of them, measured by every panel
  size_t only = 0;      // of them, measured by no other panel
  size_t lacks = 0;     // vocabulary genes it did not measure
};
std::vector<PanelSummary> summarize_panels(const GenePanels& panels);
// 1 for the vocabulary genes every panel measured.
std::vector<uint8_t> shared_genes(const GenePanels& panels);
// The names of the genes marked 1 (in vocabulary order).
std::vector<std::string> encoder_gene_names(const std::vector<uint8_t>& marked, const std::vector<std::string>& vocabulary);
// What a panel measured, in words (with the counts across files when there are several).
std::string describe_panel(const PanelSummary& s, size_t vocabulary, size_t panels);

}  // namespace scldm
