#include "train/vae_trainer.hpp"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>

#include "eval/reconstruct.hpp"
#include "io/checkpoint.hpp"
#include "model/encode.hpp"
#include "model/vae_io.hpp"
#include "train/batch.hpp"
#include "train/loop.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

namespace scldm {

namespace {

nlohmann::json metrics_json(const ValidationResult& v) {
  return {{"val_nll", v.nll}, {"val_pcc", v.recon.pcc}, {"val_mse", v.recon.mse}, {"val_zero_acc", v.recon.zero_accuracy},
          {"val_cells", v.cells}};
}

// Gradients of all ranks are averaged here once training runs over c10d.
void reduce_gradients(Vae&, int world_size) {
  if (world_size != 1) throw Error("data-parallel training is not available in this build");
}

}  // namespace

VaeTrainResult train_vae(const CellSet& data, const VaeConfig& config_in, const VaeTrainOptions& opt) {
  VaeConfig config = config_in;
  config.n_genes = int64_t(data.vocabulary.size());
  config.validate();
  Indices train, val;
  split_cells(data.size(), opt.val_fraction, opt.seed, train, val);
  if (train.empty()) throw Error("no training cells left after the validation split");
  BatchOrder batches(train, opt.seed, opt.batch_size);
  const int64_t steps_per_epoch = batches.steps_per_epoch();
  const int64_t total = opt.max_steps > 0 ? opt.max_steps : opt.epochs * steps_per_epoch;

  torch::manual_seed(opt.seed);
  Vae model(config);
  model->to(opt.device);
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(opt.lr).betas({0.9, 0.95}).weight_decay(0).eps(1e-8));
  int64_t step = 0;
  double best = INFINITY;
  if (!opt.resume.empty()) {
    CheckpointFile ck = read_checkpoint(opt.resume);
    if (ck.meta.value("kind", "") != "vae") fail(opt.resume, "not a VAE checkpoint");
    if (ck.meta.at("genes").get<std::vector<std::string>>() != data.vocabulary)
      fail(opt.resume, "was trained on other genes than this data");
    if (ck.meta.at("config") != config.to_json()) fail(opt.resume, "its model sizes differ from the options given");
    load_vae_weights(model, ck, opt.resume);
    const Blob* ob = ck.find("optimizer");
    if (!ob) fail(opt.resume, "holds no optimizer state (not a training checkpoint)");
    restore_optimizer(optimizer, ob->bytes);
    step = ck.meta.at("step");
    best = ck.meta.value("best_val_nll", INFINITY);
    note("resuming " + opt.resume + " at step " + std::to_string(step) + " of " + std::to_string(total));
  }
  MetricsLog log(opt.rank == 0 ? opt.log : "", !opt.resume.empty(),
                 {"step", "epoch", "kind", "lr", "loss", "grad_norm", "val_nll", "val_pcc", "val_mse", "val_zero_acc"});
  VaeTrainResult result;
  result.best_path = opt.output;
  result.last_path = last_checkpoint_path(opt.output);

  auto save = [&](const std::string& path, const ValidationResult& v) {
    if (opt.rank != 0) return;
    CheckpointFile ck;
    ck.meta = {{"kind", "vae"},
               {"config", config.to_json()},
               {"genes", data.vocabulary},
               {"step", step},
               {"epoch", double(step) / double(steps_per_epoch)},
               {"total_steps", total},
               {"best_val_nll", best},
               {"metrics", metrics_json(v)},
               {"training", {{"seed", opt.seed}, {"batch_size", opt.batch_size}, {"lr", opt.lr},
                             {"val_fraction", opt.val_fraction}, {"cells", data.size()}, {"train_cells", train.size()},
                             {"val_cells", val.size()}}},
               {"provenance", opt.provenance}};
    add_vae_weights(ck, model);
    add_optimizer_state(ck, optimizer);
    ck.meta["fingerprint"] = vae_fingerprint(ck);
    write_checkpoint(path, ck);
  };

  Progress progress("training", uint64_t(total));
  ValidationResult last_val;
  model->train();
  while (step < total) {
    int64_t epoch = step / steps_per_epoch;
    Indices batch = batches.batch(step, size_t(opt.rank), size_t(opt.world_size));  // this rank's slice
    uint64_t step_seed = mix_seed(opt.seed, uint64_t(step) + 0x100000);
    double lr = wsd_learning_rate(opt.lr, step, total);
    set_learning_rate(optimizer, lr);

    auto [z, logvar] = model->encode(encoder_batch(data, batch, config.max_genes, step_seed, opt.device));
    torch::Tensor kl;
    if (config.beta > 0) {
      auto gen = at::detail::createCPUGenerator(step_seed);
      auto eps = torch::randn(z.sizes(), gen).to(opt.device);
      kl = 0.5 * (z.pow(2) + logvar.exp() - 1 - logvar).sum({1, 2}).mean();
      z = z + eps * torch::exp(0.5 * logvar);
    }
    auto dec = model->decode(z, library_sizes(data, batch, opt.device));
    auto x = dense_counts(data, batch, config.n_genes, opt.device);
    auto loss = -nb_log_prob(x, dec.mu, dec.theta).sum(1).mean();
    if (kl.defined()) loss = loss + config.beta * kl;
    optimizer.zero_grad();
    loss.backward();
    reduce_gradients(model, opt.world_size);
    double grad_norm = torch::nn::utils::clip_grad_norm_(model->parameters(), opt.clip);
    optimizer.step();
    ++step;
    record_step(log, progress, step, epoch, lr, loss, grad_norm, "loss %.1f");

    bool epoch_end = step % steps_per_epoch == 0 || step == total;
    if (epoch_end) {
      last_val = evaluate_reconstruction(model, data, val, opt.batch_size, opt.seed, opt.device);
      nlohmann::json row = metrics_json(last_val);
      row["step"] = step;
      row["epoch"] = epoch;
      row["kind"] = "val";
      log.write(row);
      if (!val.empty()) {
        progress.finish();
        note("epoch " + std::to_string(epoch + 1) + ": val NLL " + std::to_string(last_val.nll) + ", PCC " +
             std::to_string(last_val.recon.pcc));
      }
      bool improved = val.empty() || last_val.nll < best;
      if (improved) {
        best = val.empty() ? best : last_val.nll;
        save(opt.output, last_val);
      }
      save(result.last_path, last_val);
    } else if ((opt.checkpoint_every > 0 && step % opt.checkpoint_every == 0) || step == opt.stop_after) {
      save(result.last_path, last_val);
    }
    if (step == opt.stop_after) break;
  }
  progress.finish();
  result.steps = step;
  result.best_val_nll = best;
  result.last = last_val;
  return result;
}

}  // namespace scldm
