#include "train/prior_trainer.hpp"

#include <cmath>

#include "model/cell_blocks.hpp"
#include "model/weights.hpp"
#include "spec/library.hpp"
#include "model/batch.hpp"
#include "util/error.hpp"
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
  // With data parallelism each rank computes every size-th batch. Batches run
  // in parallel, each on one thread, and are summed in order: the same loss
  // for any -@.
  double loss(Dit& model, int64_t batch, const torch::Device& device, DataParallel* group) {
    if (val_.empty()) return NAN;
    torch::NoGradGuard no_grad;
    model->eval();
    const size_t first = group ? size_t(group->rank()) : 0, every = group ? size_t(group->size()) : 1;
    std::vector<size_t> starts;
    for (size_t s = first * size_t(batch); s < val_.size(); s += every * size_t(batch)) starts.push_back(s);
    std::vector<double> sums(starts.size());
    auto batch_sum = [&](int64_t k) { sums[size_t(k)] = batch_loss_sum(model, starts[size_t(k)], size_t(batch), device); };
    if (device.is_cuda()) {
      for (size_t k = 0; k < starts.size(); ++k) batch_sum(int64_t(k));
    } else {
      for_each_single_threaded(int64_t(starts.size()), batch_sum);
    }
    model->train();
    double sum = 0;
    for (double v : sums) sum += v;
    if (group) sum = group->sum({sum})[0];
    return sum / double(val_.size());
  }

 private:
  // The summed loss of the validation cells [s, s + batch).
  double batch_loss_sum(Dit& model, size_t s, size_t batch, const torch::Device& device) {
    Indices which = slice(val_, s, s + batch);
    auto rows = torch::arange(int64_t(s), int64_t(s + which.size()));
    auto z1 = data_.z.index_select(0, index_tensor(which)).to(device);
    auto z0 = noise_.index_select(0, rows).to(device), t = t_.index_select(0, rows).to(device);
    auto zt = t.view({-1, 1, 1}) * z1 + (1 - t.view({-1, 1, 1})) * z0;
    auto v = model->forward(zt, t, data_.labels(which).to(device));
    return (v - (z1 - z0)).pow(2).mean({1, 2}).sum().item<double>();
  }

  const LatentSet& data_;
  Indices val_;
  torch::Tensor t_, noise_;
};


void ema_update(Dit& ema, Dit& model, double decay) {
  torch::NoGradGuard no_grad;
  auto target = ema->parameters(), source = model->parameters();
  for (size_t i = 0; i < target.size(); ++i) target[i].mul_(decay).add_(source[i], 1 - decay);
}

// Subsets of the per-cell vectors for `which`.
template <typename T>
std::vector<T> pick(const std::vector<T>& v, const Indices& which) {
  std::vector<T> out;
  out.reserve(which.size());
  for (size_t i : which) out.push_back(v[i]);
  return out;
}

class PriorTask : public TrainingTask {
 public:
  PriorTask(const LatentSet& data, DitConfig config, const PriorTrainOptions& opt) : data_(data), opt_(opt) {
    config.tokens = data.z.size(1);
    config.latent_dim = data.z.size(2);
    config.classes.clear();
    for (auto& a : data.attributes) config.classes.push_back(int64_t(a.categories.size()));
    config.validate();
    desc_.config = config;
    desc_.attributes = data.attributes;
    desc_.strategy = opt.strategy;
    desc_.cfg_dropout = opt.cfg_dropout;
    desc_.ema_decay = opt.ema_decay;
    desc_.vae_fingerprint = opt.vae_fingerprint;
    desc_.vae_path = opt.vae_path;
    torch::manual_seed(opt.seed);
    const auto names = desc_.attribute_names();
    model_ = Dit(config, names);
    ema_ = Dit(config, names);
    {
      torch::NoGradGuard no_grad;
      auto src = model_->parameters(), dst = ema_->parameters();
      for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    }
    model_->to(opt.device);
    ema_->to(opt.device);
    model_->train();
    null_row_ = model_->null_labels(1)[0];
  }

  std::string kind() const override { return "prior"; }
  std::string best_key() const override { return "best_val_loss"; }
  std::vector<std::string> validation_columns() const override { return {"val_loss"}; }
  const char* loss_format() const override { return "loss %.4f"; }

