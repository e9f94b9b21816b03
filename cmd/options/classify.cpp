#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_classify() {
  using cli::Kind;
  cli::Option train{0, "train", Kind::file, "FILE", "labelled training cells (repeat for several count files)", "", {}, {"h5ad", "lat", "scs"}};
  train.repeatable = true;
  static const cli::Command c = make_command(
      {"classify", "Analyse", "train or apply a cell classifier on latents",
       "Training (--train FILE --label KEY): multinomial logistic regression on the frozen, flattened VAE "
       "latents (m x D features, standardised), with the L2 penalty chosen from 1e-4..1 by validation "
       "log-loss, or a one-hidden-layer MLP with --model mlp; fitted by full-batch L-BFGS. A random "
       "--test-fraction of the labelled cells is held out and the report (accuracy, macro-F1, per-class "
       "precision and recall, one-vs-rest ROC AUC, confusion matrix) is printed on stdout; the classifier "
       "goes to -o. The training cells are a latent stream, or an h5ad file or counts stream with --vae.\n"
       "Prediction (--model clf.pt DATA): a TSV of cell id, predicted label and the probability of every "
       "class. DATA is a latent stream, an h5ad file or a counts stream (encoded with --vae, else the VAE the "
       "classifier recorded). When DATA holds the classifier's label, the same report goes to stderr.\n" +
           std::string(kSeveralInputs),
       {{"DATA", "cells to predict (.h5ad, latent or counts stream; several count files, or @LIST)", true, true, {"h5ad", "lat", "scs"}}},
       {train,
        {0, "label", Kind::text, "KEY", "label column to learn"},
        {0, "model", Kind::text, "FILE|KIND", "classifier to apply, or logreg / mlp when training", "logreg",
         {"logreg", "mlp"}},
        {0, "vae", Kind::file, "FILE", "VAE that encodes counts input", "the classifier's, $SCLDM_VAE, ./vae.pt", {}, {"pt"}},
        {0, "test-fraction", Kind::number, "FLOAT", "labelled cells held out for the report", "0.2"},
        {0, "json", Kind::flag, "", "print the report as JSON"}},
       {{"scldm classify --train train.lat --label cell_type -o clf.pt", "Train on latents."},
        {"scldm classify --train train.h5ad --label cell_type --vae vae.pt -o clf.pt", "Train on counts."},
        {"scldm classify --model clf.pt test.h5ad -o preds.tsv", "Predict."}},
       true,
       true},
      {several_inputs_options(), cli::common_options("classifier (training) or predictions TSV", "clf.pt / -")});
  return c;
}

}  // namespace scldm
