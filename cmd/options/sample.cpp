#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_sample() {
  using cli::Kind;
  cli::Option condition{0, "condition", Kind::text, "KEY=VALUE", "generate cells with this label"};
  condition.repeatable = true;
  cli::Option cfg{0, "cfg", Kind::text, "W|KEY=W", "guidance weight, overall or per attribute", "1"};
  cfg.repeatable = true;
  static const cli::Command c = make_command(
      {"sample", "Generate", "sample latents from the prior",
       "Integrates the flow of the prior from Gaussian noise, with classifier-free guidance towards the "
       "requested labels, and writes a latent stream with sampled library sizes.",
       {},
       {{0, "prior", Kind::file, "FILE", "trained prior", "$SCLDM_PRIOR or ./prior.pt", {}, {"pt"}},
        {'n', "cells", Kind::integer, "INT", "number of cells", "1000"},
        condition,
        cfg,
        {0, "like", Kind::file, "FILE", "one cell per cell of this h5ad, with its labels", "", {}, {"h5ad"}},
        {0, "conditions", Kind::file, "FILE", "per-cell labels as TSV"},
        {0, "solver", Kind::choice, "NAME", "ODE solver", "heun", {"euler", "heun", "dopri5"}},
        {0, "steps", Kind::integer, "INT", "fixed solver steps", "50"},
        {0, "atol", Kind::number, "FLOAT", "dopri5 absolute tolerance", "1e-5"},
        {0, "rtol", Kind::number, "FLOAT", "dopri5 relative tolerance", "1e-5"},
        {'b', "batch-size", Kind::integer, "INT", "cells per batch", "256"}},
       {{"scldm sample -n 5000 --condition cell_type=B --cfg 2 | scldm decode -o b.h5ad", "B cells."}},
       true,
       false},
      {cli::common_options("latent stream", "-")});
  return c;
}

}  // namespace scldm
