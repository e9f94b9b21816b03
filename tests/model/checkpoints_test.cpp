// The torch-free tensor lists that `scldm info` checks checkpoints against
// must be exactly the parameters the LibTorch modules have.
#include <gtest/gtest.h>

#include <map>

#include "eval/classifier.hpp"
#include "spec/checkpoints.hpp"
#include "model/dit.hpp"
#include "model/vae.hpp"

using namespace scldm;

namespace {

std::map<std::string, std::vector<int64_t>> shapes_of(torch::nn::Module& m) {
  std::map<std::string, std::vector<int64_t>> out;
  for (auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
  return out;
}

std::map<std::string, std::vector<int64_t>> shapes_of(const std::vector<TensorSpec>& specs) {
  std::map<std::string, std::vector<int64_t>> out;
  for (auto& s : specs) EXPECT_TRUE(out.emplace(s.name, s.shape).second) << "listed twice: " << s.name;
  return out;
}

}  // namespace

TEST(CheckpointSpecs, VaeTensorsAreTheModulesParameters) {
  for (const char* preset : {"tiny", "small", "base"})
    for (double beta : {0.0, 0.5})
      for (bool logvar_bias : {false, true})
        for (const char* input : {"scale", "concat"}) {
          VaeConfig c = vae_preset(preset);
          c.n_genes = 37;
          c.beta = beta;
          c.logvar_bias = logvar_bias;
          c.input = input;
          Vae v(c);
          EXPECT_EQ(shapes_of(*v), shapes_of(vae_tensors(c)))
              << preset << " beta " << beta << " logvar_bias " << logvar_bias << " " << input;
        }
}

TEST(CheckpointSpecs, DitTensorsAreTheModulesParameters) {
  for (const char* preset : {"tiny", "small"}) {
    DitConfig c = dit_preset(preset);
    c.tokens = 5;
    c.latent_dim = 6;
    c.classes = {3, 2};
    std::vector<std::string> names{"cell.type", "condition"};
    Dit d(c, names);
    EXPECT_EQ(shapes_of(*d), shapes_of(dit_tensors(c, names))) << preset;
  }
}

TEST(CheckpointSpecs, ClassifierTensorsAreTheNetworksParameters) {
  for (const char* model : {"logreg", "mlp"}) {
    // Build through the checkpoint round trip the command uses.
    ClassifierOptions o;
    o.kind = model;
    o.hidden = 7;
    CellFeatures f;
    f.x = torch::randn({40, 12});
    f.labels = {{"y", {"a", "b", "c"}}};
    f.codes = {std::vector<int32_t>(40)};
    for (int i = 0; i < 40; ++i) f.codes[0][size_t(i)] = i % 3;
    nlohmann::ordered_json report;
    Classifier trained = train_classifier(f, "y", o, report);
    EXPECT_EQ(shapes_of(*trained.net), shapes_of(classifier_tensors(model, 12, trained.hidden, 3))) << model;
    CheckpointFile ck = trained.to_checkpoint({});
    EXPECT_NO_THROW(validate_checkpoint(ck, "clf.pt"));
  }
}
