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

std::string describe_panel(const PanelSummary& s, size_t vocabulary, size_t panels) {
  std::string across = panels < 2 ? "" : " (" + std::to_string(s.shared) + " measured by every file, " + std::to_string(s.only) + " only here)";
  return s.name + ": measures " + std::to_string(s.measured) + " of the " + std::to_string(vocabulary) + " genes" + across +
         "; the other " + std::to_string(s.lacks) + " count as not measured, not as zeros";
}

}  // namespace scldm
