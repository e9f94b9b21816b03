// Shared by the CPU kernels (attention_kernel.cpp, swiglu_kernel.cpp), which
// are built as AVX-512 / AVX2 / baseline clones with -ffp-contract=off and
// -fno-trapping-math: every clone rounds alike, so the bytes do not depend on
// the vector width the CPU offers (and -Wno-psabi: the Tile vectors never
// cross a non-inlined call). Include it from those files only.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SCLDM_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCLDM_VECTOR_CLONES
#endif
#define SCLDM_INLINE inline __attribute__((always_inline))

namespace scldm::vector_math {

// Lanes of the kernels' vector accumulators (one AVX-512 register of floats).
inline constexpr int64_t kLanes = 16;

// Cephes' expf for y in [-87, 88] (a float or a Tile of them): n = y / ln 2
// rounded to nearest, and e^(y - n ln 2) by a polynomial.
template <typename V>
SCLDM_INLINE V exp_reduced(V y, V& n) {
  n = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const V r = (y - n * 0.693359375f) + n * 2.12194440e-4f;
  V p = r * 0.0f + 1.9875691500e-4f;  // the constant itself (r is finite)
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// exp by a fixed polynomial for float (Cephes' expf, ~1 ulp) that vectorizes
// and rounds alike on every CPU (no library dispatch); double (tests) by the
// C library, whose last bit may depend on the CPU.
SCLDM_INLINE float exp_of(float x) {
  float y = x >= -87.0f ? x : -87.0f;  // NaN too: the conversion below needs a number
  y = y <= 88.0f ? y : 88.0f;
  float n;
  const float p = exp_reduced(y, n);
  const float scale = __builtin_bit_cast(float, (int32_t(n) + 127) << 23);
  return x != x ? x : x < -87.0f ? 0.0f : p * scale;  // NaN stays NaN
}
SCLDM_INLINE double exp_of(double x) { return std::exp(x); }

// kLanes values as one GCC vector: arithmetic on it is per lane, in one
// AVX-512 register, two AVX2 or four SSE ones alike (the same bytes).
template <typename T>
struct TileOf {
  typedef T type __attribute__((vector_size(kLanes * sizeof(T))));
};
template <typename T>
using Tile = typename TileOf<T>::type;

template <typename T>
SCLDM_INLINE Tile<T> load_tile(const T* p) {
  Tile<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
SCLDM_INLINE void store_tile(T* p, Tile<T> v) { std::memcpy(p, &v, sizeof v); }
template <typename T>
SCLDM_INLINE Tile<T> broadcast(T x) { return Tile<T>{} + x; }

// exp_of lane by lane: the same operations, so the same bytes.
SCLDM_INLINE Tile<float> exp_of(Tile<float> x) {
  typedef int32_t Ints __attribute__((vector_size(kLanes * sizeof(int32_t))));
  const Tile<float> low = broadcast(-87.0f), high = broadcast(88.0f);
  Tile<float> y = x >= low ? x : low;
  y = y <= high ? y : high;
  Tile<float> n;
  const Tile<float> p = exp_reduced(y, n);
  const Tile<float> scale = (Tile<float>)((__builtin_convertvector(n, Ints) + 127) << 23);
  const Tile<float> finite = x < low ? Tile<float>{} : p * scale;
  return x != x ? x : finite;
}
SCLDM_INLINE Tile<double> exp_of(Tile<double> x) {
  for (int64_t l = 0; l < kLanes; ++l) x[l] = std::exp(x[l]);
  return x;
}

// The sum of kLanes partial sums in a fixed tree (the lanes are overwritten).
template <typename T>
SCLDM_INLINE T lane_tree(T* lanes) {
  for (int64_t width = kLanes / 2; width > 0; width /= 2)
    for (int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  return lanes[0];
}

}  // namespace scldm::vector_math
