#include "cmd/options/tables.hpp"

namespace scldm {

using cli::Kind;
using cli::Option;

std::vector<Option> cell_input_options() {
  Option where{0, "where", Kind::text, "KEY=VALUE", "keep only cells whose label KEY is VALUE (values of one key "
                                                   "are OR-ed, different keys AND-ed)"};
  where.repeatable = true;
  return {
      {0, "layer", Kind::text, "KEY", "read counts from layers/KEY instead of X"},
      {0, "raw", Kind::flag, "", "read counts from raw/X (genes from raw/var)"},
      {0, "gene-column", Kind::text, "COL", "var column holding gene names [var index]"},
      {0, "allow-non-integer", Kind::flag, "", "round non-integer counts instead of failing"},
      where,
  };
}

std::vector<Option> several_inputs_options() {
  return {{0, "source-label", Kind::text, "KEY", "label naming each cell's file, with several inputs", "dataset"}};
}

std::vector<Option> training_options(const std::string& default_epochs, const std::string& default_batch,
                                     const std::string& default_lr) {
  return {
      {0, "preset", Kind::choice, "NAME", "model size: from the device and the data (auto), or a preset", "auto",
       {"auto", "tiny", "small", "base"}},
      {0, "epochs", Kind::integer, "INT", "training epochs (" + default_epochs + " with a --preset)", "auto"},
      {0, "max-steps", Kind::integer, "INT", "stop after this many optimiser steps"},
      {0, "time", Kind::text, "DURATION",
       "plan the steps so that the run ends within DURATION (90s, 20m, 1.5h, 1h30m), --epochs an upper bound if given"},
      {'b', "batch-size", Kind::integer, "INT", "cells per batch", default_batch},
      {0, "lr", Kind::number, "FLOAT", "peak learning rate", default_lr},
      {0, "val-fraction", Kind::number, "FLOAT", "fraction of cells held out for validation", "0.1"},
      {0, "resume", Kind::file, "CKPT", "continue the run saved in this checkpoint", "", {}, {"pt"}},
      {0, "checkpoint-every", Kind::integer, "INT", "also save a checkpoint every INT steps"},
      {0, "log", Kind::file, "FILE", "write per-step metrics (TSV, or JSON lines for .jsonl)"},
      {0, "nproc", Kind::integer, "INT", "train data-parallel in INT local processes (torchrun and srun jobs need not)", "1"},
      {0, "dist-backend", Kind::choice, "NAME", "data-parallel communication: gloo (CPU), nccl (CUDA), or auto", "auto",
       {"auto", "gloo", "nccl"}},
      {0, "master-addr", Kind::text, "HOST", "address of rank 0 in a data-parallel job [$MASTER_ADDR, else 127.0.0.1]"},
      {0, "master-port", Kind::integer, "PORT", "its port [$MASTER_PORT, else 29500; --nproc: a free one]"},
      {0, "dist-timeout", Kind::number, "SECONDS", "how long a rank waits for the others to meet or answer", "300"},
  };
}

cli::Command make_command(cli::Command c, std::vector<std::vector<Option>> groups) {
  for (auto& g : groups) c.options.insert(c.options.end(), g.begin(), g.end());
  return c;
}

const std::vector<const cli::Command*>& all_commands() {
  static const std::vector<const cli::Command*> commands = {
      &command_fit_vae(), &command_fit_prior(), &command_encode(), &command_sample(),   &command_decode(),
      &command_eval(),    &command_classify(),  &command_info(),   &command_convert(), &command_simulate(), &command_version(),
  };
  return commands;
}

const cli::Command* find_command(const std::string& name) {
  for (auto* c : all_commands())
    if (c->name == name) return c;
  return nullptr;
}

}  // namespace scldm
