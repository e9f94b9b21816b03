// A scatter plot of two point sets (real and generated) on their first two
// principal components, coloured by group, written as plain SVG.
#pragma once
#include <string>
#include <vector>

namespace scldm {

struct ScatterPoint {
  double x = 0, y = 0;
  int group = 0;        // index into the legend's groups
  bool generated = false;
};

// Real cells are filled circles, generated cells open ones; one colour per group.
std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::vector<std::string>& groups,
                        const std::string& title, const std::string& x_label, const std::string& y_label);

}  // namespace scldm
