#include "eval/ot.hpp"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <cmath>
#include <vector>

#include "util/error.hpp"

namespace scldm {

double exact_w2(const double* x, size_t n, const double* y, size_t m, size_t dim) {
  if (n == 0 || m == 0) throw Error("optimal transport needs points on both sides");
  lemon::SmartDigraph g;
  g.reserveNode(int(n + m));
  g.reserveArc(int(n * m));
  std::vector<lemon::SmartDigraph::Node> nodes;
  for (size_t i = 0; i < n + m; ++i) nodes.push_back(g.addNode());
  lemon::SmartDigraph::ArcMap<double> cost(g);
  lemon::SmartDigraph::NodeMap<int64_t> supply(g);
  // Uniform weights as integers: each source ships m units, each sink takes n.
  for (size_t i = 0; i < n; ++i) supply[nodes[i]] = int64_t(m);
  for (size_t j = 0; j < m; ++j) supply[nodes[n + j]] = -int64_t(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) {
      double d2 = 0;
      for (size_t k = 0; k < dim; ++k) {
        double d = x[i * dim + k] - y[j * dim + k];
        d2 += d * d;
      }
      cost[g.addArc(nodes[i], nodes[n + j])] = d2;
    }
  lemon::NetworkSimplex<lemon::SmartDigraph, int64_t, double> simplex(g);
  simplex.costMap(cost).supplyMap(supply);
  if (simplex.run() != lemon::NetworkSimplex<lemon::SmartDigraph, int64_t, double>::OPTIMAL)
    throw Error("network simplex found no optimal transport plan");
  return std::sqrt(std::max(0.0, simplex.totalCost() / (double(n) * double(m))));
}

}  // namespace scldm
