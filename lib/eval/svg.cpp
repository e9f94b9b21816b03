#include "eval/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scldm {
namespace {

// Tableau-like categorical colours; groups beyond them cycle.
const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                          "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1b9e77", "#7570b3"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[128];
  snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

}  // namespace

std::string scatter_svg(const std::vector<ScatterPoint>& points, const std::vector<std::string>& groups,
                        const std::string& title, const std::string& x_label, const std::string& y_label) {
  const double W = 760, H = 560, left = 60, top = 40, plot_w = 500, plot_h = 460;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (auto& p : points) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  if (points.empty()) x0 = y0 = 0, x1 = y1 = 1;
  double pad_x = (x1 - x0) * 0.03 + 1e-9, pad_y = (y1 - y0) * 0.03 + 1e-9;
  x0 -= pad_x, x1 += pad_x, y0 -= pad_y, y1 += pad_y;
  auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * plot_w; };
  auto sy = [&](double y) { return top + plot_h - (y - y0) / (y1 - y0) * plot_h; };
  std::string s = format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" ", W, H) +
                  format("viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += format("<text x=\"%.0f\" y=\"24\" font-size=\"15\">", left) + escape(title) + "</text>\n";
  s += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" ", left, top, plot_w) +
       format("height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>\n", plot_h);
  s += format("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">", left + plot_w / 2, top + plot_h + 30) + escape(x_label) + "</text>\n";
  s += format("<text transform=\"translate(18 %.0f) rotate(-90)\" text-anchor=\"middle\">", top + plot_h / 2) + escape(y_label) + "</text>\n";
  // Real first, generated on top.
  for (int pass = 0; pass < 2; ++pass)
    for (auto& p : points) {
      if (p.generated != (pass == 1)) continue;
      const char* colour = kPalette[size_t(p.group) % (sizeof kPalette / sizeof *kPalette)];
      s += format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" ", sx(p.x), sy(p.y)) +
           (p.generated ? std::string("fill=\"none\" stroke=\"") + colour + "\" stroke-width=\"0.8\"/>\n"
                        : std::string("fill=\"") + colour + "\" fill-opacity=\"0.45\"/>\n");
    }
  double ly = top + 10, lx = left + plot_w + 20;
  s += format("<circle cx=\"%.0f\" cy=\"%.0f\" r=\"4\" fill=\"#555\" fill-opacity=\"0.45\"/>", lx, ly) +
       format("<text x=\"%.0f\" y=\"%.0f\">real</text>\n", lx + 10, ly + 4);
  ly += 18;
  s += format("<circle cx=\"%.0f\" cy=\"%.0f\" r=\"4\" fill=\"none\" stroke=\"#555\"/>", lx, ly) +
       format("<text x=\"%.0f\" y=\"%.0f\">generated</text>\n", lx + 10, ly + 4);
  ly += 28;
  for (size_t g = 0; g < groups.size(); ++g, ly += 18) {
    s += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" ", lx - 5, ly - 5) + "fill=\"" +
         kPalette[g % (sizeof kPalette / sizeof *kPalette)] + "\"/>" +
         format("<text x=\"%.0f\" y=\"%.0f\">", lx + 10, ly + 4) + escape(groups[g]) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace scldm
