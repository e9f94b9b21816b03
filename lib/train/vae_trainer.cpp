#include "train/vae_trainer.hpp"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "model/reconstruction.hpp"
#include "model/vae_io.hpp"
#include "model/batch.hpp"
#include "model/cell_blocks.hpp"
#include "model/gene_decoder.hpp"
#include "io/panels.hpp"
#include "util/error.hpp"

namespace scldm {
namespace {

class VaeTask : public TrainingTask {
 public:
  VaeTask(TrainingCells& data, const VaeConfig& config, const VaeTrainOptions& opt)
      : data_(data), config_(config), opt_(opt) {
    config_.n_genes = int64_t(data.meta().vocabulary.size());
    config_.validate();
    torch::manual_seed(opt.seed);
    model_ = Vae(config_);
    model_->to(opt.device);
    model_->train();
    if (opt.encode_shared_genes && data.meta().panels) {
      model_->encoder_genes = shared_genes(*data.meta().panels);
      if (std::count(model_->encoder_genes.begin(), model_->encoder_genes.end(), 1) == 0)
        throw Error("--encoder-genes shared: no gene is measured by every input file");
    }
  }

  std::string kind() const override { return "vae"; }
  std::string best_key() const override { return "best_val_nll"; }
  std::vector<std::string> validation_columns() const override { return {"val_nll", "val_pcc", "val_mse", "val_zero_acc"}; }
  const char* loss_format() const override { return "loss %.1f"; }
  void prepare(const Indices&, const Indices&) override {}
  void start(const BatchOrder& order, int64_t step) override { data_.start(order, step); }
  std::vector<torch::Tensor> parameters() override { return model_->parameters(); }
  torch::optim::AdamWOptions optimizer_options(double lr) const override {
    return torch::optim::AdamWOptions(lr).betas({0.9, 0.95}).weight_decay(0).eps(1e-8);
  }

  // This rank's cells of the step, read once for all its parts, and with
  // beta > 0 the posterior noise of the whole batch (parts take their rows).
  void begin_step(const BatchSlice& mine, int64_t step) override {
    step_cells_ = data_.batch(mine.whole() ? mine.global : mine.cells(), step);
    step_share_ = mine;
    if (config_.beta <= 0) return;
    auto gen = at::detail::createCPUGenerator(step_seed(step));
    step_eps_ = torch::randn({int64_t(mine.global.size()), config_.tokens, config_.latent_dim}, gen);
  }

  torch::Tensor loss(const BatchSlice& slice, int64_t step) override {
    const GeneSideBatch share(int64_t(step_cells_.size()));  // parts keep or recompute as their share does
    const CellSet& data = step_cells_;
    Indices batch;  // the part's cells among the rank's (begin_step's)
    for (size_t i = slice.offset; i < slice.global.size(); i += slice.stride) {
      const size_t k = (i - step_share_.offset) / step_share_.stride;
      if (i < step_share_.offset || (i - step_share_.offset) % step_share_.stride || k >= data.size())
        throw std::logic_error("VaeTask::loss: a slice outside the share of begin_step");
      batch.push_back(k);
    }
    auto [z, logvar] = model_->encode(encoder_batch(data, batch, config_.max_genes, step_seed(step), opt_.device, 0, model_->encoder_genes));
    torch::Tensor kl;
    if (config_.beta > 0) {
      auto eps = slice.mine(step_eps_).to(opt_.device);
      kl = 0.5 * (z.pow(2) + logvar.exp() - 1 - logvar).sum({1, 2}).mean();
      z = z + eps * torch::exp(0.5 * logvar);
    }
    const torch::Tensor measured = measured_genes(data, batch, opt_.device);
    auto dec = model_->decode(z, library_sizes(data, batch, opt_.device), measured);
    auto x = dense_counts(data, batch, config_.n_genes, opt_.device);
    auto loss = -cell_log_likelihood(x, dec, measured).mean();
    return kl.defined() ? loss + config_.beta * kl : loss;
  }

