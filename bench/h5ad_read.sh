#!/usr/bin/env bash
# h5ad reading, scldm next to anndata.read_h5ad on the same files in the same
# run: wall time, cells/s, MB/s (file size over time) and peak RSS.
# scldm's pass is `scldm info` (reads every count, validates it, summarises);
# anndata's is read_h5ad plus the per-cell sums (so both touch every value).
# Usage: bench/h5ad_read.sh [FILES...]  (default: ../shared/data sets and a
# 10x copy of kang_ctrl_muscat made with scldm itself)
set -euo pipefail
cd "$(dirname "$0")/.."
scldm=${SCLDM:-build/scldm}
data=../shared/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  # 98k cells: kang_ctrl_muscat ten times, with unique cell ids.
  /usr/bin/python3 - "$data/kang_ctrl_muscat.h5ad" "$tmp/kang_x10.h5ad" <<'PY'
import sys
import anndata
a = anndata.read_h5ad(sys.argv[1])
parts = []
for i in range(10):
    b = a.copy()
    b.obs_names = [f"{n}-{i}" for n in a.obs_names]
    parts.append(b)
anndata.concat(parts).write_h5ad(sys.argv[2])
PY
  files=("$data/pbmc_sorted_scminer.h5ad" "$data/kang_ctrl_muscat.h5ad" "$data/papalexi_crispr_sceptre.h5ad" "$tmp/kang_x10.h5ad")
fi

measure() {  # prints "seconds peak_kB"
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1
  cat "$tmp/t"
}

printf "| file | cells | MB | tool | s | cells/s | MB/s | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n"
for f in "${files[@]}"; do
  cells=$("$scldm" info --json "$f" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["cells"])')
  mb=$(stat -c %s "$f" | awk '{printf "%.1f", $1/1e6}')
  for tool in scldm anndata; do
    best=""
    for rep in 1 2 3; do  # best of three: the page cache is warm after the first
      if [ $tool = scldm ]; then
        r=$(measure "$scldm" info "$f")
      else
        r=$(measure /usr/bin/python3 -c "import anndata, sys; a = anndata.read_h5ad(sys.argv[1]); a.X.sum(1)" "$f")
      fi
      s=${r% *}
      if [ -z "$best" ] || awk "BEGIN{exit !($s < ${best% *})}"; then best=$r; fi
    done
    s=${best% *}; kb=${best#* }
    awk -v f="$(basename "$f")" -v c="$cells" -v mb="$mb" -v t="$tool" -v s="$s" -v kb="$kb" \
      'BEGIN { printf "| %s | %d | %s | %s | %.2f | %.0f | %.0f | %.0f |\n", f, c, mb, t, s, c/s, mb/s, kb/1024 }'
  done
done
