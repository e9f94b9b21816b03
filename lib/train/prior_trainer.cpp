#include "train/prior_trainer.hpp"

#include <cmath>

#include "model/vae_io.hpp"
#include "sample/library.hpp"
#include "train/batch.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace scldm {

double ema_decay_at(double decay, int64_t step) { return std::min(decay, (1.0 + double(step)) / (10.0 + double(step))); }

torch::Tensor drop_labels(const torch::Tensor& labels, const torch::Tensor& null_row, const std::string& strategy,
                          double rho, at::Generator& gen) {
  const int64_t B = labels.size(0), A = labels.size(1);
  if (A == 0) return labels;
  auto nulls = null_row.view({1, A}).expand({B, A});
  auto drop = torch::rand({B}, gen) < rho;
  if (strategy == "joint") return torch::where(drop.unsqueeze(1), nulls, labels);
  int64_t keep = torch::randint(A, {1}, gen).item<int64_t>();
  auto out = nulls.clone();
  out.select(1, keep).copy_(torch::where(drop, null_row[keep].expand({B}), labels.select(1, keep)));
  return out;
}

namespace {

Indices slice(const Indices& v, size_t begin, size_t end) {
  return Indices(v.begin() + long(begin), v.begin() + long(std::min(end, v.size())));
}

// Flow-matching loss on fixed draws of t and noise for the validation cells.
class Validator {
 public:
  Validator(const LatentSet& data, const Indices& val, uint64_t seed) : data_(data), val_(val) {
    auto gen = at::detail::createCPUGenerator(mix_seed(seed, 0xFA1));
    t_ = torch::rand({int64_t(val.size())}, gen);
    noise_ = torch::randn({int64_t(val.size()), data.z.size(1), data.z.size(2)}, gen);
  }
  double loss(Dit& model, int64_t batch, const torch::Device& device) {
    if (val_.empty()) return NAN;
    torch::NoGradGuard no_grad;
    model->eval();
    double sum = 0;
    for (size_t s = 0; s < val_.size(); s += size_t(batch)) {
      Indices which = slice(val_, s, s + size_t(batch));
      auto rows = torch::arange(int64_t(s), int64_t(s + which.size()));
      auto z1 = data_.z.index_select(0, index_tensor(which)).to(device);
      auto z0 = noise_.index_select(0, rows).to(device), t = t_.index_select(0, rows).to(device);
      auto zt = t.view({-1, 1, 1}) * z1 + (1 - t.view({-1, 1, 1})) * z0;
      auto v = model->forward(zt, t, data_.labels(which).to(device));
      sum += (v - (z1 - z0)).pow(2).mean({1, 2}).sum().item<double>();
    }
    model->train();
    return sum / double(val_.size());
  }

 private:
  const LatentSet& data_;
  Indices val_;
  torch::Tensor t_, noise_;
};

void ema_update(Dit& ema, Dit& model, double decay) {
  torch::NoGradGuard no_grad;
  auto target = ema->parameters(), source = model->parameters();
  for (size_t i = 0; i < target.size(); ++i) target[i].mul_(decay).add_(source[i], 1 - decay);
}

}  // namespace