  Validation validate(const Indices& val) override {
    // Parts of whole cell blocks: the result of all validation cells at once.
    ReconstructionPass pass(model_, opt_.seed, opt_.device);
    const size_t block = size_t(cell_block_size(opt_.device));
    const Indices mine = opt_.group ? share_of(val, opt_.group->rank(), opt_.group->size(), block) : val;
    data_.for_each_part(mine, cell_chunk_size(opt_.device), [&](const CellSet& part, const Indices& which) { pass.add(part, which); });
    auto r = opt_.group ? merged(pass) : pass.result();
    Validation v;
    v.metrics = {{"val_nll", r.nll},           {"val_pcc", r.recon.pcc}, {"val_mse", r.recon.mse},
                 {"val_zero_acc", r.recon.zero_accuracy}, {"val_cells", r.cells}};
    if (val.empty()) return v;
    v.loss = r.nll;
    char text[128];
    snprintf(text, sizeof text, "val NLL %.2f, PCC %.4f", r.nll, r.recon.pcc);
    v.summary = text;
    return v;
  }

  // Every rank's cells of a validation, merged in rank order.
  ReconstructionResult merged(const ReconstructionPass& pass) {
    ReconstructionPass all(model_, opt_.seed, opt_.device);
    for (const auto& state : opt_.group->gather(pass.state())) all.merge(state);
    return all.result();
  }

  // Validation costs the same per cell: a part of the cells, timed and scaled.
  double validation_seconds(const Indices& val) override {
    const size_t part = std::min<size_t>(val.size(), 512);
    return TrainingTask::validation_seconds(Indices(val.begin(), val.begin() + long(part))) * double(val.size()) / double(part);
  }

  void describe(nlohmann::json& meta) const override {
    meta["config"] = config_.to_json();
    meta["genes"] = data_.meta().vocabulary;
    if (!model_->encoder_genes.empty()) meta["encoder_genes"] = encoder_gene_names(model_->encoder_genes, data_.meta().vocabulary);
    if (!data_.meta().panels) return;
    for (const PanelSummary& s : summarize_panels(*data_.meta().panels))
      meta["panels"].push_back({{"file", s.name}, {"measured", s.measured}, {"shared", s.shared}, {"only", s.only}, {"lacks", s.lacks}});
  }
  std::vector<Blob> weights() override {
    CheckpointFile ck;
    add_vae_weights(ck, model_);
    return std::move(ck.blobs);
  }
  void restore(const CheckpointFile& ck, const std::string& path) override {
    try {
      if (ck.meta.at("genes").get<std::vector<std::string>>() != data_.meta().vocabulary)
        fail(path, "was trained on other genes than this data");
      // Read first, so that a field older checkpoints lack takes its default.
      if (VaeConfig::from_json(ck.meta.at("config")).to_json() != config_.to_json())
        fail(path, "its model sizes differ from the options given");
      if (ck.meta.value("encoder_genes", nlohmann::json::array()) !=
          nlohmann::json(encoder_gene_names(model_->encoder_genes, data_.meta().vocabulary)))
        fail(path, "its encoder reads other genes than this run's (--encoder-genes)");
    } catch (const nlohmann::json::exception& e) {
      fail(path, "bad VAE description (" + json_problem(e) + ")");
    }
    load_vae_weights(model_, ck, path);
  }
  std::string fingerprint(const CheckpointFile& ck) const override { return vae_fingerprint(ck); }

 private:
  uint64_t step_seed(int64_t step) const { return mix_seed(opt_.seed, uint64_t(step) + 0x100000); }

  TrainingCells& data_;
  CellSet step_cells_;
  BatchSlice step_share_;
  torch::Tensor step_eps_;
  VaeConfig config_;
  const VaeTrainOptions& opt_;
  Vae model_{nullptr};
};

}  // namespace

TrainingResult train_vae(TrainingCells& data, const VaeConfig& config, const VaeTrainOptions& opt) {
  VaeTask task(data, config, opt);
  return run_training(task, data.size(), opt);
}

TrainingResult train_vae(const CellSet& data, const VaeConfig& config, const VaeTrainOptions& opt) {
  CellsInMemory cells(data);
  return train_vae(cells, config, opt);
}

}  // namespace scldm
