#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_eval() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"eval", "Analyse", "compare generated cells with real ones",
       "Computes generation metrics in the PCA space of the real cells (W2, MMD, Frechet and energy "
       "distances, 1-NN accuracy, k-NN precision and recall, mean and variance R^2), next to the "
       "real-vs-real floor; or reconstruction metrics with --vae.",
       {},
       {{0, "real", Kind::file, "FILE", "real cells", "", {}, {"h5ad"}},
        {0, "generated", Kind::file, "FILE", "generated cells (.h5ad or counts stream)", "", {}, {"h5ad", "scs"}},
        {0, "by", Kind::text, "LABEL", "also report per class of this label"},
        {0, "json", Kind::flag, "", "print JSON"},
        {0, "plot", Kind::file, "FILE", "write an SVG of the first two PCs", "", {}, {"svg"}},
        {0, "vae", Kind::file, "FILE", "reconstruction metrics of this VAE", "", {}, {"pt"}},
        {0, "classifier", Kind::file, "FILE", "conditional accuracy with this classifier", "", {}, {"pt"}}},
       {{"scldm eval --real test.h5ad --generated gen.h5ad", "Compare."}},
       false,
       false},
      {cli::common_options("report", "-")});
  return c;
}

}  // namespace scldm
