#include "cmd/options/tables.hpp"

namespace scldm {

const cli::Command& command_simulate() {
  using cli::Kind;
  static const cli::Command c = make_command(
      {"simulate", "Files", "simulate negative binomial counts with cell types and a condition",
       "Writes a synthetic dataset in the spirit of Splatter, so that the pipeline runs without real data. "
       "Gene base means are drawn from a gamma distribution (shape 0.6, rate 0.3) and normalised to "
       "proportions; each cell draws a cell type and a condition uniformly, and a library size from a "
       "log-normal (median --library-size, SD of log 0.4). Each cell type changes a fraction "
       "(--type-de) of the genes by log-normal fold changes (log FC ~ N(1, 0.4), up or down); the second "
       "condition (stim) changes a fraction (--stim-de) of genes, half of them in every cell type and half "
       "specific to one. Counts are gamma-Poisson (negative binomial) with biological coefficient of "
       "variation --bcv around the cell's means.\n"
       "The h5ad output holds obs cell_type and condition, and the ground truth in uns/simulation (base "
       "proportions, fold changes per cell type and condition, parameters). Each cell depends only on "
       "--seed and its index: the same seed gives the same cells for any --threads (cells are generated in "
       "parallel, every core by default).",
       {},
       {{'n', "cells", Kind::integer, "INT", "cells", "1000"},
        {0, "genes", Kind::integer, "INT", "genes", "500"},
        {0, "cell-types", Kind::text, "A,B,...", "cell type names", "B,T,NK,Mono"},
        {0, "conditions", Kind::text, "CTRL[,STIM]", "condition names (control first)", "ctrl,stim"},
        {0, "library-size", Kind::number, "FLOAT", "median library size", "1500"},
        {0, "type-de", Kind::number, "FLOAT", "fraction of genes changed per cell type", "0.1"},
        {0, "stim-de", Kind::number, "FLOAT", "fraction of genes changed by the second condition", "0.05"},
        {0, "bcv", Kind::number, "FLOAT", "biological coefficient of variation", "0.3"}},
       {{"scldm simulate -o toy.h5ad", "The default demo dataset (1,000 cells x 500 genes)."},
        {"scldm simulate -n 20000 --genes 2000 --cell-types a,b,c -o big.h5ad", "A larger one."},
        {"scldm simulate -n 100 | scldm info -", "As a counts stream through a pipe."}},
       false,
       true},
      {cli::common_options("counts (.h5ad, .mtx, .tsv, else a stream)", "-")});
  return c;
}

}  // namespace scldm
