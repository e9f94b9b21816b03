// Built with -fno-trapping-math (so that the selects below vectorize; the
// values are the same) and -ffp-contract=off (no fused multiply-add in the
// AVX2 and AVX-512 clones, so every clone rounds alike).
#include "model/attention_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SCLDM_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCLDM_VECTOR_CLONES
#endif
#define SCLDM_INLINE inline __attribute__((always_inline))

namespace scldm::attention_kernel {
namespace {

// exp for the softmax: float by a fixed polynomial (Cephes' expf, ~1 ulp)
// that vectorizes and rounds alike on every CPU (no library dispatch); double
// (tests) by the C library, whose last bit may depend on the CPU.
SCLDM_INLINE float exp_of(float x) {
  float y = x >= -87.0f ? x : -87.0f;  // NaN too: the conversion below needs a number
  y = y <= 88.0f ? y : 88.0f;
  const float n = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (y - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = __builtin_bit_cast(float, (int32_t(n) + 127) << 23);
  return x != x ? x : x < -87.0f ? 0.0f : p * scale;  // NaN stays NaN
}
SCLDM_INLINE double exp_of(double x) { return std::exp(x); }

template <typename T>
SCLDM_INLINE void axpy(T a, const T* __restrict x, T* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// Queries are handled in tiles of 16 (one AVX-512 register of floats): a
// tile's sums over the head dimension stay in registers. Query arrays are
// padded to whole tiles with zeros.
constexpr int64_t kTile = 16;
SCLDM_INLINE int64_t padded(int64_t lq) { return query_stride(lq); }

template <typename T>
struct Scratch {
  std::vector<T> qt, ot, dot, dqt, dp, top, sum, weighted, rows, dkt, dvt;
};

// rows [n, d] (row i at x.at(b, h, i)) -> columns [d, stride], zeros past n.
template <typename T>
SCLDM_INLINE void to_columns(const Rows<const T>& x, int64_t b, int64_t h, int64_t n, int64_t stride, int64_t d,
                             std::vector<T>& out) {
  out.assign(size_t(stride * d), T(0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) out[size_t(t * stride + i)] = x.at(b, h, i)[t];
}

template <typename T>
SCLDM_INLINE void from_columns(const std::vector<T>& cols, int64_t n, int64_t stride, int64_t d, const Rows<T>& x,
                               int64_t b, int64_t h) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) x.at(b, h, i)[t] = cols[size_t(t * stride + i)];
}

// tile[l] = sum_t row[t] cols[t][l], t in order, for the 16 queries of a tile.
template <typename T>
SCLDM_INLINE void row_dot_tile(const T* row, const T* cols, int64_t stride, int64_t d, T* tile) {
  T acc[kTile] = {};
  for (int64_t t = 0; t < d; ++t) {
    const T x = row[t];
    for (int64_t l = 0; l < kTile; ++l) acc[l] += x * cols[t * stride + l];
  }
  for (int64_t l = 0; l < kTile; ++l) tile[l] = acc[l];
}

template <typename T>
SCLDM_INLINE T root_of(int64_t d) { return T(std::sqrt(double(d))); }

// The layout puts the queries along memory: every product and softmax sum
// runs over the keys in order, as vector operations over the queries. A
// dropped key is skipped (its probability is 0), so padding adds nothing.
// probs [Lk, padded Lq] per pair.
template <typename T>
SCLDM_INLINE void scores_and_softmax(const Problem<T>& a, int64_t b, int64_t h, T* probs, Scratch<T>& s) {
  const int64_t lk = a.lk, lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * lk : nullptr;
  const T root = root_of<T>(d);
  s.top.assign(size_t(lq), -std::numeric_limits<T>::infinity());
  s.sum.assign(size_t(lq), T(0));
  T *top = s.top.data(), *sum = s.sum.data();
  for (int64_t j = 0; j < lk; ++j) {
    T* p = probs + j * lq;
    if (mask && !mask[j]) {
      std::fill(p, p + lq, T(0));
      continue;
    }
    for (int64_t i = 0; i < lq; i += kTile) row_dot_tile(a.k.at(b, h, j), s.qt.data() + i, lq, d, p + i);
    for (int64_t i = 0; i < lq; ++i) p[i] /= root, top[i] = top[i] < p[i] ? p[i] : top[i];
  }
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    T* p = probs + j * lq;
    for (int64_t i = 0; i < lq; ++i) p[i] = exp_of(p[i] - top[i]), sum[i] += p[i];
  }
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    T* p = probs + j * lq;
    for (int64_t i = 0; i < lq; ++i) p[i] /= sum[i];
  }
}

template <typename T>
SCLDM_INLINE void forward_pair(const Problem<T>& a, const Rows<T>& out, int64_t b, int64_t h, Scratch<T>& s) {
  const int64_t lk = a.lk, lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * lk : nullptr;
  T* probs = a.probs + (b * a.heads + h) * lk * lq;
  to_columns(a.q, b, h, a.lq, lq, d, s.qt);
  scores_and_softmax(a, b, h, probs, s);
  s.ot.assign(size_t(d * lq), T(0));
  for (int64_t j = 0; j < lk; ++j) {  // out' [d, Lq] += v[j]' p[j], j in order
    if (mask && !mask[j]) continue;
    const T* v = a.v.at(b, h, j);
    for (int64_t t = 0; t < d; ++t) axpy(v[t], probs + j * lq, s.ot.data() + t * lq, lq);
  }
  from_columns(s.ot, a.lq, lq, d, out, b, h);  // zeros where no key is kept
}

// [n, m] -> [m, n]
template <typename T>
SCLDM_INLINE void transpose(const T* x, int64_t n, int64_t m, std::vector<T>& out) {
  out.resize(size_t(n * m));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < m; ++c) out[size_t(c * n + r)] = x[r * m + c];
}

