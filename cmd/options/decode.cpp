#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_decode() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"decode", "Generate", "decode latents into counts with a trained VAE",
       std::string("Draws negative binomial counts (or writes the means with --mean) for every latent of a stream, "
                   "using each record's library size (at most 4294967295: counts are 32-bit).\n"
                   "A panel (--genes, or --like a file measuring fewer genes) is decoded as a file measuring only those "
                   "genes would be: the softmax runs over them, so the library size spreads over the panel "
                   "(scldm-model(7), SEVERAL GENE PANELS).\n") +
           kInferenceReproducibility,
       {{"LATENTS", "latent stream ('-' for standard input)", true, false, {"lat"}}},
       {{0, "vae", Kind::file, "FILE", "trained VAE", "$SCLDM_VAE, the stream's VAE, ./vae.pt", {}, {"pt"}},
        {0, "mean", Kind::flag, "", "write the NB means (real values: .h5ad or .tsv output) instead of samples"},
        {0, "library-size", Kind::number, "FLOAT", "library size for every cell [from the stream]"},
        {0, "genes", Kind::text, "FILE|A,B", "the panel to write: these genes, the library size spread over them"},
        {0, "like", Kind::file, "FILE", "the panel to write: the genes of this file (.h5ad or counts stream) the VAE knows", "", {}, {"h5ad", "scs"}},
        {0, "force", Kind::flag, "", "decode latents of another VAE"},
        {'b', "batch-size", Kind::integer, "INT", "cells per round (memory only: results do not depend on it)", "256"}},
       {{"scldm sample -n 100 | scldm decode -o gen.h5ad", "Generate 100 cells."}},
       true,
       true},
      {cli::common_options("counts stream or .h5ad", "-")});
  return c;
}

}  // namespace scldm
