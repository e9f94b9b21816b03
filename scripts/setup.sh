#!/usr/bin/env bash
# Installs the Debian 12 packages scldm needs (build, tests, examples) and
# builds it into build/. Safe to run again: installed packages are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make g++ pkg-config
  libtorch-dev libopenblas0-openmp      # the model; OpenBLAS instead of the reference BLAS
  libgloo-dev                           # c10d's Gloo process group (data-parallel training)
  libhdf5-dev libzstd-dev zlib1g-dev nlohmann-json3-dev libcli11-dev
  liblemon-dev                          # exact optimal transport (network simplex) for eval's W2
  libgtest-dev bats ccache              # tests, faster rebuilds
  python3-anndata python3-h5py python3-scipy   # the real peer for h5ad files in tests
  python3-pot python3-sklearn           # independent implementations the eval tests compare with
  groff-base man-db util-linux          # man page checks, script(1)
  zsh fish                              # the completion tests parse and run the zsh and fish scripts
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