// dK = dS' Q and dV = P' dO (dS in s.dp, both [Lk, padded Lq]), as columns
// along the keys, summed over the queries in order.
template <typename T>
SCLDM_INLINE void key_gradients(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t h, const T* probs,
                                Scratch<T>& s) {
  const int64_t lk = a.lk, lq = padded(a.lq), d = a.d;
  s.dkt.assign(size_t(d * lk), T(0));
  s.dvt.assign(size_t(d * lk), T(0));
  transpose(s.dp.data(), lk, lq, s.rows);
  for (int64_t i = 0; i < a.lq; ++i)
    for (int64_t t = 0; t < d; ++t) axpy(a.q.at(b, h, i)[t], s.rows.data() + i * lk, s.dkt.data() + t * lk, lk);
  transpose(probs, lk, lq, s.rows);
  for (int64_t i = 0; i < a.lq; ++i)
    for (int64_t t = 0; t < d; ++t) axpy(g.out_grad.at(b, h, i)[t], s.rows.data() + i * lk, s.dvt.data() + t * lk, lk);
  for (int64_t j = 0; j < lk; ++j)
    for (int64_t t = 0; t < d; ++t) {
      g.k.at(b, h, j)[t] = s.dkt[size_t(t * lk + j)];
      g.v.at(b, h, j)[t] = s.dvt[size_t(t * lk + j)];
    }
}

// The same for many queries (the decoder's genes) and heads of at most kMaxHead:
// per key, the sums over the queries in 16 lanes of register accumulators
// (lane l takes queries l, l + 16, ...), then the lanes added in a fixed tree.

