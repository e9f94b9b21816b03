#include "io/panels.hpp"

namespace scldm {

std::vector<PanelSummary> summarize_panels(const GenePanels& panels) {
  const size_t n = panels.size(), genes = n ? panels.measured[0].size() : 0;
  std::vector<size_t> measured_by(genes, 0);
  for (auto& m : panels.measured)
    for (size_t g = 0; g < genes; ++g) measured_by[g] += m[g];
  std::vector<PanelSummary> out(n);
  for (size_t p = 0; p < n; ++p) {
    PanelSummary& s = out[p];
    s.name = panels.names[p];
    for (size_t g = 0; g < genes; ++g) {
      if (!panels.measured[p][g]) continue;
      ++s.measured;
      s.shared += measured_by[g] == n;
      s.only += measured_by[g] == 1;
    }
    s.lacks = genes - s.measured;
  }
  return out;
}

std::vector<uint8_t> shared_genes(const GenePanels& panels) {
  std::vector<uint8_t> out = panels.measured.at(0);
  for (auto& m : panels.measured)
    for (size_t g = 0; g < out.size(); ++g) out[g] = out[g] && m[g];
  return out;
}

std::vector<std::string> encoder_gene_names(const std::vector<uint8_t>& marked, const std::vector<std::string>& vocabulary) {
  std::vector<std::string> out;
  for (size_t g = 0; g < marked.size(); ++g)
    if (marked[g]) out.push_back(vocabulary[g]);
  return out;
}

std::string describe_panel(const PanelSummary& s, size_t vocabulary, size_t panels) {
  std::string across = panels < 2 ? "" : " (" + std::to_string(s.shared) + " measured by every file, " + std::to_string(s.only) + " only here)";
  return s.name + ": measures " + std::to_string(s.measured) + " of the " + std::to_string(vocabulary) + " genes" + across +
         "; the other " + std::to_string(s.lacks) + " count as not measured, not as zeros";
}

}  // namespace scldm