PriorTrainResult train_prior(const LatentSet& data, DitConfig config, const PriorTrainOptions& opt) {
  config.tokens = data.z.size(1);
  config.latent_dim = data.z.size(2);
  config.classes.clear();
  for (auto& a : data.attributes) config.classes.push_back(int64_t(a.categories.size()));
  config.validate();
  PriorDescription desc;
  desc.config = config;
  desc.attributes = data.attributes;
  desc.strategy = opt.strategy;
  desc.cfg_dropout = opt.cfg_dropout;
  desc.ema_decay = opt.ema_decay;
  desc.library = library_stats(data.attributes, data.codes, data.library_size);
  desc.vae_fingerprint = opt.vae_fingerprint;
  desc.vae_path = opt.vae_path;

  Indices train, val;
  split_cells(data.size(), opt.val_fraction, opt.seed, train, val);
  if (train.empty()) throw Error("no training cells left after the validation split");
  BatchOrder batches(train, opt.seed, opt.batch_size);
  const int64_t steps_per_epoch = batches.steps_per_epoch();
  const int64_t total = opt.max_steps > 0 ? opt.max_steps : opt.epochs * steps_per_epoch;

  torch::manual_seed(opt.seed);
  const auto names = desc.attribute_names();
  Dit model(config, names), ema(config, names);
  {
    torch::NoGradGuard no_grad;
    auto src = model->parameters(), dst = ema->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  model->to(opt.device);
  ema->to(opt.device);
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(opt.lr).betas({0.9, 0.999}).weight_decay(0).eps(1e-8));
  int64_t step = 0;
  double best = INFINITY;
  if (!opt.resume.empty()) {
    CheckpointFile ck = read_checkpoint(opt.resume);
    PriorDescription old = PriorDescription::from_meta(ck.meta, opt.resume);
    if (old.config.to_json() != config.to_json()) fail(opt.resume, "its model sizes differ from the options given");
    if (old.attribute_names() != names) fail(opt.resume, "was trained with other --condition attributes");
    load_weights(*model, ck, opt.resume, "param/");
    load_weights(*ema, ck, opt.resume, "ema/");
    const Blob* ob = ck.find("optimizer");
    if (!ob) fail(opt.resume, "holds no optimizer state (not a training checkpoint)");
    restore_optimizer(optimizer, ob->bytes);
    step = ck.meta.at("step");
    const auto& b = ck.meta["best_val_loss"];
    best = b.is_number() ? b.get<double>() : INFINITY;
    note("resuming " + opt.resume + " at step " + std::to_string(step) + " of " + std::to_string(total));
  }
  MetricsLog log(opt.log, !opt.resume.empty(), {"step", "epoch", "kind", "lr", "loss", "grad_norm", "val_loss"});
  PriorTrainResult result;
  result.best_path = opt.output;
  result.last_path = last_checkpoint_path(opt.output);
  Validator validator(data, val, opt.seed);
  auto null_row = model->null_labels(1)[0].to(opt.device);

  double last_val = NAN;
  auto save = [&](const std::string& path) {
    CheckpointFile ck;
    desc.to_meta(ck.meta);
    ck.meta["step"] = step;
    ck.meta["epoch"] = double(step) / double(steps_per_epoch);
    ck.meta["total_steps"] = total;
    ck.meta["best_val_loss"] = std::isfinite(best) ? nlohmann::json(best) : nlohmann::json();
    ck.meta["metrics"] = {{"val_loss", std::isfinite(last_val) ? nlohmann::json(last_val) : nlohmann::json()},
                          {"val_cells", val.size()}};
    ck.meta["training"] = {{"seed", opt.seed},         {"batch_size", opt.batch_size}, {"lr", opt.lr},
                           {"val_fraction", opt.val_fraction}, {"cells", data.size()}, {"train_cells", train.size()}};
    ck.meta["provenance"] = opt.provenance;
    add_prior_weights(ck, model, ema);
    add_optimizer_state(ck, optimizer);
    ck.meta["fingerprint"] = prior_fingerprint(ck);
    write_checkpoint(path, ck);
  };

  Progress progress("training", uint64_t(total));
  model->train();
  while (step < total) {
    int64_t epoch = step / steps_per_epoch;
    Indices batch = batches.batch(step);
    auto gen = at::detail::createCPUGenerator(mix_seed(opt.seed, uint64_t(step) + 0x200000));
    const int64_t B = int64_t(batch.size());
    auto t = torch::rand({B}, gen).to(opt.device);
    auto z0 = torch::randn({B, config.tokens, config.latent_dim}, gen).to(opt.device);
    auto labels = drop_labels(data.labels(batch), null_row.to(torch::kCPU), opt.strategy, opt.cfg_dropout, gen).to(opt.device);
    auto z1 = data.z.index_select(0, index_tensor(batch)).to(opt.device);
    auto zt = t.view({-1, 1, 1}) * z1 + (1 - t.view({-1, 1, 1})) * z0;
    double lr = wsd_learning_rate(opt.lr, step, total);
    set_learning_rate(optimizer, lr);
    auto loss = (model->forward(zt, t, labels) - (z1 - z0)).pow(2).mean();
    optimizer.zero_grad();
    loss.backward();
    double grad_norm = torch::nn::utils::clip_grad_norm_(model->parameters(), opt.clip);
    optimizer.step();
    ema_update(ema, model, ema_decay_at(opt.ema_decay, step));
    ++step;
    record_step(log, progress, step, epoch, lr, loss, grad_norm, "loss %.4f");
    bool epoch_end = step % steps_per_epoch == 0 || step == total;
    if (epoch_end) {
      last_val = validator.loss(ema, opt.batch_size, opt.device);
      log.write({{"step", step}, {"epoch", epoch}, {"kind", "val"}, {"val_loss", last_val}});
      if (!val.empty()) detail("epoch " + std::to_string(epoch + 1) + ": val loss " + std::to_string(last_val));
      if (val.empty() || last_val < best) {
        if (!val.empty()) best = last_val;
        save(opt.output);
      }
      save(result.last_path);
    } else if ((opt.checkpoint_every > 0 && step % opt.checkpoint_every == 0) || step == opt.stop_after) {
      save(result.last_path);
    }
    if (step == opt.stop_after) break;
  }
  progress.finish();
  if (!val.empty()) note("best validation flow-matching loss " + std::to_string(best) + " (last " + std::to_string(last_val) + ")");
  result.steps = step;
  result.best_val_loss = best;
  result.last_val_loss = last_val;
  return result;
}

}  // namespace scldm
