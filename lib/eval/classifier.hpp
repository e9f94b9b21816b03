// Cell classification on frozen VAE latents (scldm-model(7), EVALUATION): multinomial
// logistic regression with an L2 penalty chosen on a validation split, or a
// small MLP; and the report (accuracy, macro-F1, per-class precision and
// recall, one-vs-rest ROC AUC, confusion matrix).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "io/cells.hpp"

namespace scldm {

// Flattened latents of cells with their labels.
struct CellFeatures {
  torch::Tensor x;  // [n, m·D] float32
  std::vector<int64_t> latent_shape;  // {m, D}
  std::vector<std::string> ids;
  std::vector<LabelColumn> labels;
  std::vector<std::vector<int32_t>> codes;  // [column][cell]
  std::string vae_fingerprint, vae_path;
};

// Features of a latent stream's records.
CellFeatures stream_features(class StreamReader& in);
// Features of cells encoded with a VAE (loaded from `vae_path`).
CellFeatures encoded_features(struct LoadedVae& vae, const struct CellSet& cells, const std::string& vae_path, uint64_t seed,
                              const torch::Device& device);

struct ClassifierOptions {
  std::string kind = "logreg";  // logreg | mlp
  int64_t hidden = 128;         // mlp
  std::vector<double> l2_grid{1e-4, 1e-3, 1e-2, 1e-1, 1};
  double val_fraction = 0.2;    // of the training part, for choosing the penalty
  double test_fraction = 0.2;   // held out for the report
  int64_t max_iter = 300;
  uint64_t seed = 0;
};

struct Classifier {
  std::string kind, label;
  std::vector<std::string> classes;
  torch::Tensor mean, sd;  // feature standardisation
  double l2 = 0;
  int64_t hidden = 0, features = 0;
  std::vector<int64_t> latent_shape;  // {m, D} of the latents it was trained on
  torch::nn::Sequential net{nullptr};
  std::string vae_fingerprint, vae_path;

  torch::Tensor probabilities(const torch::Tensor& x);  // [n, classes]
  CheckpointFile to_checkpoint(const nlohmann::json& extra) const;
  static Classifier from_checkpoint(const CheckpointFile& ck, const std::string& path);
};

// Trains on the cells with a label (codes >= 0); `report` gets the held-out
// metrics and the penalty search.
Classifier train_classifier(const CellFeatures& data, const std::string& label, const ClassifierOptions& options,
                            nlohmann::ordered_json& report);

// Metrics of predictions `proba` [n, C] against true class indices.
nlohmann::ordered_json classification_report(const std::vector<int64_t>& truth, const torch::Tensor& proba,
                                             const std::vector<std::string>& classes);
std::string render_classification_report(const nlohmann::ordered_json& report);

}  // namespace scldm
