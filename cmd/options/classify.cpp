#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_classify() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"classify", "Analyse", "train or apply a cell classifier on latents",
       "Trains logistic regression (or a small MLP) on frozen VAE latents, or predicts labels with a "
       "trained classifier.",
       {{"DATA", "cells to predict (.h5ad, latent or counts stream)", true, false, {"h5ad", "lat", "scs"}}},
       {{0, "train", Kind::file, "FILE", "labelled training cells", "", {}, {"h5ad", "lat"}},
        {0, "label", Kind::text, "KEY", "label column to learn"},
        {0, "vae", Kind::file, "FILE", "VAE that encodes h5ad input", "", {}, {"pt"}},
        {0, "model", Kind::text, "FILE|KIND", "classifier to apply, or 'logreg'/'mlp' when training"}},
       {{"scldm classify --train train.h5ad --label cell_type --vae vae.pt -o clf.pt", "Train."}},
       true,
       false},
      {cli::common_options("classifier or predictions", "-")});
  return c;
}

}  // namespace scldm