  void prepare(const Indices& train, const Indices& val) override {
    // The library-size model sees the training cells only.
    desc_.library = library_stats(desc_.attributes, pick(data_.codes, train), pick(data_.library_size, train));
    validator_ = std::make_unique<Validator>(data_, val, opt_.seed);
  }
  size_t part_cells() const override { return 64; }  // a latent cell is little work: larger parts
  std::vector<torch::Tensor> parameters() override { return model_->parameters(); }
  torch::optim::AdamWOptions optimizer_options(double lr) const override {
    return torch::optim::AdamWOptions(lr).betas({0.9, 0.999}).weight_decay(0).eps(1e-8);
  }

  // The step's draws for the whole batch, once (its parts take their rows).
  void begin_step(const BatchSlice& mine, int64_t step) override {
    auto gen = at::detail::createCPUGenerator(mix_seed(opt_.seed, uint64_t(step) + 0x200000));
    const int64_t B = int64_t(mine.global.size());
    const auto& c = desc_.config;
    step_t_ = torch::rand({B}, gen);
    step_z0_ = torch::randn({B, c.tokens, c.latent_dim}, gen);
    step_labels_ = drop_labels(data_.labels(mine.global), null_row_, opt_.strategy, opt_.cfg_dropout, gen);
  }

  torch::Tensor loss(const BatchSlice& slice, int64_t) override {
    auto t = slice.mine(step_t_).to(opt_.device);
    auto z0 = slice.mine(step_z0_).to(opt_.device);
    auto labels = slice.mine(step_labels_).to(opt_.device);
    auto z1 = data_.z.index_select(0, index_tensor(slice.whole() ? slice.global : slice.cells())).to(opt_.device);
    auto zt = t.view({-1, 1, 1}) * z1 + (1 - t.view({-1, 1, 1})) * z0;
    return (model_->forward(zt, t, labels) - (z1 - z0)).pow(2).mean();
  }
  void after_step(int64_t step) override { ema_update(ema_, model_, ema_decay_at(opt_.ema_decay, step)); }

  Validation validate(const Indices& val) override {
    Validation v;
    v.loss = validator_->loss(ema_, opt_.batch_size, opt_.device, opt_.group.get());
    v.metrics = {{"val_loss", number_or_null(v.loss)}, {"val_cells", val.size()}};
    if (!val.empty()) detail("val loss " + std::to_string(v.loss));
    return v;
  }

  void describe(nlohmann::json& meta) const override { desc_.to_meta(meta); }
  std::vector<Blob> weights() override {
    CheckpointFile ck;
    add_prior_weights(ck, model_, ema_);
    return std::move(ck.blobs);
  }
  void restore(const CheckpointFile& ck, const std::string& path) override {
    PriorDescription old = PriorDescription::from_meta(ck.meta, path);
    if (old.attribute_names() != desc_.attribute_names()) fail(path, "was trained with other --condition attributes");
    for (size_t a = 0; a < old.attributes.size(); ++a)
      if (old.attributes[a].categories != desc_.attributes[a].categories)
        fail(path, "was trained on other categories of " + old.attributes[a].name);
    if (old.config.to_json() != desc_.config.to_json()) fail(path, "its model sizes differ from the options given");
    if (old.vae_fingerprint != desc_.vae_fingerprint)
      fail(path, "was trained on latents of another VAE (" + describe_vae(old.vae_fingerprint) + "; these latents: " +
                     describe_vae(desc_.vae_fingerprint) + ")");
    load_weights(*model_, ck, path, "param/");
    load_weights(*ema_, ck, path, "ema/");
  }
  std::string fingerprint(const CheckpointFile& ck) const override { return prior_fingerprint(ck); }

 private:
  static std::string describe_vae(const std::string& fp) { return fp.empty() ? "an unnamed VAE" : "VAE " + fp; }
  static nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

  const LatentSet& data_;
  const PriorTrainOptions& opt_;
  PriorDescription desc_;
  Dit model_{nullptr}, ema_{nullptr};
  torch::Tensor null_row_;
  torch::Tensor step_t_, step_z0_, step_labels_;  // begin_step's draws
  std::unique_ptr<Validator> validator_;
};

}  // namespace

TrainingResult train_prior(const LatentSet& data, DitConfig config, const PriorTrainOptions& opt) {
  PriorTask task(data, std::move(config), opt);
  TrainingResult r = run_training(task, data.size(), opt);
  if (std::isfinite(r.best_val_loss))
    note("best validation flow-matching loss " + std::to_string(r.best_val_loss) + " (last " +
         std::to_string(r.last.loss) + ")");
  return r;
}

}  // namespace scldm