template <typename T>
SCLDM_INLINE T lane_tree(T* lanes) {
  for (int64_t width = kTile / 2; width > 0; width /= 2)
    for (int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  return lanes[0];
}

template <typename T>
SCLDM_INLINE void key_gradients_by_lanes(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t h,
                                         const T* probs, Scratch<T>& s) {
  const int64_t lk = a.lk, lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * lk : nullptr;
  to_columns(a.q, b, h, a.lq, lq, d, s.qt);
  for (int64_t j = 0; j < lk; ++j) {
    T *dk = g.k.at(b, h, j), *dv = g.v.at(b, h, j);
    T ak[kMaxHead][kTile] = {}, av[kMaxHead][kTile] = {};
    if (!mask || mask[j]) {
      const T *ds = s.dp.data() + j * lq, *p = probs + j * lq;
      for (int64_t i = 0; i < lq; i += kTile)
        for (int64_t t = 0; t < d; ++t)
          for (int64_t l = 0; l < kTile; ++l) {
            ak[t][l] += ds[i + l] * s.qt[size_t(t * lq + i + l)];
            av[t][l] += p[i + l] * s.dot[size_t(t * lq + i + l)];
          }
    }
    for (int64_t t = 0; t < d; ++t) dk[t] = lane_tree(ak[t]), dv[t] = lane_tree(av[t]);
  }
}

// dP = dO V'; dS = P (dP - rowsum(P dP)) / sqrt d; dQ = dS K; then dK, dV;
// every sum over keys or queries in order. A dropped key gets zeros.
template <typename T>
SCLDM_INLINE void backward_pair(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t h, Scratch<T>& s) {
  const int64_t lk = a.lk, lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * lk : nullptr;
  const T root = root_of<T>(d);
  const T* probs = a.probs + (b * a.heads + h) * lk * lq;
  to_columns(g.out_grad, b, h, a.lq, lq, d, s.dot);
  s.dp.assign(size_t(lk * lq), T(0));
  s.weighted.assign(size_t(lq), T(0));
  s.dqt.assign(size_t(d * lq), T(0));
  T* weighted = s.weighted.data();
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    const T* p = probs + j * lq;
    T* dp = s.dp.data() + j * lq;
    for (int64_t i = 0; i < lq; i += kTile) row_dot_tile(a.v.at(b, h, j), s.dot.data() + i, lq, d, dp + i);
    for (int64_t i = 0; i < lq; ++i) weighted[i] += p[i] * dp[i];
  }
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    const T* p = probs + j * lq;
    T* ds = s.dp.data() + j * lq;
    for (int64_t i = 0; i < lq; ++i) ds[i] = p[i] * (ds[i] - weighted[i]) / root;
    for (int64_t t = 0; t < d; ++t) axpy(a.k.at(b, h, j)[t], ds, s.dqt.data() + t * lq, lq);
  }
  from_columns(s.dqt, a.lq, lq, d, g.q, b, h);
  // One tile of queries (the latent tokens): vectors along the keys; more: lanes.
  if (a.lq > kTile && d <= kMaxHead)
    key_gradients_by_lanes(a, g, b, h, probs, s);
  else
    key_gradients(a, g, b, h, probs, s);
}

template <typename T>
SCLDM_INLINE void forward_range(const Problem<T>& a, const Rows<T>& out, int64_t begin, int64_t end) {
  thread_local Scratch<T> s;
  // (No lambdas here: they would not be built for the caller's vector clone.)
  for (int64_t n = begin; n < end; ++n) forward_pair(a, out, n / a.heads, n % a.heads, s);
}

template <typename T>
SCLDM_INLINE void backward_range(const Problem<T>& a, const Gradients<T>& g, int64_t begin, int64_t end) {
  thread_local Scratch<T> s;
  for (int64_t n = begin; n < end; ++n) backward_pair(a, g, n / a.heads, n % a.heads, s);
}

}  // namespace

SCLDM_VECTOR_CLONES void forward(const Problem<float>& a, const Rows<float>& out, int64_t begin, int64_t end) {
  forward_range(a, out, begin, end);
}
void forward(const Problem<double>& a, const Rows<double>& out, int64_t begin, int64_t end) {
  forward_range(a, out, begin, end);
}
SCLDM_VECTOR_CLONES void backward(const Problem<float>& a, const Gradients<float>& g, int64_t begin, int64_t end) {
  backward_range(a, g, begin, end);
}
void backward(const Problem<double>& a, const Gradients<double>& g, int64_t begin, int64_t end) {
  backward_range(a, g, begin, end);
}

}  // namespace scldm::attention_kernel
