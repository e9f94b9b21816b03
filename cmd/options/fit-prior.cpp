#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_fit_prior() {
  using cli::Kind;
  cli::Option condition{0, "condition", Kind::text, "KEY", "label column to condition on"};
  condition.repeatable = true;
  static const cli::Command c = make_command(
      {"fit-prior", "Model", "train the flow-matching DiT prior on latents",
       "Trains the stage-2 latent prior (a DiT with flow matching and classifier-free guidance) on a latent "
       "stream from 'scldm encode'.",
       {{"LATENTS", "latent stream (or .h5ad with --vae)", false, false, {"lat", "h5ad"}}},
       {condition,
        {0, "strategy", Kind::choice, "NAME", "classifier-free guidance training", "joint", {"joint", "additive"}},
        {0, "cfg-dropout", Kind::number, "FLOAT", "probability of dropping the condition"},
        {0, "ema-decay", Kind::number, "FLOAT", "EMA decay of the weights", "0.9999"},
        {0, "vae", Kind::file, "FILE", "VAE to encode an h5ad input with", "", {}, {"pt"}}},
       {{"scldm fit-prior train.lat --condition cell_type -o prior.pt", "Condition on cell type."}},
       true,
       false},
      {training_options("256", "1e-4"), cli::common_options("checkpoint file", "prior.pt")});
  return c;
}

}  // namespace scldm
