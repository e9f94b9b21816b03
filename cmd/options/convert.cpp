#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_convert() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"convert", "Files", "convert counts between h5ad, record stream, Matrix Market and TSV",
       "Reads counts from an h5ad file or a counts stream (format from the first bytes) and writes them "
       "in the format given by -O, else by the output's extension (.h5ad, .mtx, .tsv; anything else, and "
       "standard output, is a record stream). Cell ids, gene names, categorical labels and library sizes "
       "are kept; all-zero cells are kept.\n"
       "Matrix Market output (cells x genes, integer coordinate) writes the gene names to PREFIX.genes.tsv "
       "and the cells with their labels to PREFIX.cells.tsv beside PREFIX.mtx. TSV output is dense: one "
       "row per cell with its id, its labels and one column per gene.\n"
       "A latent stream converts to TSV (id, labels, library size, then the flattened latent).",
       {{"IN", "h5ad file or record stream ('-' for standard input)", true, false, {"h5ad", "scs", "lat"}},
        {"OUT", "output file, as with -o ('-' for standard output)", true, false, {"h5ad", "scs", "mtx", "tsv"}}},
       {{'O', "output-format", Kind::choice, "FMT", "output format", "from -o", {"h5ad", "stream", "mtx", "tsv"}},
        {0, "level", Kind::integer, "INT", "zstd level of stream output (negative is faster)", "1"},
        {0, "subsample", Kind::number, "FRAC", "keep each cell with probability FRAC (by --subsample-seed and its position)"},
        {0, "subsample-seed", Kind::integer, "INT", "seed of --subsample", "0"},
        {0, "rest", Kind::flag, "", "keep exactly the cells --subsample drops (the other side of a split)"}},
       {{"scldm convert data.h5ad -o data.scs", "Write a counts stream."},
        {"scldm convert data.h5ad - | scldm convert - -o copy.h5ad", "Round trip through a pipe."},
        {"scldm convert data.h5ad --where cell_type=B -O tsv -o - | head", "Look at B cells as text."},
        {"scldm convert data.h5ad --subsample 0.8 -o train.h5ad && scldm convert data.h5ad --subsample 0.8 --rest -o test.h5ad",
         "A reproducible 80/20 train/test split."}}},
      {cell_input_options(), cli::common_options("output file", "-")});
  return c;
}

}  // namespace scldm
