// Built as vector_math.hpp says (the same bytes from every clone).
#include "model/attention_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "model/vector_math.hpp"

namespace scldm::attention_kernel {
namespace {

using vector_math::exp_of;
using vector_math::Tile;
using vector_math::load_tile;
using vector_math::store_tile;
using vector_math::broadcast;

// Queries are handled in tiles of 16 (one AVX-512 register of floats): a
// tile's sums over the head dimension stay in registers. Query arrays are
// padded to whole tiles with zeros.
constexpr int64_t kTile = vector_math::kLanes;
SCLDM_INLINE int64_t padded(int64_t lq) { return query_stride(lq); }

template <typename T>
struct Scratch {
  std::vector<T> qt, dot, dp;  // q and dO as columns, dP then dS
};

// rows [n, d] (row i at x.at(b, h, i)) -> columns [d, stride], zeros past n.
template <typename T>
SCLDM_INLINE void to_columns(const Rows<const T>& x, int64_t b, int64_t h, int64_t n, int64_t stride, int64_t d,
                             std::vector<T>& out) {
  out.assign(size_t(stride * d), T(0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) out[size_t(t * stride + i)] = x.at(b, h, i)[t];
}

// The queries of pair (b, h) as columns [d, padded Lq].
template <typename T>
SCLDM_INLINE const T* query_columns(const Problem<T>& a, int64_t b, int64_t h, Scratch<T>& s) {
  if (a.q_columns) return a.q_columns + h * a.d * padded(a.lq);
  to_columns(a.q, b, h, a.lq, padded(a.lq), a.d, s.qt);
  return s.qt.data();
}

// out[jj][l] = sum_t x[j0 + jj][t] cols[t][l], t in order, for the 16 queries
// of a tile and n <= kKeys keys at once: the sums over the head dimension run
// side by side (one would wait on each add).
constexpr int64_t kKeys = 8;
template <typename T>
SCLDM_INLINE void keys_dot(const Rows<const T>& x, int64_t b, int64_t h, int64_t j0, int64_t n, const T* cols,
                           int64_t stride, int64_t d, Tile<T>* out) {
  Tile<T> acc[kKeys] = {};
  const T* row[kKeys];
  for (int64_t jj = 0; jj < kKeys; ++jj) row[jj] = x.at(b, h, j0 + std::min(jj, n - 1));  // spare lanes: unused repeats
  for (int64_t t = 0; t < d; ++t) {
    const Tile<T> c = load_tile(cols + t * stride);
    for (int64_t jj = 0; jj < kKeys; ++jj) acc[jj] += row[jj][t] * c;
  }
  for (int64_t jj = 0; jj < kKeys; ++jj) out[jj] = acc[jj];
}

// One past the last kept key of batch entry b: padding at the end is never
// read (each key's sums are its own, so the kept keys' bytes do not change).
template <typename T>
SCLDM_INLINE int64_t keys_end(const Problem<T>& a, int64_t b) {
  if (!a.mask) return a.lk;
  const bool* mask = a.mask + b * a.lk;
  int64_t end = a.lk;
  while (end > 0 && !mask[end - 1]) --end;
  return end;
}

// Accumulators zeroed for a head of d (zeroing all kMaxHead made a rep stos
// per tile).
template <typename T>
SCLDM_INLINE void zero(Tile<T>* v, int64_t d) {
  for (int64_t t = 0; t < d; ++t) v[t] = Tile<T>{};
}

// The lanes of v added in a fixed tree.
template <typename T>
SCLDM_INLINE T lanes_sum(const Tile<T>& v) {
  T lanes[kTile];
  store_tile(lanes, v);
  return vector_math::lane_tree(lanes);
}

template <typename T>
SCLDM_INLINE T inverse_root_of(int64_t d) { return T(1.0 / std::sqrt(double(d))); }

// The layout puts the queries along memory: every product and softmax sum
// runs over the keys in order, as vector operations over the 16 queries of a
// tile, whose running max, sum and output stay in registers. A dropped key is
// skipped (its probability is 0), so padding adds nothing; keys from `lk`
// on are all dropped. probs [a.lk, padded Lq] per pair; the tile's columns
// [i0, i0 + 16) are written.
template <typename T>
SCLDM_INLINE void forward_tile(const Problem<T>& a, int64_t b, int64_t lk, int64_t h, int64_t i0, T* probs,
                               const T* qt, const Rows<T>& out) {
  using V = Tile<T>;
  const int64_t lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * a.lk : nullptr;
  const T scale = inverse_root_of<T>(d);  // products, not divisions: a divide per key cost a fifth of a tile
  V top = broadcast(-std::numeric_limits<T>::infinity()), sum{}, acc[kMaxHead];
  zero<T>(acc, d);
  for (int64_t j0 = 0; j0 < lk; j0 += kKeys) {
    const int64_t n = std::min(kKeys, lk - j0);
    V scores[kKeys];
    keys_dot(a.k, b, h, j0, n, qt + i0, lq, d, scores);
    for (int64_t jj = 0; jj < n; ++jj) {
      T* p = probs + (j0 + jj) * lq + i0;
      if (mask && !mask[j0 + jj]) {
        store_tile(p, V{});
        continue;
      }
      const V x = scores[jj] * scale;
      top = top < x ? x : top;
      store_tile(p, x);
    }
  }
  for (int64_t j = lk; j < a.lk; ++j) store_tile(probs + j * lq + i0, V{});
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    T* p = probs + j * lq + i0;
    const V e = exp_of(load_tile(p) - top);
    sum += e;
    store_tile(p, e);
  }
  const V inverse_sum = lk > 0 ? broadcast(T(1)) / sum : V{};  // no key: no sum to divide by
  for (int64_t j = 0; j < lk; ++j) {  // out' [d, tile] += v[j]' p[j], j in order
    if (mask && !mask[j]) continue;
    T* p = probs + j * lq + i0;
    const T* v = a.v.at(b, h, j);
    const V pj = load_tile(p) * inverse_sum;
    store_tile(p, pj);
    for (int64_t t = 0; t < d; ++t) acc[t] += v[t] * pj;
  }
  for (int64_t l = 0; l < std::min(kTile, a.lq - i0); ++l)  // zeros where no key is kept
    for (int64_t t = 0; t < d; ++t) out.at(b, h, i0 + l)[t] = acc[t][l];
}

template <typename T>
SCLDM_INLINE void forward_pair(const Problem<T>& a, const Rows<T>& out, int64_t b, int64_t h, Scratch<T>& s) {
  const int64_t lq = padded(a.lq);
  T* probs = a.probs + (b * a.heads + h) * a.lk * lq;
  const T* qt = query_columns(a, b, h, s);
  const int64_t lk = keys_end(a, b);
  for (int64_t i0 = 0; i0 < lq; i0 += kTile) forward_tile(a, b, lk, h, i0, probs, qt, out);
}

// dK = dS' Q and dV = P' dO (dS in s.dp, both [Lk, 16]) for one tile of
// queries (the latent tokens): vectors along 16 keys at a time, each summed
// over the queries in order; keys from `lk` on (all dropped) get zeros.
template <typename T>
SCLDM_INLINE void key_gradients(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t lk, int64_t h,
                                const T* probs, Scratch<T>& s) {
  using V = Tile<T>;
  const int64_t lq = padded(a.lq), d = a.d;
  T ds_t[kTile][kTile], p_t[kTile][kTile];  // [query][key of the block]
  for (int64_t j0 = 0; j0 < lk; j0 += kTile) {
    const int64_t n = std::min(kTile, lk - j0);
    for (int64_t i = 0; i < a.lq; ++i)
      for (int64_t l = 0; l < kTile; ++l) {
        ds_t[i][l] = l < n ? s.dp[size_t((j0 + l) * lq + i)] : T(0);
        p_t[i][l] = l < n ? probs[(j0 + l) * lq + i] : T(0);
      }
    V dk[kMaxHead], dv[kMaxHead];
    zero<T>(dk, d), zero<T>(dv, d);
    for (int64_t i = 0; i < a.lq; ++i) {
      const V dsi = load_tile(ds_t[i]), pi = load_tile(p_t[i]);
      const T *qi = a.q.at(b, h, i), *oi = g.out_grad.at(b, h, i);
      for (int64_t t = 0; t < d; ++t) dk[t] += qi[t] * dsi, dv[t] += oi[t] * pi;
    }
    for (int64_t l = 0; l < n; ++l)
      for (int64_t t = 0; t < d; ++t) g.k.at(b, h, j0 + l)[t] = dk[t][l], g.v.at(b, h, j0 + l)[t] = dv[t][l];
  }
  for (int64_t j = lk; j < a.lk; ++j)
    for (int64_t t = 0; t < d; ++t) g.k.at(b, h, j)[t] = T(0), g.v.at(b, h, j)[t] = T(0);
}

// The same for many queries (the decoder's genes): per key, the sums over the
// queries in 16 lanes (lane l takes queries l, l + 16, ...), then the lanes
// added in a fixed tree.
template <typename T>
SCLDM_INLINE void key_gradients_by_lanes(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t lk, int64_t h,
                                         const T* probs, Scratch<T>& s) {
  using V = Tile<T>;
  const int64_t lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * a.lk : nullptr;
  const T* qt = query_columns(a, b, h, s);
  for (int64_t j = 0; j < a.lk; ++j) {
    T *dk = g.k.at(b, h, j), *dv = g.v.at(b, h, j);
    V ak[kMaxHead], av[kMaxHead];
    zero<T>(ak, d), zero<T>(av, d);
    if (j < lk && (!mask || mask[j])) {
      const T *ds = s.dp.data() + j * lq, *p = probs + j * lq;
      for (int64_t i = 0; i < lq; i += kTile) {
        const V dsi = load_tile(ds + i), pi = load_tile(p + i);
        for (int64_t t = 0; t < d; ++t)
          ak[t] += dsi * load_tile(qt + t * lq + i), av[t] += pi * load_tile(s.dot.data() + t * lq + i);
      }
    }
    for (int64_t t = 0; t < d; ++t) dk[t] = lanes_sum<T>(ak[t]), dv[t] = lanes_sum<T>(av[t]);
  }
}

// dP = dO V'; dS = P (dP - rowsum(P dP)) / sqrt d; dQ = dS K, for one tile of
// queries, every sum over keys in order; dS kept in s.dp for the keys before
// `lk` (a dropped key: 0).
template <typename T>
SCLDM_INLINE void backward_tile(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t lk, int64_t h,
                                int64_t i0, const T* probs, Scratch<T>& s) {
  using V = Tile<T>;
  const int64_t lq = padded(a.lq), d = a.d;
  const bool* mask = a.mask ? a.mask + b * a.lk : nullptr;
  const T scale = inverse_root_of<T>(d);
  V weighted{}, dq[kMaxHead];
  zero<T>(dq, d);
  for (int64_t j0 = 0; j0 < lk; j0 += kKeys) {
    const int64_t n = std::min(kKeys, lk - j0);
    V dps[kKeys];
    keys_dot(a.v, b, h, j0, n, s.dot.data() + i0, lq, d, dps);
    for (int64_t jj = 0; jj < n; ++jj) {
      T* dp = s.dp.data() + (j0 + jj) * lq + i0;
      if (mask && !mask[j0 + jj]) {
        store_tile(dp, V{});
        continue;
      }
      weighted += load_tile(probs + (j0 + jj) * lq + i0) * dps[jj];
      store_tile(dp, dps[jj]);
    }
  }
  for (int64_t j = 0; j < lk; ++j) {
    if (mask && !mask[j]) continue;
    T* ds = s.dp.data() + j * lq + i0;
    const V dsj = load_tile(probs + j * lq + i0) * (load_tile(ds) - weighted) * scale;
    store_tile(ds, dsj);
    const T* k = a.k.at(b, h, j);
    for (int64_t t = 0; t < d; ++t) dq[t] += k[t] * dsj;
  }
  for (int64_t l = 0; l < std::min(kTile, a.lq - i0); ++l)
    for (int64_t t = 0; t < d; ++t) g.q.at(b, h, i0 + l)[t] = dq[t][l];
}

template <typename T>
SCLDM_INLINE void backward_pair(const Problem<T>& a, const Gradients<T>& g, int64_t b, int64_t h, Scratch<T>& s) {
  const int64_t lq = padded(a.lq);
  const T* probs = a.probs + (b * a.heads + h) * a.lk * lq;
  to_columns(g.out_grad, b, h, a.lq, lq, a.d, s.dot);
  s.dp.resize(size_t(a.lk * lq));
  const int64_t lk = keys_end(a, b);
  for (int64_t i0 = 0; i0 < lq; i0 += kTile) backward_tile(a, g, b, lk, h, i0, probs, s);
  if (a.lq > kTile)
    key_gradients_by_lanes(a, g, b, lk, h, probs, s);
  else
    key_gradients(a, g, b, lk, h, probs, s);
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
