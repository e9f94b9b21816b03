// Gene panels (scldm-model(7), SEVERAL GENE PANELS): a gene a cell's file did
// not measure is unknown, not zero. The masked decoder is the model over the
// measured genes alone, a full mask changes nothing, unmeasured genes teach
// the model nothing, and metrics skip them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/batch.hpp"
#include "model/reconstruction.hpp"
#include "model/vae.hpp"
#include "vae_fixtures.hpp"

using namespace scldm;
using test::random_vae;
using test::tiny;

namespace {

struct Case {
  Vae v{nullptr};
  torch::Tensor z, lib, measured, x;
};

Case make_case(int64_t G, uint64_t seed) {
  Case c;
  c.v = random_vae(tiny(G), seed);
  c.z = torch::randn({3, c.v->config.tokens, c.v->config.latent_dim});
  c.lib = torch::tensor({100.f, 250.f, 37.f});
  c.measured = torch::rand({3, G}) > 0.3;
  c.x = torch::poisson(torch::rand({3, G}) * 3) * c.measured;
  return c;
}

}  // namespace

TEST(Panels, MaskedDecoderIsTheModelOverTheMeasuredGenesAlone) {
  Case c = make_case(40, 3);
  Decoded masked = c.v->decode(c.z, c.lib, c.measured), full = c.v->decode(c.z, c.lib);
  EXPECT_EQ(masked.mu.masked_select(c.measured.logical_not()).abs().max().item<float>(), 0.0f);
  auto ll = cell_log_likelihood(c.x, masked, c.measured);
  for (int64_t b = 0; b < 3; ++b) {
    auto idx = c.measured[b].nonzero().squeeze(1);
    auto mu = torch::softmax(full.logits[b].index_select(0, idx), 0) * c.lib[b];
    EXPECT_LT((masked.mu[b].index_select(0, idx) - mu).abs().max().item<double>(), 1e-4 * c.lib[b].item<double>());
    EXPECT_NEAR(masked.mu[b].sum().item<double>(), c.lib[b].item<double>(), 1e-4 * c.lib[b].item<double>());
    double expected = nb_log_prob(c.x[b].index_select(0, idx), mu, full.theta.index_select(0, idx)).sum().item<double>();
    EXPECT_NEAR(ll[b].item<double>(), expected, 1e-5 * std::abs(expected));
  }
}

TEST(Panels, AFullMaskChangesNothing) {
  Case c = make_case(40, 4);
  auto all = torch::ones_like(c.measured);
  Decoded masked = c.v->decode(c.z, c.lib, all), plain = c.v->decode(c.z, c.lib);
  EXPECT_TRUE(torch::equal(masked.mu, plain.mu));
  EXPECT_TRUE(torch::equal(cell_log_likelihood(c.x, masked, all), -(-nb_log_prob(c.x, plain.mu, plain.theta)).sum(1)));
}

TEST(Panels, GenesNoCellMeasuredTeachTheModelNothing) {
  Case c = make_case(40, 5);
  c.v->train();
  c.measured.select(1, 7).fill_(false);  // gene 7 measured by no cell of the batch
  c.x = c.x * c.measured;
  auto grads = [&](const torch::Tensor& mask) {
    c.v->zero_grad();
    (-cell_log_likelihood(c.x, c.v->decode(c.z, c.lib, mask), mask).sum()).backward();
    return std::make_pair(c.v->emb->weight.grad()[8].abs().max().item<double>(), c.v->theta->weight.grad()[8].abs().max().item<double>());
  };
  auto [emb_masked, theta_masked] = grads(c.measured);
  EXPECT_EQ(emb_masked, 0.0);
  EXPECT_EQ(theta_masked, 0.0);
  auto [emb_zero, theta_zero] = grads({});  // missing taken for zero counts: the model learns "zero"
  EXPECT_GT(emb_zero, 0.0);
  EXPECT_GT(theta_zero, 0.0);
}

