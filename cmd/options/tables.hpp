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
// Model-training options shared by fit-vae and fit-prior.
std::vector<cli::Option> training_options(const std::string& default_epochs, const std::string& default_batch,
                                          const std::string& default_lr);

// Builds a table: the command's own options, then the common ones.
cli::Command make_command(cli::Command c, std::vector<std::vector<cli::Option>> groups);

}  // namespace scldm
