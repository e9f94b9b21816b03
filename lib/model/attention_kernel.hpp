// The loops of attend() on the CPU (model/attention.hpp), free of LibTorch.
// Work is a range of (batch entry, head) pairs, each computed whole by one
// call, so any split over threads gives the same bytes. Vectors run along
// the queries and every sum in a fixed order, with no fused multiply-add:
// the bytes do not depend on the vector width the CPU offers (SSE2, AVX2 or
// AVX-512).
#pragma once
#include <cstdint>

namespace scldm::attention_kernel {

// The rows of a [B, h, L, d] tensor whose last dimension is contiguous;
// sb = 0 repeats one batch entry (queries shared by the batch).
template <typename T>
struct Rows {
  T* data;
  int64_t sb, sh, sl;
  T* at(int64_t b, int64_t h, int64_t i) const { return data + b * sb + h * sh + i * sl; }
};

template <typename T>
struct Problem {
  Rows<const T> q, k, v;  // q [Bq, h, Lq, d]; k, v [B, h, Lk, d]
  const bool* mask;       // [B, Lk], or null: every key kept
  int64_t heads, lq, lk, d;
  T* probs;  // [B, h, Lk, query_stride(Lq)], contiguous: written by forward, read by backward
  // Queries shared by the batch (Bq = 1) as columns [h, d, query_stride(Lq)],
  // zeros past Lq, made once per call; null: each pair makes its own.
  const T* q_columns;
};

template <typename T>
struct Gradients {
  Rows<const T> out_grad;  // [B, h, Lq, d]
  Rows<T> q, k, v;    // written, not added to: q [B, h, Lq, d] (one per batch entry), k, v [B, h, Lk, d]
};

// The widest head the kernel takes (its accumulators live in registers).
inline constexpr int64_t kMaxHead = 16;

// The probabilities' row length for Lq queries (whole tiles of 16).
inline int64_t query_stride(int64_t lq) { return (lq + 15) / 16 * 16; }

// Pairs n in [begin, end) are (n / heads, n % heads).
void forward(const Problem<float>& a, const Rows<float>& out, int64_t begin, int64_t end);
void forward(const Problem<double>& a, const Rows<double>& out, int64_t begin, int64_t end);
void backward(const Problem<float>& a, const Gradients<float>& g, int64_t begin, int64_t end);
void backward(const Problem<double>& a, const Gradients<double>& g, int64_t begin, int64_t end);

}  // namespace scldm::attention_kernel
