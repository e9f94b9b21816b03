// --preset auto: what it chooses from the device and the shape of the data.
#include "spec/auto_size.hpp"
#include "spec/config.hpp"
#include "util/error.hpp"

#include <gtest/gtest.h>

namespace scldm {
namespace {

RunShape shape(int64_t cells, int64_t genes, bool gpu = false, double seconds = 0) { return {cells, genes, 128, gpu, seconds}; }

// Cells a run passes through training (batches of 128).
double passes(const AutoChoice& c, int64_t cells) { return c.epochs > 0 ? double(c.epochs * cells) : double(c.max_steps * 128); }

// The reference's rate at its size; the smaller presets learn more per epoch at twice it.
TEST(Presets, VaeLearningRates) {
  EXPECT_EQ(vae_preset_lr("base"), 1e-3);
  EXPECT_EQ(vae_preset_lr("small"), 2e-3);
  EXPECT_EQ(vae_preset_lr("tiny"), 2e-3);
  EXPECT_ANY_THROW(vae_preset_lr("huge"));
}

// The prior likewise: the reference's rate at base, four times it below.
TEST(Presets, DitLearningRates) {
  EXPECT_EQ(dit_preset_lr("base"), 1e-3);
  EXPECT_EQ(dit_preset_lr("small"), 4e-3);
  EXPECT_EQ(dit_preset_lr("tiny"), 4e-3);
  EXPECT_ANY_THROW(dit_preset_lr("huge"));
}

// A checkpoint written before --input-norm existed reads as "none"; every
// other field stays required, so a truncated configuration is still refused.
TEST(Presets, InputNormIsOptionalInOlderConfigurations) {
  VaeConfig c = vae_preset("small");
  c.input = "concat";
  c.input_norm = "cp10k";
  nlohmann::json j = c.to_json();
  EXPECT_EQ(VaeConfig::from_json(j).input_norm, "cp10k");
  j.erase("input_norm");
  EXPECT_EQ(VaeConfig::from_json(j).input_norm, "none");
  j.erase("max_genes");
  EXPECT_THROW(VaeConfig::from_json(j), nlohmann::json::exception);
  EXPECT_NO_THROW(c.validate());
  c.input_norm = "cpm";
  EXPECT_THROW(c.validate(), UsageError);
  c.input_norm = "cp10k";  // the scale layer's LayerNorm would remove the counts
  c.input = "scale";
  EXPECT_THROW(c.validate(), UsageError);
}

TEST(AutoSize, TheVaeTrainsLongerOnLessData) {
  AutoChoice split = auto_vae_run(shape(7797, 1287));  // the tour's 80 % of kang_ctrl_muscat
  EXPECT_EQ(split.preset, "small");  // base would train 60 of its 100 epochs in the budget
  EXPECT_GE(split.epochs, 70);
  EXPECT_LE(split.epochs, 80);
  EXPECT_NE(split.why.find("(the largest size that trains base 100, small 30 epochs in about 10 min"), std::string::npos)
      << split.why;
  AutoChoice kang = auto_vae_run(shape(9809, 1287));
  EXPECT_EQ(kang.preset, "small");
  EXPECT_GE(kang.epochs, 30);
  EXPECT_EQ(kang.max_steps, 0);
  EXPECT_EQ(auto_vae_run(shape(100000, 1287)).preset, "tiny");
  EXPECT_EQ(auto_vae_run(shape(1000, 1000)).preset, "base");  // the reference's size where it trains 100 epochs
  EXPECT_EQ(auto_vae_run(shape(9809, 1287, true)).preset, "base");
  AutoChoice wide = auto_vae_run(shape(9809, 20000));
  EXPECT_EQ(wide.preset, "tiny");  // the decoder's work grows with the genes
  EXPECT_LT(passes(wide, 9809), passes(kang, 9809) / 4);
  EXPECT_EQ(auto_vae_run(shape(50, 100)).epochs, 100);  // capped
  EXPECT_NE(kang.why.find("9809 cells x 1287 genes"), std::string::npos) << kang.why;
}

TEST(AutoSize, DataBeyondTheBudgetTrainPartOfAnEpoch) {
  AutoChoice huge = auto_vae_run(shape(4'000'000, 36000));
  EXPECT_EQ(huge.epochs, 0);
  EXPECT_GT(huge.max_steps, 0);
  EXPECT_LT(huge.max_steps * 128, 4'000'000);
  EXPECT_NE(huge.summary(true).find(", " + std::to_string(huge.max_steps) + " steps for"), std::string::npos) << huge.summary(true);
  EXPECT_EQ(huge.summary(false).find("steps"), std::string::npos) << huge.summary(false);
}

TEST(AutoSize, ABiggerBudgetBuysMore) {
  AutoChoice cpu = auto_vae_run(shape(200000, 20000));
  EXPECT_GT(passes(auto_vae_run(shape(200000, 20000, true)), 200000), passes(cpu, 200000));
  EXPECT_GT(passes(auto_vae_run(shape(200000, 20000, false, 3600)), 200000), passes(cpu, 200000));
  EXPECT_NE(auto_vae_run(shape(200000, 20000, false, 3600)).why.find("--time"), std::string::npos);
}

TEST(AutoSize, ThePriorShrinksAsTheCellsGrow) {
  auto rank = [](const std::string& p) { return p == "base" ? 2 : p == "small" ? 1 : 0; };
  int last = 3;
  for (int64_t cells : {100, 1000, 5000, 20000, 200000, 50'000'000}) {
    AutoChoice c = auto_prior_run(shape(cells, 0));
    EXPECT_LE(rank(c.preset), last) << cells << " cells: " << c.why;
    last = rank(c.preset);
    EXPECT_TRUE((c.epochs > 0) != (c.max_steps > 0)) << c.why;
  }
  EXPECT_EQ(auto_prior_run(shape(1000, 0)).epochs, 100);  // the budget holds more: the former default length
  EXPECT_GT(auto_prior_run(shape(50'000'000, 0)).max_steps, 0);
  EXPECT_EQ(auto_prior_run(shape(50'000'000, 0)).preset, "tiny");
  EXPECT_EQ(auto_prior_run(shape(7797, 0)).preset, "small");  // the tour's 80 % of kang_ctrl_muscat
  EXPECT_EQ(auto_prior_run(shape(50, 0)).preset, "base");  // 100 epochs of 50 cells fit in minutes
  EXPECT_EQ(auto_prior_run(shape(2000, 0)).preset, "small");
  // The reference's DiT where the budget pays for it: a GPU, or hours of CPU.
  EXPECT_EQ(auto_prior_run(shape(9809, 0, true)).preset, "base");
  EXPECT_EQ(auto_prior_run(shape(9809, 0, false, 16 * 3600)).preset, "base");
  EXPECT_NE(auto_prior_run(shape(9809, 0)).preset, "base");  // not hours on a CPU by default
}

TEST(AutoSize, TheChoiceRoundTripsThroughJson) {
  AutoChoice c = auto_prior_run(shape(7797, 0));
  AutoChoice back = AutoChoice::from_json(c.to_json());
  EXPECT_EQ(back.preset, c.preset);
  EXPECT_EQ(back.epochs, c.epochs);
  EXPECT_EQ(back.max_steps, c.max_steps);
  EXPECT_EQ(back.why, c.why);
  EXPECT_THROW(AutoChoice::from_json(nlohmann::json{{"preset", "tiny"}}), nlohmann::json::exception);
}

}  // namespace
}  // namespace scldm
