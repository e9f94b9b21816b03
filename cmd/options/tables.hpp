// The option table of every subcommand (one file each in this folder).
#pragma once
#include <vector>

#include "cli/options.hpp"

namespace scldm {

const cli::Command& command_fit_vae();
const cli::Command& command_fit_prior();
const cli::Command& command_encode();
const cli::Command& command_sample();
const cli::Command& command_decode();
const cli::Command& command_eval();
const cli::Command& command_classify();
const cli::Command& command_info();
const cli::Command& command_convert();
const cli::Command& command_version();
const cli::Command& command_simulate();

// Every command in the order `scldm --help` lists them.
const std::vector<const cli::Command*>& all_commands();
const cli::Command* find_command(const std::string& name);

// Options of every command that reads cells from h5ad or streams.
std::vector<cli::Option> cell_input_options();
// --source-label, for commands that read several count files as one.
std::vector<cli::Option> several_inputs_options();
inline constexpr const char* kSeveralInputs =
    "Several inputs (A.h5ad B.h5ad ..., or @LIST with one path per line) are read in turn as one data set: label "
    "columns are matched by name (a file without one gives its cells a missing value), each cell gets its file's "
    "name as a label (--source-label, default dataset), and cell ids that recur across files get '-' and their "
    "file's name appended. Genes are matched by name; a gene that a cell's file did not measure is unknown for "
    "that cell, not a zero: the model's softmax, likelihood and metrics run over the genes the cell's file measured "
    "(scldm-model(7), SEVERAL GENE PANELS).";

// Model-training options shared by fit-vae and fit-prior.
std::vector<cli::Option> training_options(const std::string& default_epochs, const std::string& default_batch,
                                          const std::string& default_lr);

// What encode, decode and sample promise about the bytes they write.
inline constexpr const char* kInferenceReproducibility =
    "Reproducibility: on the CPU the model runs on fixed blocks of 16 cells aligned to each cell's position in "
    "the input, each block on one thread, so the same input and --seed give the same bytes for any --batch-size "
    "and --threads, whatever matrix kernel the CPU's BLAS library picks. Other CPUs (another kernel) or another "
    "order or selection of the cells may change the last bits. On a GPU (--device cuda) blocks hold 256 cells and "
    "the result depends on the GPU's kernels: the same bytes are expected only on the same GPU and software.";

// What fit-vae and fit-prior promise.
inline constexpr const char* kTrainingReproducibility =
    "Reproducibility: the same data, --seed and --batch-size give the same checkpoints whatever --threads (on the "
    "CPU a step runs as fixed parts of the batch, each on one thread), and --resume continues bit-identically to "
    "an uninterrupted run; another CPU's BLAS kernels or a GPU can change the last bits. --time plans the number of steps from the speed "
    "measured on this machine (step 0's loss and gradients, timed and discarded, and a validation), says how many, "
    "and keeps the plan in the checkpoints (--resume continues it): the run is the one --max-steps with that number "
    "gives, so the same plan repeats it exactly.\n"
    "Size: --preset auto (the default) chooses the preset and the number of epochs from the device kind and the "
    "number of cells and genes, without timing anything (so every machine of a kind builds the same model), says "
    "what it chose and keeps it in the checkpoints; --epochs, --max-steps or --time set the length instead, and an "
    "explicit --preset keeps its sizes and the former default length (scldm-model(7), DEFAULTS).";

// Builds a table: the command's own options, then the common ones.
cli::Command make_command(cli::Command c, std::vector<std::vector<cli::Option>> groups);

}  // namespace scldm
