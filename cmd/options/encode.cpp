#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_encode() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"encode", "Generate", "encode cells into latents with a trained VAE",
       std::string("Writes the latent stream of every cell with its categorical labels and library size (its total "
                   "count over the VAE's genes), or, with -o x.h5ad, a copy of the input with the flattened latents "
                   "in obsm/X_scldm (one input). Genes of the VAE that a file lacks are reported: the encoder sees a cell's "
                   "expressed genes only, so a gene a file did not measure is simply absent, never a zero.\n") +
           kSeveralInputs + "\n" +
           kInferenceReproducibility,
       {{"DATA", "counts (.h5ad or counts stream; several, or @LIST)", false, true, {"h5ad", "scs"}}},
       {{0, "vae", Kind::file, "FILE", "trained VAE", "$SCLDM_VAE or ./vae.pt", {}, {"pt"}},
        {0, "labels", Kind::text, "A,B", "label columns to carry [all categorical]"},
        {'b', "batch-size", Kind::integer, "INT", "cells per round (memory only: results do not depend on it)", "256"}},
       {{"scldm encode train.h5ad --vae vae.pt -o train.lat", "Encode a training set."}},
       true,
       true},
      {cell_input_options(), several_inputs_options(), cli::common_options("latent stream or .h5ad", "-")});
  return c;
}

}  // namespace scldm
