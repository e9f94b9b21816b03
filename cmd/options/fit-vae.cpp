#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_fit_vae() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"fit-vae", "Model", "train the exchangeable transformer VAE on counts",
       "Trains the stage-1 autoencoder of scLDM (scldm-model(7), THE AUTOENCODER: gene-token encoder pooled by "
       "cross-attention "
       "into m latent tokens, decoder back to every gene, negative binomial likelihood) on the counts of an h5ad "
       "file or counts stream. Cells without counts are skipped.\n"
       "A fixed fraction of cells (--val-fraction, chosen with --seed) is held out; after each epoch the "
       "validation NB negative log-likelihood per cell, PCC, MSE and zero accuracy are reported. NAME.last.pt is "
       "rewritten after every epoch (and every --checkpoint-every steps): the weights, the optimizer state, the "
       "step and the best weights so far, so --resume NAME.last.pt continues the same run (same steps, learning "
       "rates and data order) even after a kill. The output (-o) is written once, when the run ends: the weights "
       "with the best validation likelihood, the configuration, the gene vocabulary, the metrics and a "
       "fingerprint. A run that fails (a diverging loss is an error) or is interrupted leaves an existing output "
       "as it was.\n"
       "Optimiser: AdamW (betas 0.9, 0.95, no weight decay), peak learning rate (--lr) 1e-3 at --preset base "
       "(the reference's) and 2e-3 at small and tiny, which learn more per epoch at it (a --resume keeps its run's); "
       "warmed up over the first 10 % of "
       "steps from lr/100, constant, then decayed over the last 10 % to lr/10; gradients clipped at norm 10.\n"
       "Memory: the decoder computes every gene of every cell in the batch. While a batch's intermediates fit 1 GiB "
       "(batch x genes x about 0.7 kB at --preset base on the CPU, 1.5 kB on a GPU) they are kept for the "
       "backward pass (on the CPU, where about 1 kB more also fits, the SwiGLU's activations too: faster); beyond that the decoder runs over chunks of 256 genes and computes each again in the "
       "backward pass, so memory stays near 1 GB whatever the gene count (20,000 or 36,000 genes at batch "
       "128) at about a sixth more decoder work. Validation metrics accumulate per gene, whatever the number of validation cells.\n"
       "Data larger than memory: the counts are held in memory while they fit --memory (about 12 bytes per "
       "non-zero count). Beyond it, and for an h5ad file stored by cell, they stay on disk: one pass checks every "
       "cell and keeps ids, labels and library sizes; training then reads the cells in blocks of 64 contiguous "
       "cells on a background thread, one buffer ahead of the steps. The data order is then the blocked one of "
       "CELLxGENE Census's loader: blocks shuffled, a buffer of blocks (a quarter of --memory) pooled and "
       "shuffled within, all from --seed and the epoch; it is kept in the checkpoint, so --resume continues the "
       "same order whatever --memory says, and the same order gives the same model from memory or disk. A file "
       "that changes while training reads it is an error naming it. Validation cells are read in file order. "
       "Several inputs, and --genes, are held in memory.\n" + std::string(kSeveralInputs) + " The vocabulary is the union of the "
       "files' genes, or --genes; the checkpoint records which genes each file measured (scldm info).\n" +
           std::string(kTrainingReproducibility),
       {{"DATA", "training counts (.h5ad or counts stream; several, or @LIST)", false, true, {"h5ad", "scs"}}},
       {{0, "max-genes", Kind::integer, "INT",
         "expressed genes per cell the encoder sees (a seeded random subset of larger cells)", "1024"},
        {0, "genes", Kind::file, "FILE", "the model's genes, one name per line [the inputs' genes, all of them]"},
        {0, "encoder-genes", Kind::choice, "WHICH",
         "with several inputs, the genes the encoder reads: all a cell's, or those every file measured", "all",
         {"all", "shared"}},
        {0, "memory", Kind::size, "SIZE",
         "training data held in memory up to SIZE (e.g. 512M, 4G); larger h5ad data are read from disk", "1G"},
        {0, "beta", Kind::number, "FLOAT", "KL weight of a Gaussian posterior (0: deterministic)", "0"},
        {0, "input", Kind::choice, "KIND",
         "input layer: emb*log1p(x) (after LayerNorm: which genes, not how much), Linear of both, or emb + log1p(x)*v",
         "scale", {"scale", "concat", "add"}},
        {0, "input-norm", Kind::choice, "KIND", "x the encoder reads: the counts, or counts per 10^4 of the cell's total",
         "none", {"none", "cp10k"}},
        {0, "embed-dim", Kind::integer, "INT", "token width E [preset]"},
        {0, "latent-tokens", Kind::integer, "INT", "latent tokens m [preset]"},
        {0, "latent-dim", Kind::integer, "INT", "latent width D [preset]"},
        {0, "blocks", Kind::integer, "INT", "transformer blocks in encoder and decoder [preset]"},
        {0, "heads", Kind::integer, "INT", "self-attention heads [preset]"},
        {0, "cross-heads", Kind::integer, "INT", "cross-attention heads [preset]"}},
       {{"scldm fit-vae train.h5ad -o vae.pt", "Train with the default (reference) sizes."},
        {"scldm fit-vae train.h5ad --preset tiny --max-steps 200 -o try.pt", "A quick small model."},
        {"scldm fit-vae train.h5ad -o vae.pt --resume vae.last.pt", "Continue an interrupted run."},
        {"scldm fit-vae study1.h5ad study2.h5ad -o vae.pt", "One model over two files with different gene panels."}},
       true,
       true},
      {training_options("10", "128", "preset"), cell_input_options(), several_inputs_options(), cli::common_options("best checkpoint", "vae.pt")});
  return c;
}

}  // namespace scldm
