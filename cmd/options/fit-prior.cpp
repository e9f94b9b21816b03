#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_fit_prior() {
  using cli::Kind;
  cli::Option condition{0, "condition", Kind::text, "KEY", "label column to condition on (repeat for several)"};
  condition.repeatable = true;
  static const cli::Command c = make_command(
      {"fit-prior", "Model", "train the flow-matching DiT prior on latents",
       "Trains the stage-2 latent prior of scLDM (scldm-model(7), THE LATENT PRIOR): a DiT over the m latent tokens, "
       "trained by "
       "flow matching with the linear interpolant (Z_t = t Z_1 + (1-t) Z_0, target velocity Z_1 - Z_0), "
       "conditioned on one class embedding per --condition attribute plus a time embedding through adaLN-Zero.\n"
       "Classifier-free guidance: with probability --cfg-dropout a cell's labels are replaced by the null label "
       "(joint: all attributes together; additive: per batch one attribute is kept, the others are null, and "
       "the kept one is dropped with that probability). Cells without a label are trained as null. The default "
       "0.2 is measured (bench/RESULTS.md): on kang_ctrl_muscat it gave the lowest per-cell-type 1-NN accuracy "
       "and, with 0.1, the highest conditional accuracy; 0.8, the reference's released value, classified 3 "
       "points fewer generated cells as their cell type at w = 1.\n"
       "An exponential moving average of the weights is kept and used for validation and sampling; its decay is "
       "min(--ema-decay, (1+step)/(10+step)), so short runs are not dominated by the initial weights.\n"
       "Peak learning rate (--lr): 1e-3 at --preset base (the reference's), 4e-3 at small and tiny, whose "
       "validation loss after the same epochs is lower at it (a --resume keeps its run's).\n"
       "The checkpoint also holds the condition vocabularies, the mean and SD of log library size per label "
       "combination (with fall-backs to coarser groups), and the fingerprint and path of the VAE whose "
       "latents it learned, so 'scldm sample | scldm decode' needs no other flags. NAME.last.pt is "
       "rewritten after every epoch (and every --checkpoint-every steps) for --resume, which continues "
       "bit-identically (at the run's learning rate unless --lr is given); the output (-o) is written once, when the run ends, with the EMA and weights of the "
       "best validation flow-matching loss. A run that fails (a diverging loss is an error) or is interrupted "
       "leaves an existing output as it was. The library-size model is fitted on the training cells only.\n" +
           std::string(kSeveralInputs) + " Condition on the file with --condition dataset.\n" +
           std::string(kTrainingReproducibility),
       {{"LATENTS", "latent stream from scldm encode (or .h5ad with --vae; several h5ad, or @LIST)", false, true, {"lat", "h5ad"}}},
       {condition,
        {0, "strategy", Kind::choice, "NAME", "classifier-free guidance training", "joint", {"joint", "additive"}},
        {0, "cfg-dropout", Kind::number, "FLOAT", "probability of dropping the condition", "0.2"},
        {0, "ema-decay", Kind::number, "FLOAT", "EMA decay of the weights", "0.9999"},
        {0, "width", Kind::integer, "INT", "DiT width W [preset]"},
        {0, "blocks", Kind::integer, "INT", "DiT blocks [preset]"},
        {0, "heads", Kind::integer, "INT", "attention heads [preset]"},
        {0, "vae", Kind::file, "FILE", "VAE to encode an h5ad input with", "$SCLDM_VAE or ./vae.pt", {}, {"pt"}}},
       {{"scldm fit-prior train.lat --condition cell_type -o prior.pt", "Condition on cell type."},
        {"scldm fit-prior train.lat --condition cell_type --condition condition --strategy additive",
         "Two attributes, guided separately at sampling time."},
        {"scldm fit-prior train.h5ad --vae vae.pt --preset small --epochs 50", "Encode once, then train."}},
       true,
       true},
      {training_options("100", "256", "preset"), cell_input_options(), several_inputs_options(), cli::common_options("checkpoint file", "prior.pt")});
  return c;
}

}  // namespace scldm
