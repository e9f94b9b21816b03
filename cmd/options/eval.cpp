#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_eval() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"eval", "Analyse", "compare generated cells with real ones",
       "Generation metrics (scldm-model(7), EVALUATION): real and generated counts are normalised to 10^4 per "
       "cell on "
       "their shared genes and log1p-transformed; the --hvg genes with the largest variance of those values on the "
       "real cells are kept; PCA with --components components is fitted on the real cells and applied to both "
       "sets. In that space: W2 (exact optimal transport with uniform weights and squared Euclidean cost, solved "
       "by LEMON's network simplex; --w2 sinkhorn for an entropic estimate), MMD^2 (biased estimator, sum of RBF "
       "kernels with sigma 0.01, 0.1, 1, 10, 100), Frechet and energy distances, leave-one-out 1-NN two-sample "
       "accuracy (0.5 is ideal), k-NN precision and recall; and R^2 of per-gene means and variances of "
       "log1p(CP10k) over all shared genes.\n"
       "The floor: the real cells are split at random into halves A and B; the generated cells and half A, "
       "subsampled to the same size (at most --max-cells), are each compared with B, so every metric is shown "
       "next to the value two samples of the real distribution reach. Sample sizes, seed, space and estimators "
       "are part of the output.\n"
       "--by LABEL repeats this per class and averages over the classes present on both sides; classes with "
       "too few cells on either side are listed, not dropped silently.\n"
       "With --vae and no --generated: reconstruction metrics of that VAE on the real cells (RE: NB negative "
       "log-likelihood per cell; PCC, MSE on log1p(CP10k) of an NB sample; zero accuracy).\n"
       "With --classifier: the fraction of generated cells the classifier assigns to the label they were "
       "generated for, next to its accuracy on the real cells, overall and per class (where a type loses its "
       "identity: compare with the VAE's own reconstructions of the real cells, encode | decode, to tell the prior's "
       "share from the VAE's).\n"
       "Memory does not grow with the number of cells: the files are read in passes (labels; per-gene moments "
       "and the PCA's covariance over chunks of real cells; then only the cells compared, at most 2 x --max-cells "
       "real and --max-cells generated cells per group), reconstruction and conditional accuracy a chunk at a "
       "time. Piped inputs are copied to a temporary file first.",
       {},
       {{0, "real", Kind::file, "FILE", "real cells", "", {}, {"h5ad", "scs"}},
        {0, "generated", Kind::file, "FILE", "generated cells (.h5ad or counts stream)", "", {}, {"h5ad", "scs"}},
        {0, "by", Kind::text, "LABEL", "also report per class of this label"},
        {0, "json", Kind::flag, "", "print JSON instead of a table"},
        {0, "plot", Kind::file, "FILE", "write an SVG of the first two PCs", "", {}, {"svg"}},
        {0, "hvg", Kind::integer, "INT", "highly variable genes", "2000"},
        {0, "components", Kind::integer, "INT", "principal components", "30"},
        {0, "max-cells", Kind::integer, "INT", "cells per compared set (subsampled)", "5000"},
        {0, "knn", Kind::integer, "INT", "k of k-NN precision and recall", "5"},
        {0, "w2", Kind::choice, "METHOD", "W2 estimator", "exact", {"exact", "sinkhorn"}},
        {0, "vae", Kind::file, "FILE", "reconstruction metrics of this VAE", "", {}, {"pt"}},
        {0, "classifier", Kind::file, "FILE", "conditional accuracy with this classifier", "", {}, {"pt"}}},
       {{"scldm eval --real test.h5ad --generated gen.h5ad", "Compare two sets."},
        {"scldm eval --real test.h5ad --generated gen.h5ad --by cell_type --plot pca.svg", "Per cell type, with a plot."},
        {"scldm eval --real test.h5ad --vae vae.pt", "Reconstruction metrics of a VAE."},
        {"scldm sample --like test.h5ad | scldm decode -o gen.h5ad && scldm eval --real test.h5ad --generated gen.h5ad --json",
         "Generate with the test set's labels and evaluate."}},
       true,
       true},
      {cell_input_options(), cli::common_options("report", "-")});
  return c;
}

}  // namespace scldm