// Per-gene Pearson correlation of log1p(CP10k) over the cells that measured the gene.
TEST(Panels, MetricsSkipUnmeasuredEntries) {
  const size_t n = 37, g = 9;
  std::mt19937_64 rng(1);
  std::vector<float> real(n * g), recon(n * g);
  std::vector<uint8_t> measured(n * g);
  for (size_t i = 0; i < n * g; ++i) {
    measured[i] = (i / g) % 3 == 0 ? (i % g) < 5 : (i % g) > 2;  // two panels: genes 0-4, and 3-8
    real[i] = measured[i] ? float(rng() % 6) : 0.0f;
    recon[i] = measured[i] ? float(rng() % 6) : 0.0f;
  }
  ReconAccumulator acc(g);
  for (size_t start = 0; start < n; start += 16)  // blocks, as ReconstructionPass adds them
    acc.add(real.data() + start * g, recon.data() + start * g, std::min<size_t>(16, n - start), measured.data() + start * g);
  ReconMetrics m = acc.result();
  auto log_cp10k = [&](const std::vector<float>& x, size_t i, size_t j) {
    double total = 0;
    for (size_t k = 0; k < g; ++k) total += x[i * g + k];
    return std::log1p(x[i * g + j] * (total > 0 ? 1e4 / total : 0));
  };
  double pcc = 0, se = 0, right = 0, entries = 0;
  for (size_t j = 0; j < g; ++j) {
    std::vector<double> a, b;
    for (size_t i = 0; i < n; ++i)
      if (measured[i * g + j]) {
        a.push_back(log_cp10k(real, i, j)), b.push_back(log_cp10k(recon, i, j));
        se += (a.back() - b.back()) * (a.back() - b.back());
        right += (real[i * g + j] == 0) == (recon[i * g + j] == 0);
        ++entries;
      }
    double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t k = 0; k < a.size(); ++k) ma += a[k] / double(a.size()), mb += b[k] / double(a.size());
    for (size_t k = 0; k < a.size(); ++k) saa += (a[k] - ma) * (a[k] - ma), sbb += (b[k] - mb) * (b[k] - mb), sab += (a[k] - ma) * (b[k] - mb);
    pcc += sab / std::sqrt(saa * sbb) / double(g);
  }
  EXPECT_NEAR(m.pcc, pcc, 1e-12);
  EXPECT_NEAR(m.mse, se / entries, 1e-12);
  EXPECT_NEAR(m.zero_accuracy, right / entries, 1e-12);
  // Without the mask, the unmeasured zeros count as right: a different (wrong) answer.
  EXPECT_GT(recon_metrics(real.data(), recon.data(), n, g).zero_accuracy, m.zero_accuracy);
}

// --encoder-genes shared: the encoder reads only the marked genes, so two
// cells that differ only in unmarked genes get the same latent; marking every
// gene changes nothing.
TEST(Panels, TheEncoderReadsOnlyItsGenes) {
  CellSet s;
  for (int g = 0; g < 6; ++g) s.vocabulary.push_back("g" + std::to_string(g));
  auto add = [&](std::vector<int64_t> genes, std::vector<float> counts) {
    s.genes.insert(s.genes.end(), genes.begin(), genes.end());
    s.counts.insert(s.counts.end(), counts.begin(), counts.end());
    s.indptr.push_back(s.genes.size());
    s.ids.push_back("c" + std::to_string(s.ids.size()));
    s.library_size.push_back(1);
  };
  add({1, 2, 5}, {3, 1, 4});
  add({1, 2, 6}, {3, 1, 9});  // the same on genes 1-4
  add({1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6});
  Vae v = random_vae(tiny(6), 7);
  const std::vector<uint8_t> read{1, 1, 1, 1, 0, 0};
  v->encoder_genes = read;
  auto z = v->encode(encoder_batch(s, {0, 1}, 1024, 0, torch::kCPU, 0, read)).first;
  EXPECT_TRUE(torch::equal(z[0], z[1]));
  auto b = encoder_batch(s, {2}, 1024, 0, torch::kCPU, 0, read);
  EXPECT_EQ(b.mask.sum().item<int64_t>(), 4);
  EXPECT_EQ(b.genes.max().item<int64_t>(), 4);
  const std::vector<uint8_t> all(6, 1);
  auto every = encoder_batch(s, {0, 1, 2}, 2, 5, torch::kCPU, 0, all), plain = encoder_batch(s, {0, 1, 2}, 2, 5, torch::kCPU);
  EXPECT_TRUE(torch::equal(every.genes, plain.genes));
  EXPECT_TRUE(torch::equal(every.counts, plain.counts));
  EXPECT_TRUE(torch::equal(every.mask, plain.mask));
}
