// Two-sample metrics of scldm-model(7), EVALUATION between real cells x [n, d] and generated
// cells y [m, d] (float64, in the PCA space of the real cells). All sums run
// over blocks of rows, so memory stays O(block · (n + m)).
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace scldm {

// Squared Euclidean distances [a, b], clamped at 0.
torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b);

// MMD² with k(x, y) = Σ_σ exp(−|x − y|² / (2σ²)); the biased (V-statistic)
// estimator, which is 0 for identical samples.
double mmd2_rbf(const torch::Tensor& x, const torch::Tensor& y, const std::vector<double>& sigmas);
// |μx − μy|² + Tr(Σx + Σy − 2 (Σx Σy)^½), covariances with n − 1.
double frechet_distance(const torch::Tensor& x, const torch::Tensor& y);
// 2 E|x − y| − E|x − x'| − E|y − y'| (V-statistics).
double energy_distance(const torch::Tensor& x, const torch::Tensor& y);
// Leave-one-out 1-NN classification accuracy on the pooled set (0.5: the
// sets are indistinguishable; 1: fully separated; ~0: copies).
double one_nn_accuracy(const torch::Tensor& x, const torch::Tensor& y);
// k-NN precision (generated cells inside the real manifold) and recall
// (real cells inside the generated manifold), Kynkäänniemi et al. 2019.
std::pair<double, double> knn_precision_recall(const torch::Tensor& x, const torch::Tensor& y, int64_t k);
// Entropic OT (log-domain Sinkhorn, ε = reg · mean cost): sqrt(<P, C>).
double sinkhorn_w2(const torch::Tensor& x, const torch::Tensor& y, double reg = 0.01);
// Coefficient of determination of `pred` against `truth` (1 − SSres/SStot).
double r2_score(const torch::Tensor& truth, const torch::Tensor& pred);

}  // namespace scldm
