#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_fit_vae() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"fit-vae", "Model", "train the exchangeable transformer VAE on counts",
       "Trains the stage-1 autoencoder of scLDM (negative binomial decoder) on the counts of an h5ad file "
       "or counts stream, holding out a validation fraction, and saves the best and last checkpoints.",
       {{"DATA", "training counts (.h5ad or counts stream)", false, false, {"h5ad", "scs"}}},
       {{0, "max-genes", Kind::integer, "INT", "most expressed genes per cell the encoder sees", "1024"},
        {0, "beta", Kind::number, "FLOAT", "KL weight of a Gaussian posterior (0: deterministic)", "0"},
        {0, "embed-dim", Kind::integer, "INT", "token width E"},
        {0, "latent-tokens", Kind::integer, "INT", "latent tokens m"},
        {0, "latent-dim", Kind::integer, "INT", "latent width D"},
        {0, "blocks", Kind::integer, "INT", "transformer blocks in encoder and decoder"},
        {0, "heads", Kind::integer, "INT", "self-attention heads"}},
       {{"scldm fit-vae train.h5ad -o vae.pt", "Train with the default preset."}},
       true,
       false},
      {training_options("128", "1e-3"), cell_input_options(), cli::common_options("checkpoint file", "vae.pt")});
  return c;
}

}  // namespace scldm
