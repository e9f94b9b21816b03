// OpenBLAS picks its matrix-product kernels from the CPU's model number. A CPU
// newer than the library gets its baseline SSE3 kernels: Debian 12's 0.3.21
// runs Prescott's on Intel Xeon family 6 model 207 (AVX-512), about a quarter
// of the float32 matrix-product speed and half of fit-vae's (bench/RESULTS.md,
// "BLAS kernels"). Every kernel gives the same bytes (tests/blas-cores.sh), so
// choosing a better one changes only the speed.
#pragma once
#include <string>

namespace scldm {

struct CpuVectorSupport {
  bool avx2_fma = false;  // AVX2 and FMA, enabled by the OS
  bool avx512 = false;    // AVX-512 F, CD, DQ, BW and VL, enabled by the OS
};

CpuVectorSupport cpu_vector_support();

// The OPENBLAS_CORETYPE to run instead of the kernels OpenBLAS `chosen` for a
// CPU with `cpu`, or "" to keep them: only an SSE-era choice on a CPU with
// AVX2 or AVX-512 is replaced; a name this table does not know is kept.
std::string better_blas_kernel(const std::string& chosen, const CpuVectorSupport& cpu);

// The kernels for the widest vectors of `cpu` where OPENBLAS_CORETYPE's
// `asked` (a user's choice, kept) uses narrower ones, or "": on an AVX-512
// CPU, Haswell's AVX2 kernels trained fit-vae about a tenth slower than
// OpenBLAS's own Cooperlake (bench/RESULTS.md, zen5).
std::string wider_blas_kernel(const std::string& asked, const CpuVectorSupport& cpu);

// The kernels of the OpenBLAS loaded in this process ("" when the BLAS is not
// OpenBLAS).
std::string loaded_blas_kernel();

// "OpenBLAS, SkylakeX kernels" (and, after a replacement, what OpenBLAS had
// chosen, or that OPENBLAS_CORETYPE chose them and whether the CPU has wider
// vectors: a slower choice may come from the environment), or "not
// OpenBLAS": for `version -v` and -v runs.
std::string describe_blas_kernels();

// For the torch-free front-end, before it runs the model helper: with
// OPENBLAS_CORETYPE unset, asks the OpenBLAS the helper will load
// (libblas.so.3) which kernels it chooses here and, where better_blas_kernel()
// names a replacement, sets OPENBLAS_CORETYPE and SCLDM_BLAS_REPLACED for the
// helper, which then need not start again (LibTorch loaded twice, ~0.5 s).
void choose_blas_kernel_for_helper();

// For a process linked to OpenBLAS, before it does any work: with
// OPENBLAS_CORETYPE unset and better_blas_kernel() naming a replacement, sets
// OPENBLAS_CORETYPE (and SCLDM_BLAS_REPLACED to "CHOSEN>REPLACEMENT") and
// executes this program (/proc/self/exe) again with `argv`. Returns when nothing is to be
// done or the exec fails.
void restart_with_faster_blas(char** argv);

}  // namespace scldm
